// `npm run bench:sampler`: the local node-metrics sampler's own CPU cost per sample, measured
// over a few seconds at a fast interval and scaled to the one sample a second a run takes.
import { startLocalSampler } from '../harness/node-metrics/local.ts';

const intervalMs = 50;
const seconds = 5;
const sampler = startLocalSampler({ intervalMs, processes: () => [{ pid: process.pid, label: 'bench' }] });
const before = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const used = process.cpuUsage(before);
const metrics = await sampler.stop();
const samples = metrics.series[0]?.points.length ?? 0;
const msPerSample = (used.user + used.system) / 1000 / Math.max(1, samples);
console.log(`${samples} samples in ${seconds} s, ${msPerSample.toFixed(2)} ms CPU each`);
console.log(`at one sample a second: ${(msPerSample / 10).toFixed(2)} % of a core`);
console.log(JSON.stringify({ samples, ms_per_sample: Number(msPerSample.toFixed(2)) }));
