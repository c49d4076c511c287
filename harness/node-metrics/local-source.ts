// `local`: this machine and the processes of the run (harness, engine, stand-in, apps) from /proc.
import { startLocalSampler } from './local.ts';
import type { MetricsSource } from './source.ts';

export const localSource: MetricsSource = {
  name: 'local',
  help: "this machine and the run's processes from /proc, every second (default with the stand-in)",
  unusable: () => null,
  suits: (ctx) => ctx.target === 'standin',
  describe: (ctx) =>
    `local: this machine and the run's processes from /proc, every ${(ctx.intervalMs ?? 1000) / 1000} s`,
  start: (ctx) => startLocalSampler({ processes: ctx.processes, intervalMs: ctx.intervalMs }),
};
