// --help text of every command; each option the parser accepts is documented here.
import { cloudWatchHelp } from '../node-metrics/index.ts';

const target = [
  'Target:',
  '  CONNECT_SERVER, CONNECT_API_KEY   the Connect to test (environment). When CONNECT_SERVER is not',
  '                                    set, a local Connect stand-in is started with a random key, the',
  '                                    Flask fixture is deployed to it, and all of it is stopped at the end.',
  '  --flask-content <guid|url>        (real Connect) the Flask stock API the fetchers call: a content',
  '                                    GUID or its content URL',
  '  --publish-fixtures                (real Connect) publish the Flask fixture bundle for the fetchers',
  '                                    and delete it after the run',
];

const common = [
  'Run:',
  "  --profile reference|local|smoke   load shape. Default: reference against a real Connect (Posit's",
  '                                    published shape), local against the stand-in (sized for a laptop)',
  '  --engine auto|k6|node             auto (default): the k6 binary when installed (K6_BIN or PATH),',
  '                                    else the embedded Node engine',
  '  --out <dir>                       where run folders are written (default: runs/)',
  "  --baseline <file>                 baseline JSON (default: fixtures/baseline.json, Posit's published",
  '                                    1618 req/s, 223 ms, 0 % errors)',
  '  --fail-on-baseline                exit 3 when the verdict against the baseline fails (only when the',
  '                                    target is comparable, i.e. not the stand-in)',
  '',
  'Node metrics:',
  '  --node-metrics local|cloudwatch|none   default: local for the stand-in; none for a remote server',
  '                                    unless --cw-* options are given (then cloudwatch)',
  ...cloudWatchHelp.map((l) => `  ${l}`),
  '',
  'Exit codes: 0 done; 2 bad options or the target failed its checks (nothing was run);',
  '  3 verdict failed with --fail-on-baseline; 99 a k6 threshold failed; 130 interrupted (Ctrl-C);',
  '  1 the run failed. Ctrl-C once stops the load gracefully, twice at once; the run record and',
  '  its reports are written either way.',
];

export const scalabilityHelp = [
  'Usage: npm run scalability -- [options]',
  '',
  'Scalability test: one VU publishes the Plumber fixture over and over while the fetcher VUs step up',
  'level by level; the report shows throughput and latency per level and the saturation point (the',
  'smallest level reaching 95 % of the peak throughput).',
  '',
  ...target,
  '',
  "  --vus <n>                         top fetcher VU level (levels continue by the profile's step)",
  '  --duration <d>                    hold of each level, e.g. 2m',
  ...common,
].join('\n');

export const loadSoakHelp = [
  'Usage: npm run load-soak -- [options]',
  '',
  'Load test: the fetcher VUs ramp up and hold (30 min at 400 VUs in the reference profile) while one',
  'VU publishes; the verdict compares the steady window (ramp excluded) with the published baseline.',
  '',
  ...target,
  '',
  '  --vus <n|auto>                    fetcher VUs; auto = the saturation point of the latest completed',
  '                                    scalability run in the --out folder against the same kind of',
  "                                    target, else the profile's VUs (400 in reference)",
  '  --duration <d>                    how long to hold after the ramp, e.g. 30m',
  ...common,
].join('\n');

export const reportHelp = [
  'Usage: npm run report -- <runDir> [--cw-* options]',
  '',
  'Renders report.html, summary.md and junit.xml of a run folder again from its record files.',
  '',
  'With --cw-* options, node metrics are fetched again from CloudWatch for the run window first',
  '(CloudWatch publishes the last minutes of a run late; a report made right after the run shows',
  'them as gaps):',
  ...cloudWatchHelp.map((l) => `  ${l}`),
].join('\n');

export const compareHelp = [
  'Usage: npm run compare -- <runA> <runB> [--out <file>]',
  '',
  'Writes an HTML comparison of run A (before) and run B (after).',
  '  --out <file>   where to write it (default: compare-<A>-vs-<B>.html next to run B)',
].join('\n');

export const ingestHelp = [
  'Usage: npm run ingest -- <file...> [options]',
  '',
  'Builds a run folder from k6 NDJSON results made elsewhere (k6 --out json=FILE, plain or .gz). Several',
  'files (k6-operator runners, one per pod) are merged into one run: counts add, latency histograms',
  'merge and VUs are summed per second.',
  '  --out <dir>                       where the run folder is written (default: runs/)',
  '  --kind scalability|load-soak      what the results are (default: load-soak)',
  '  --summary <file>                  a k6 --summary-export file to keep with the run (thresholds;',
  '                                    without it, the thresholds in the NDJSON Metric lines are evaluated)',
  '  --baseline <file>                 baseline JSON for the verdict (default: fixtures/baseline.json)',
  '',
  'Exit codes: 0 done; 1 the run measured nothing (its folder is written, marked failed);',
  '2 bad options, or no line of the input is a k6 sample (no run folder).',
].join('\n');

export const mainHelp = [
  'Usage: npm run <command> -- [options]    (or: npx tsx harness/cli.ts <command> [options])',
  '',
  'Commands:',
  '  scalability          step up fetcher VUs to find where throughput stops rising',
  '  load-soak            hold a VU count and judge it against the published baseline',
  "  report <runDir>      render a run folder's reports again",
  '  compare <runA> <runB>  compare two runs',
  '  ingest <files...>    build a run folder from k6 NDJSON files (merges k6-operator runners)',
  '',
  'Each command has --help.',
].join('\n');
