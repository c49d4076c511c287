// `connect-perf-engine run [flags] script.js`: the engine's command line, shaped like `k6 run`.
// Ctrl+C or SIGTERM stops gracefully (iterations get their gracefulStop, teardown and summary
// still run); a second one stops at once but still writes the summary. When the process that
// started us goes away, the test stops at once, so no engine outlives its caller.
import { parseArgs, ROOT_HELP, RUN_HELP, UsageError } from './cli-args.ts';
import { EXIT } from './exit-codes.ts';
import { ENGINE_VERSION, startTest } from './run.ts';

const PARENT_POLL_MS = 1000;

async function main(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(command.topic === 'run' ? RUN_HELP : ROOT_HELP);
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`connect-perf-engine v${ENGINE_VERSION} (k6-compatible, node ${process.version})\n`);
    return 0;
  }
  if (command.kind === 'inspect') return (await startTest(command.options).result).exitCode;
  const handle = startTest(command.options);
  let signals = 0;
  const onSignal = () => {
    signals++;
    process.stderr.write(
      signals === 1
        ? '\nStopping the test gracefully (Ctrl+C again to stop at once)…\n'
        : '\nStopping at once; writing what we have…\n',
    );
    handle.stop(signals === 1 ? 'graceful' : 'hard');
  };
  // The parent bin.mjs saw as it began (see there), else the one we have now.
  const parent =
    (globalThis as Record<symbol, number | undefined>)[Symbol.for('connect-perf-engine.parent')] ??
    process.ppid;
  const watchParent = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watchParent);
    // Our pipes may have gone with the parent; the summary export still goes to its file.
    process.stdout.on('error', () => {});
    process.stderr.on('error', () => {});
    process.stderr.write('\nThe process that started the engine is gone; stopping at once…\n');
    handle.stop('hard');
  }, PARENT_POLL_MS);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  takeEarlySignals(onSignal);
  const result = await handle.result;
  clearInterval(watchParent);
  // A stop that comes while the engine writes its last lines and exits changes nothing: it must not
  // kill the process by the signal's default action instead of letting it exit with its code.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return result.exitCode;
}

/** Signals bin.mjs caught while the sources loaded: handled now, as if they came just now. */
function takeEarlySignals(onSignal: () => void): void {
  const key = Symbol.for('connect-perf-engine.early-signals');
  const kept = (globalThis as Record<symbol, { early: string[]; keep: () => void } | undefined>)[key];
  if (!kept) return;
  process.off('SIGINT', kept.keep);
  process.off('SIGTERM', kept.keep);
  for (const _ of kept.early) onSignal();
}

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain before exiting with k6's code.
process.exitCode = code;
setTimeout(() => process.exit(code), 50).unref();
