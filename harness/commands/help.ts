// --help text of every command; each option the parser accepts is documented here.
import { metricsSources, sourceOptionsHelp } from '../node-metrics/index.ts';

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

/** The options of a k6-operator run; `npm run k6-operator -- manifests` takes most of them too. */
export const k6OperatorOptionsHelp = [
  '  --parallelism <n>                 runners sharing the load (k6 execution segments); required',
  '  --namespace <ns>                  namespace of the run (default: default)',
  '  --kube-context <name>             kubectl context (default: the current one)',
  '  --storage-class <name>            storage class of the results claim; it must offer',
  '                                    ReadWriteMany (EFS on EKS). Default: the cluster default',
  '  --storage-size <q>                size requested for the claim (default 10Gi)',
  '  --k6-image <image>                runner image (default grafana/k6:latest)',
];

const k6OperatorRunHelp = [
  'k6-operator (with --engine k6-operator; needs CONNECT_SERVER, a Connect the cluster reaches):',
  ...k6OperatorOptionsHelp,
  '  --keep                            keep the TestRun, ConfigMap, claim and collector pod afterwards',
  '                                    (the Secret with the API key is always deleted)',
  '  KUBECTL=<path>                    the kubectl binary (default: kubectl on PATH)',
  '  Checks first (kubectl reaches the cluster, the TestRun CRD, the namespace, permissions): a',
  "  failure exits 2. The runners' NDJSON files are copied back and merged into one run folder.",
];

const common = [
  'Run:',
  "  --profile reference|local|smoke   load shape. Default: reference against a real Connect (Posit's",
  '                                    published shape), local against the stand-in (sized for a laptop)',
  '  --engine auto|k6|node|k6-operator auto (default): the k6 binary when installed (K6_BIN or PATH),',
  '                                    else the embedded Node engine; k6-operator: the k6 binary in a',
  '                                    Kubernetes cluster as a TestRun of --parallelism runners (below)',
  '  --out <dir>                       where run folders are written (default: runs/)',
  "  --baseline <file>                 baseline JSON (default: fixtures/baseline.json, Posit's published",
  '                                    1618 req/s, 223 ms, 0 % errors)',
  '  --fail-on-baseline                exit 3 when the verdict against the baseline fails (only when the',
  '                                    target is comparable, i.e. not the stand-in)',
  '  --k6-env <K6_NAME>                pass this K6_* variable of your shell on to the engine (repeatable;',
  '                                    the engine gets no other K6_* variable)',
  "  --k6-out <output>                 another k6 output for the engine, besides the run folder's json",
  '                                    (repeatable): experimental-prometheus-rw, influxdb=http://host:8086/db,',
  '                                    json=<file>; settings and credentials only from K6_PROMETHEUS_RW_* /',
  '                                    K6_INFLUXDB_* variables, which are passed to the engine (k6, the',
  "                                    embedded engine, or the k6-operator runners through the run's Secret)",
  '',
  'Node metrics:',
  `  --node-metrics ${metricsSources.map((s) => s.name).join('|')}`,
  ...metricsSources.map((s) => `      ${s.name.padEnd(12)}${s.help}`),
  ...sourceOptionsHelp().map((l) => `  ${l}`),
  '',
  ...k6OperatorRunHelp,
  '',
  'Exit codes: 0 done; 2 bad options or the target failed its checks (nothing was run);',
  '  3 verdict failed with --fail-on-baseline; 99 a k6 threshold failed; 1 the run failed (also when',
  '  the engine or the stand-in was killed, or the target stopped answering);',
  '  130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM or the parent process ending, 129 by SIGHUP.',
  'A stop request (Ctrl-C, SIGTERM) stops the load gracefully, a second one (or 8 s later) at once;',
  'the run record, marked interrupted with the reason, and its reports are written either way. A stop',
  'before the load starts cleans up the target and leaves no run folder (nothing was measured).',
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
  'Usage: npm run report -- <runDir> [--prom-* or --cw-* options]',
  '',
  'Renders report.html, summary.md and junit.xml of a run folder again from its record files.',
  '',
  "With a source's options (--prom-url, --cw-*), node metrics are fetched again from it for the run",
  'window first (CloudWatch publishes the last minutes of a run late, so a report made right after',
  'the run shows them as gaps; Prometheus may have scraped the last seconds after the run ended):',
  ...sourceOptionsHelp().map((l) => `  ${l}`),
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

export const k6OperatorHelp = [
  'Usage: npm run k6-operator -- manifests --parallelism <n> --out <dir> [options]',
  '',
  'Writes the manifests of a distributed run of the built scenario bundle with k6-operator:',
  "a ConfigMap (the bundle and the Plumber fixture it opens), a ReadWriteMany claim for the runners'",
  'NDJSON files, the TestRun (k6.io/v1alpha1) and a collector pod to copy the files out. The API key',
  'is read by the runners from a Secret (secretKeyRef); the command prints how to create it. Apply',
  'with kubectl, then merge the files with `npm run ingest`.',
  '',
  '  --out <dir>                       folder for the manifests (required)',
  '  --kind load-soak|scalability      which workload (default load-soak)',
  '  --profile reference|local|smoke   load shape (default reference)',
  '  --vus <n>, --duration <d>         as for load-soak / scalability',
  '  --flask-content <url>             content URL of the Flask stock API (or FLASK_CONTENT_URL)',
  ...k6OperatorOptionsHelp,
  '  CONNECT_SERVER                    the Connect the runners load (required)',
  '',
  'Exit codes: 0 written; 2 bad options or a missing build.',
].join('\n');

export const mainHelp = [
  'Usage: npm run <command> -- [options]    (or: node --import tsx harness/commands/harness.ts <command> [options])',
  '',
  'Commands:',
  '  scalability          step up fetcher VUs to find where throughput stops rising',
  '  load-soak            hold a VU count and judge it against the published baseline',
  "  report <runDir>      render a run folder's reports again",
  '  compare <runA> <runB>  compare two runs',
  '  ingest <files...>    build a run folder from k6 NDJSON files (merges k6-operator runners)',
  '  k6-operator manifests  write the Kubernetes manifests of a distributed run (npm run k6-operator)',
  '',
  'Each command has --help.',
].join('\n');
