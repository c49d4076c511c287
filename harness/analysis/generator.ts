// Was the load generator, rather than the target, the limit? Four signals over the measured
// window, each with a limit (README, "Generator health"):
//   - the engine process's CPU (its own health file; else the node sampler's process series),
//   - the engine's event-loop delay (health file only: the embedded engine),
//   - the machine's CPU when generator and target share it (the stand-in),
//   - dropped iterations (k6's summary), and Little's law for the fetchers, who have no think
//     time: VUs ≈ req/s × mean request time; the rest of each VU's time is spent in the generator.
import type { EngineHealthLine, GeneratorHealth, NodeMetrics, ProcessFigures } from '../record/types.ts';

export const generatorLimits = {
  /** Engine CPU, % of all the CPUs it may use: k6's guide keeps the generator under ~80 %. */
  engineCpuFraction: 0.8,
  /** Machine CPU % when generator and target share it: above this they compete for cores. */
  machineCpuPercent: 80,
  /** Event-loop delay p99 (median of the per-second values), ms, and as a share of the latency. */
  eventLoopP99Ms: 10,
  eventLoopLatencyFraction: 0.1,
  /** Little's law: VUs busy in requests less than this share of the time … */
  littleBusyFraction: 0.8,
  /** … and more than this many ms per request spent outside requests (0.5–0.8 ms is normal). */
  littleOverheadMs: 1,
} as const;

export interface GeneratorInput {
  /** The measured window (epoch seconds, inclusive). */
  from: number;
  to: number;
  /** Fetch throughput and mean request time over the window, and the fetch VUs held. */
  rps: number;
  avgMs: number;
  vus: number | null;
  health: EngineHealthLine[];
  nodeMetrics: NodeMetrics | null;
  /** Generator and target on one machine (the stand-in with local node metrics). */
  sharedMachine: boolean;
  droppedIterations: number | null;
  /** Connect's processes of the Flask content over the window: says whether the target had room. */
  processes?: ProcessFigures | null;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function quantile(values: number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function seriesIn(
  nodeMetrics: NodeMetrics | null,
  from: number,
  to: number,
  pick: (metric: string, label: string) => boolean,
): number[] {
  const out: number[] = [];
  for (const s of nodeMetrics?.series ?? []) {
    if (!pick(s.metric, s.label)) continue;
    for (const p of s.points) if (p.t >= from && p.t <= to + 1 && p.v !== null) out.push(p.v);
  }
  return out;
}

const pct = (v: number) => `${v.toFixed(0)} %`;
const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

export function generatorHealth(input: GeneratorInput): GeneratorHealth {
  const { from, to } = input;
  const limits = generatorLimits;
  const reasons: string[] = [];
  const fine: string[] = [];
  const sources: string[] = [];

  // Health lines carry the end of the second they measured.
  const health = input.health.filter((h) => h.t > from && h.t <= to + 1 && h.elapsedMs > 0);
  let engineCpu: number[] = health.map((h) => (100 * (h.cpuUserMs + h.cpuSystemMs)) / h.elapsedMs);
  const cpus = health.length ? health[health.length - 1].cpus : null;
  let cpuWhat = 'the engine process';
  if (health.length) sources.push('the engine health file (CPU and event-loop delay per second)');
  else {
    const series = input.nodeMetrics?.series.find(
      (s) => s.metric === 'proc_cpu_percent' && /engine|k6/i.test(s.label),
    );
    const fromSampler = series
      ? seriesIn(input.nodeMetrics, from, to, (m, l) => m === series.metric && l === series.label)
      : [];
    if (series && fromSampler.length) {
      engineCpu = fromSampler;
      // The label says what else shares the process (today the harness and the stand-in do).
      cpuWhat = `the process the node sampler labels "${series.label.replace(/ CPU %.*$/, '')}"`;
      sources.push('the node sampler (process CPU)');
    }
  }
  const engineCpuMean = mean(engineCpu);
  const engineCpuP95 = quantile(engineCpu, 0.95);
  if (engineCpuMean !== null) {
    const capacity = 100 * (cpus ?? 1);
    const text = `${cpuWhat} used ${pct(engineCpuMean)} of one core on average (p95 ${pct(engineCpuP95!)})${cpus ? ` with ${cpus} CPU${cpus === 1 ? '' : 's'} available` : ''}`;
    if (engineCpuMean >= limits.engineCpuFraction * capacity)
      reasons.push(
        `The generator is CPU-bound: ${text}, at or above ${pct(limits.engineCpuFraction * 100)} of what it may use.`,
      );
    else fine.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
  }

  const loopP99 = health.map((h) => h.eventLoopP99Ms);
  const loopMedian = quantile(loopP99, 0.5);
  const loopMax = loopP99.length ? Math.max(...loopP99) : null;
  if (loopMedian !== null) {
    const limit = Math.max(limits.eventLoopP99Ms, limits.eventLoopLatencyFraction * input.avgMs);
    const text = `the engine's event-loop delay p99 was ${ms(loopMedian)} in a typical second (worst second ${ms(loopMax!)})`;
    if (loopMedian > limit)
      reasons.push(
        `Requests start late: ${text}, above ${ms(limit)} (the larger of ${limits.eventLoopP99Ms} ms and ${pct(limits.eventLoopLatencyFraction * 100)} of the ${ms(input.avgMs)} average latency), so measured latency includes time waiting in the generator.`,
      );
    else fine.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
  }

  let machineCpu: number | null = null;
  if (input.sharedMachine) {
    machineCpu = mean(seriesIn(input.nodeMetrics, from, to, (m) => m === 'cpu_percent'));
    if (machineCpu !== null) {
      sources.push('the node sampler (machine CPU)');
      const text = `generator and target share this machine, which was ${pct(machineCpu)} busy`;
      if (machineCpu >= limits.machineCpuPercent)
        reasons.push(
          `The machine is saturated: ${text} (limit ${pct(limits.machineCpuPercent)}), so the engine and the target compete for the CPU.`,
        );
      else fine.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
    }
  }

  if (input.droppedIterations !== null) {
    sources.push("k6's summary (dropped iterations)");
    if (input.droppedIterations > 0)
      reasons.push(
        `${input.droppedIterations} iterations were dropped: the engine could not start them on time.`,
      );
    else fine.push('No iteration was dropped.');
  }

  let busy: number | null = null;
  if (input.vus && input.vus > 0 && input.rps > 0 && input.avgMs > 0) {
    sources.push("Little's law on the fetchers (VUs, req/s, average latency)");
    busy = (input.rps * input.avgMs) / 1000 / input.vus;
    const overheadMs = (1000 * input.vus) / input.rps - input.avgMs;
    const text = `${input.vus} fetch VUs at ${input.rps.toFixed(1)} req/s and ${ms(input.avgMs)} per request were busy in requests ${pct(Math.min(busy, 1) * 100)} of the time (${ms(Math.max(overheadMs, 0))} per request outside them)`;
    if (busy < limits.littleBusyFraction && overheadMs > limits.littleOverheadMs)
      reasons.push(
        `Time is lost outside requests: ${text}; with no think time that is generator overhead (below ${pct(limits.littleBusyFraction * 100)} busy and over ${limits.littleOverheadMs} ms per request).`,
      );
    else fine.push(`Little's law: ${text}.`);
  }

  const verdict: GeneratorHealth['verdict'] = reasons.length ? 'limited' : sources.length ? 'ok' : 'unknown';
  // The target's side, for context: it does not change whether the generator was the limit.
  const target = input.processes ? [`On the target: ${input.processes.note}`] : [];
  if (input.processes) sources.push("Connect's jobs of the Flask content (processes.json)");
  return {
    verdict,
    reasons: [
      ...(verdict === 'limited'
        ? reasons
        : verdict === 'ok'
          ? fine
          : [
              'No generator signal was recorded (no health file, node metrics or VU gauge), so whether the generator was the limit cannot be told.',
            ]),
      ...target,
    ],
    figures: {
      engineCpuPercent: engineCpuMean,
      engineCpuP95Percent: engineCpuP95,
      cpus,
      eventLoopP99MaxMs: loopMax,
      eventLoopP99MedianMs: loopMedian,
      machineCpuPercent: machineCpu,
      droppedIterations: input.droppedIterations,
      vus: input.vus,
      littleBusyFraction: busy,
      sources,
    },
  };
}
