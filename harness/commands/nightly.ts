// `npm run nightly`: the nightly regression pipeline. Runs the load-soak through the harness CLI
// (every load-soak option passes through), then reads the run folder it wrote, compares the
// figures with the history, appends the run, writes the trend page and the job summary, and
// exits non-zero on a threshold failure, a failed baseline verdict (with --fail-on-baseline) or
// a regression. The same pipeline runs in CI against a real Connect and here against the stand-in.
import { appendFile, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { historyEntryFromRun } from '../nightly/entry.ts';
import {
  DEFAULT_REGRESSION_OPTIONS,
  detectRegressions,
  type RegressionReport,
} from '../nightly/regression.ts';
import { openHistoryStore } from '../nightly/store.ts';
import { renderTrend } from '../nightly/trend.ts';
import { checkInputFile, INPUT_LIMITS } from '../pipeline/input-files.ts';
import { latestRun, readRun, runPath, writeJsonAtomic } from '../record/index.ts';
import { watchStops } from '../stops/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const harnessCli = join(here, 'harness.ts');

/** Exit code when the run itself passed but a figure regressed against the history. */
export const REGRESSION_EXIT_CODE = 4;

const HELP = `Usage: npm run nightly -- [options] [load-soak options]

Runs the load-soak (against CONNECT_SERVER, or the local stand-in when it is not set), appends the
run to the history, detects regressions against recent comparable runs and writes a trend page.

Options of the nightly pipeline:
  --history <file|s3://bucket/prefix/>  history store (default .nightly/history.jsonl)
  --out <dir>                           run folders and the trend page (default runs)
  --trend <file>                        trend page (default <out>/trend.html)
  --job-summary <file>                  append the Markdown summary here
                                        (default: $GITHUB_STEP_SUMMARY when set)
  --window <n>                          comparable runs to compare with (default ${DEFAULT_REGRESSION_OPTIONS.window})
  --min-runs <n>                        fewer comparable runs: no regression verdict (default ${DEFAULT_REGRESSION_OPTIONS.minRuns})
  -h, --help                            this text

Every other option goes to \`npm run load-soak\` (see \`npm run load-soak -- --help\`), e.g.
--profile, --vus, --duration, --engine, --fail-on-baseline, --flask-content, --node-metrics, --prom-*, --cw-*, --k6-out.

Exit codes: 2 when the history store cannot be used (checked before the run); the load-soak's own
code when it failed (99 thresholds, 3 baseline with
--fail-on-baseline, ...), else ${REGRESSION_EXIT_CODE} on a regression, else 0.`;

interface NightlyArgs {
  history: string;
  out: string;
  trend: string;
  jobSummary: string | undefined;
  window: number;
  minRuns: number;
  passThrough: string[];
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number of at least 1, not "${value}".`);
  return n;
}

export function parseNightlyArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): NightlyArgs | 'help' {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      history: { type: 'string' },
      out: { type: 'string' },
      trend: { type: 'string' },
      'job-summary': { type: 'string' },
      window: { type: 'string' },
      'min-runs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    tokens: true,
  });
  if (values.help) return 'help';
  const own = new Set(['history', 'trend', 'job-summary', 'window', 'min-runs', 'help']);
  const passThrough: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === 'option' && own.has(token.name)) continue;
    if (token.kind === 'option') {
      if (token.name === 'out') continue;
      passThrough.push(token.rawName);
      if (token.value !== undefined) {
        if (token.inlineValue) passThrough[passThrough.length - 1] = `${token.rawName}=${token.value}`;
        else passThrough.push(token.value);
      }
    } else if (token.kind === 'positional') passThrough.push(token.value);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out = str(values.out) ?? 'runs';
  return {
    history: str(values.history) ?? '.nightly/history.jsonl',
    out,
    trend: str(values.trend) ?? join(out, 'trend.html'),
    jobSummary: str(values['job-summary']) ?? env.GITHUB_STEP_SUMMARY,
    window: values.window ? positiveInt(String(values.window), 'window') : DEFAULT_REGRESSION_OPTIONS.window,
    minRuns: values['min-runs']
      ? positiveInt(String(values['min-runs']), 'min-runs')
      : DEFAULT_REGRESSION_OPTIONS.minRuns,
    passThrough,
  };
}

export function regressionMarkdown(report: RegressionReport): string {
  const lines = [
    '',
    `### ${report.regressed ? '❌ Regression against recent runs' : report.enoughHistory ? '✅ No regression against recent runs' : 'ℹ️ Not enough history for a regression verdict'}`,
    '',
    ...report.figures.map((f) => `- ${f.regressed ? '**' : ''}${f.sentence}${f.regressed ? '**' : ''}`),
    '',
    `_${report.method}_`,
    '',
  ];
  return lines.join('\n');
}

/** The history store is checked before the load-soak: a mistake there must not cost a long run. */
export async function checkHistory(location: string): Promise<string | null> {
  try {
    if (!location.startsWith('s3://')) {
      await checkInputFile(location, INPUT_LIMITS.history, '--history', { mayBeMissing: true });
    }
    const store = openHistoryStore(location);
    await store.read();
    return null;
  } catch (error) {
    return `nightly: the history store ${location} cannot be used: ${(error as Error).message}`;
  }
}

export async function nightly(args: NightlyArgs): Promise<number> {
  const problem = await checkHistory(args.history);
  if (problem) {
    console.error(problem);
    return 2;
  }
  const startedAt = Date.now();
  // The harness handles stops itself (graceful stop, interrupted record): every stop request that
  // reaches this process (a signal to it alone, or its parent's death) is passed on, and this
  // process waits for the harness to finish its record.
  const stops = watchStops();
  // Its own process group, so a Ctrl-C on the terminal reaches it once: from here.
  const child = $({
    stdio: 'inherit',
    nothrow: true,
    detached: true,
  })`${process.execPath} --import tsx ${harnessCli} load-soak --out ${args.out} ${args.passThrough}`;
  stops.on('stop', (request) => {
    child.child?.kill(request.cause === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  });
  const run = await child;
  stops.close();
  const harnessCode = run.exitCode ?? 1;

  const dir = await latestRun(args.out, 'load-soak', ['completed', 'interrupted', 'failed']);
  const record = dir ? await readRun(dir) : null;
  if (!record || Date.parse(record.meta.startedAt) < startedAt - 1000) {
    console.error(
      `nightly: the load-soak wrote no run folder in ${args.out} (exit code ${harnessCode}); nothing to add to the history.`,
    );
    return harnessCode === 0 ? 1 : harnessCode;
  }

  const store = openHistoryStore(args.history);
  const history = await store.read();
  for (const w of history.warnings) console.warn(`nightly: ${w}`);

  let regression: RegressionReport | null = null;
  let summary =
    (await readFile(runPath(record.dir, 'reportMarkdown'), 'utf8').catch(() => '')) ||
    `## Run ${record.meta.id}\n`;
  if (record.meta.status === 'completed' && record.analysis) {
    const entry = historyEntryFromRun(record, dirname(resolve(args.trend)));
    regression = detectRegressions(entry, history.entries, {
      ...DEFAULT_REGRESSION_OPTIONS,
      window: args.window,
      minRuns: args.minRuns,
    });
    entry.verdicts.regression = regression.enoughHistory ? regression.regressed : null;
    await writeJsonAtomic(runPath(record.dir, 'regression'), regression);
    await store.append(entry);
    console.log(`nightly: run ${entry.runId} appended to ${store.location}`);
    for (const f of regression.figures) console.log(`nightly: ${f.sentence}`);
    summary += regressionMarkdown(regression);
    const after = await store.read();
    await renderTrend(
      { entries: after.entries, latest: { entry, regression }, warnings: after.warnings },
      args.trend,
    );
  } else {
    console.warn(`nightly: the run ended "${record.meta.status}"; it is not added to the history.`);
    summary += `\n> The run ended **${record.meta.status}**; it was not added to the history.\n`;
    await renderTrend({ entries: history.entries, warnings: history.warnings }, args.trend);
  }
  console.log(`nightly: trend page ${args.trend}`);
  if (args.jobSummary) await appendFile(args.jobSummary, `${summary}\n`);

  if (harnessCode !== 0) return harnessCode;
  return regression?.regressed ? REGRESSION_EXIT_CODE : 0;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseNightlyArgs>;
  try {
    args = parseNightlyArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`nightly: ${(err as Error).message}\nRun with --help for the options.`);
    process.exit(2);
  }
  if (args === 'help') {
    console.log(HELP);
    return;
  }
  process.exitCode = await nightly(args);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`nightly: ${err.message}`);
    process.exit(1);
  });
}
