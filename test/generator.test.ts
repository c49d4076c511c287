// test-tier: unit
// Generator health: the engine's health file (written for real, with a blocked event loop), and
// the verdict's rules on CPU, event-loop delay, shared-machine CPU, dropped iterations and
// Little's law.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readHealthFile, startHealthRecorder } from '../engine/health.ts';
import { type GeneratorInput, generatorHealth } from '../harness/analysis/generator.ts';
import type { EngineHealthLine, NodeMetrics } from '../harness/record/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'generator-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function line(t: number, cpuMs: number, loopP99: number): EngineHealthLine {
  return {
    t,
    cpuUserMs: cpuMs * 0.8,
    cpuSystemMs: cpuMs * 0.2,
    eventLoopP99Ms: loopP99,
    eventLoopMaxMs: loopP99 * 2,
    eventLoopMeanMs: loopP99 / 4,
    elapsedMs: 1000,
    rssBytes: 1e8,
    cpus: 2,
  };
}

const base: GeneratorInput = {
  from: 100,
  to: 159,
  rps: 1000,
  avgMs: 49,
  vus: 50,
  health: [],
  nodeMetrics: null,
  sharedMachine: false,
  droppedIterations: 0,
};

function machine(percent: number): NodeMetrics {
  return {
    source: 'local',
    periodSeconds: 1,
    warnings: [],
    series: [
      {
        metric: 'cpu_percent',
        label: 'this machine CPU %',
        unit: 'percent',
        points: Array.from({ length: 60 }, (_, i) => ({ t: 100 + i, v: percent })),
      },
    ],
  };
}

describe('engine health file', () => {
  it('records CPU and event-loop delay once a second and reads back, skipping a cut line', async () => {
    const file = join(dir, 'health.ndjson');
    const recorder = startHealthRecorder(file, 200)!;
    // Block the event loop three times, each until this process has used 200 ms of CPU (not 200 ms
    // of wall time: on a busy machine those may hold much less CPU): the delay and the CPU must show.
    for (let k = 0; k < 3; k++) {
      const from = process.cpuUsage();
      const used = () => {
        const d = process.cpuUsage(from);
        return (d.user + d.system) / 1000;
      };
      while (used() < 200) {
        // Busy on purpose.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    recorder.stop();
    writeFileSync(file, '{"t":1,"cpuUs', { flag: 'a' });
    const lines = readHealthFile(file);
    assert.ok(lines.length >= 2, `${lines.length} lines`);
    const worst = Math.max(...lines.map((l) => l.eventLoopMaxMs));
    assert.ok(worst >= 50, `the blocked loop shows (worst delay ${worst} ms)`);
    const cpu = lines.reduce((sum, l) => sum + l.cpuUserMs + l.cpuSystemMs, 0);
    assert.ok(cpu >= 100, `the 600 ms of busy-loop CPU show (${cpu} ms)`);
    assert.ok(lines.every((l) => l.cpus >= 1 && l.elapsedMs > 0));
    assert.deepEqual(readHealthFile(join(dir, 'absent.ndjson')), []);
    assert.equal(startHealthRecorder(undefined), null, 'nothing without the variable');
  });
});

describe('generator verdict', () => {
  it('is ok with a calm engine, an idle machine and VUs busy in requests', () => {
    const g = generatorHealth({
      ...base,
      health: Array.from({ length: 60 }, (_, i) => line(101 + i, 300, 2)),
      nodeMetrics: machine(40),
      sharedMachine: true,
    });
    assert.equal(g.verdict, 'ok');
    assert.equal(g.figures.engineCpuPercent, 30);
    assert.equal(g.figures.eventLoopP99MedianMs, 2);
    assert.equal(g.figures.machineCpuPercent, 40);
    assert.ok(Math.abs(g.figures.littleBusyFraction! - 0.98) < 1e-9);
    assert.ok(g.reasons.length >= 3);
  });

  it('is limited by each rule on its own, with a sentence naming it', () => {
    const cases: Array<[Partial<GeneratorInput>, RegExp]> = [
      [
        { health: Array.from({ length: 60 }, (_, i) => line(101 + i, 1700, 2)) },
        /CPU-bound: the engine process used 170 %/,
      ],
      [
        { health: Array.from({ length: 60 }, (_, i) => line(101 + i, 300, 30)) },
        /Requests start late: .*30\.0 ms/,
      ],
      [{ nodeMetrics: machine(95), sharedMachine: true }, /machine is saturated: .*95 % busy/],
      [{ droppedIterations: 12 }, /12 iterations were dropped/],
      [{ rps: 600 }, /Time is lost outside requests: 50 fetch VUs at 600\.0 req\/s/],
    ];
    for (const [input, reason] of cases) {
      const g = generatorHealth({ ...base, ...input });
      assert.equal(g.verdict, 'limited', String(reason));
      assert.match(g.reasons.join(' '), reason);
    }
  });

  it("does not count the shared machine's CPU when generator and target are apart", () => {
    assert.equal(generatorHealth({ ...base, nodeMetrics: machine(99) }).verdict, 'ok');
  });

  it('says it cannot tell when there is no signal at all', () => {
    const g = generatorHealth({ ...base, vus: null, droppedIterations: null });
    assert.equal(g.verdict, 'unknown');
    assert.match(g.reasons[0], /cannot be told/);
  });
});
