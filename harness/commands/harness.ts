// The harness command line: `node --import tsx harness/commands/harness.ts <command> [options]` (npm run scalability,
// load-soak, report, compare, ingest). Errors a user can cause are one sentence and exit 2.
// The engine, stand-in and reports are imported only by the commands that use them, so --help
// and option mistakes answer at once.
import { dirname, join } from 'node:path';
import { EXIT_CODES } from '../pipeline/exit-codes.ts';
import { asLeftRunning, leftRunningNote } from '../record/liveness.ts';
import { runPath } from '../record/paths.ts';
import { readRunMeta } from '../record/read.ts';
import { scrubText } from '../record/scrub.ts';
import { writeJsonAtomic } from '../record/write.ts';
import { watchStops } from '../stops/index.ts';
import { compareHelp, ingestHelp, loadSoakHelp, mainHelp, reportHelp, scalabilityHelp } from './help.ts';
import {
  parseCompareOptions,
  parseIngestOptions,
  parseReportOptions,
  parseRunOptions,
  UsageError,
} from './options.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const typed = scrubText(['harness', ...argv].join(' '), [process.env.CONNECT_API_KEY]);
  switch (command) {
    case 'scalability':
    case 'load-soak': {
      const options = parseRunOptions(command, args);
      if (options === 'help') return help(command === 'scalability' ? scalabilityHelp : loadSoakHelp);
      const { runLoad } = await import('../pipeline/run-load.ts');
      const stops = watchStops();
      try {
        return await runLoad(options, {
          env: process.env,
          log,
          stderr: process.stderr,
          command: typed,
          stops,
        });
      } finally {
        stops.close();
      }
    }
    case 'report': {
      const options = parseReportOptions(args);
      if (options === 'help') return help(reportHelp);
      const meta = await settled(options.runDir);
      const { metricsSources } = await import('../node-metrics/index.ts');
      for (const source of metricsSources) {
        const sourceOptions = options.sourceOptions[source.name];
        if (sourceOptions === undefined || !source.refetch) continue;
        const end = new Date(meta.endedAt ?? Date.now());
        const nodeMetrics = await source.refetch(sourceOptions, { start: new Date(meta.startedAt), end });
        for (const warning of nodeMetrics.warnings) log(`node metrics: ${warning}`);
        await writeJsonAtomic(runPath(options.runDir, 'nodeMetrics'), nodeMetrics);
        log(
          `node metrics: ${nodeMetrics.series.length} series fetched again from ${source.title ?? source.name}`,
        );
      }
      const { renderRunReports } = await import('../reporting/index.ts');
      const paths = await renderRunReports(options.runDir);
      log(`report: ${paths.html}\nsummary: ${paths.markdown}\njunit: ${paths.junit}`);
      return EXIT_CODES.ok;
    }
    case 'compare': {
      const options = parseCompareOptions(args);
      if (options === 'help') return help(compareHelp);
      const [a, b] = [await settled(options.runA), await settled(options.runB)];
      const { renderCompare } = await import('../reporting/index.ts');
      // The ids come from the run.json files: only their file-name-safe form names the output,
      // so an id such as `x/../../y` cannot place it outside run B's parent folder.
      const outFile =
        options.outFile ?? join(dirname(options.runB), `compare-${safeName(a.id)}-vs-${safeName(b.id)}.html`);
      log(`comparison: ${await renderCompare(options.runA, options.runB, outFile)}`);
      return EXIT_CODES.ok;
    }
    case 'ingest': {
      const options = parseIngestOptions(args);
      if (options === 'help') return help(ingestHelp);
      const { ingestRun } = await import('../pipeline/ingest-run.ts');
      return (await ingestRun(options, typed, log)).code;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help(mainHelp);
    default:
      throw new UsageError(
        `Unknown command '${command}'. Commands: scalability, load-soak, report, compare, ingest (see --help).`,
      );
  }
}

/** A run folder's record, with a run a killed harness left "running" marked interrupted (said once). */
async function settled(dir: string) {
  const meta = await readRunMeta(dir);
  const note = leftRunningNote(meta, dir);
  if (!note) return meta;
  log(note);
  const fixed = asLeftRunning(meta);
  if (fixed !== meta) await writeJsonAtomic(runPath(dir, 'meta'), fixed);
  return fixed;
}

/** `name` reduced to letters, digits, `-`, `_` and inner dots: never a separator, never `..`. */
function safeName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 100);
  return safe || 'run';
}

function help(text: string): number {
  process.stdout.write(`${text}\n`);
  return EXIT_CODES.ok;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = scrubText((error as Error).message ?? String(error), [process.env.CONNECT_API_KEY]);
  log(message);
  process.exitCode =
    error instanceof UsageError || /not a run folder|not a valid run record/.test(message)
      ? EXIT_CODES.usage
      : EXIT_CODES.failed;
}
