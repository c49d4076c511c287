// The Universal Scalability Law fit: known σ, κ come back from synthetic levels (exact and noisy),
// and a USL-shaped scalability NDJSON ingested with --kind scalability gets the fit, N* and a
// report section titled "Universal Scalability Law".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fitUsl, fitUslParams, uslThroughput } from '../harness/analysis/usl.ts';
import type { Analysis, LevelStats } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';

const truth = { sigma: 0.04, kappa: 0.0004, lambda: 12 };
const nStar = Math.sqrt((1 - truth.sigma) / truth.kappa);
const within = (actual: number, expected: number, fraction: number) =>
  Math.abs(actual - expected) <= fraction * Math.abs(expected);

/** Deterministic noise in [-1, 1]. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'usl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('USL fit', () => {
  it('recovers σ, κ, λ exactly from exact levels', () => {
    const points = [1, 5, 10, 20, 40, 60, 80, 100].map((n) => ({ n, x: uslThroughput(truth, n) }));
    const fit = fitUslParams(points)!;
    assert.ok(within(fit.sigma, truth.sigma, 1e-4), `σ ${fit.sigma}`);
    assert.ok(within(fit.kappa, truth.kappa, 1e-4), `κ ${fit.kappa}`);
    assert.ok(within(fit.lambda, truth.lambda, 1e-4), `λ ${fit.lambda}`);
    assert.ok(fit.r2 > 0.999999);
  });

  it('stays within 25 % of σ and κ and 10 % of N* with 3 % noise on each level', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = noise(seed);
      const levels: LevelStats[] = [5, 10, 20, 30, 40, 50, 60, 80, 100].map((vus) => ({
        vus,
        from: 0,
        to: 0,
        rps: uslThroughput(truth, vus) * (1 + 0.03 * rnd()),
        avgMs: 0,
        p95Ms: 0,
        errorRate: 0,
      }));
      const fit = fitUsl(levels)!;
      assert.ok(within(fit.sigma, truth.sigma, 0.25), `seed ${seed}: σ ${fit.sigma}`);
      assert.ok(within(fit.kappa, truth.kappa, 0.25), `seed ${seed}: κ ${fit.kappa}`);
      assert.ok(within(fit.peakVus!, nStar, 0.1), `seed ${seed}: N* ${fit.peakVus}`);
      assert.ok(fit.r2 > 0.95, `seed ${seed}: r2 ${fit.r2}`);
      assert.equal(fit.good, true);
      assert.equal(fit.boundedVus, Math.round(fit.peakVus!));
    }
  });

  it('says the fit is not good enough when throughput only rises (no peak in sight)', () => {
    const levels = [10, 20, 30, 40].map((vus) => ({
      vus,
      from: 0,
      to: 0,
      rps: vus * 10,
      avgMs: 0,
      p95Ms: 0,
      errorRate: 0,
    }));
    const fit = fitUsl(levels)!;
    assert.equal(fit.good, false);
    assert.match(fit.note, /not good enough to act on/);
    assert.equal(fitUsl(levels.slice(0, 2)), null, 'two levels: no fit');
  });
});

describe('ingest --kind scalability of a USL-shaped NDJSON', () => {
  it('records analysis.saturation.usl and titles a report section "Universal Scalability Law"', () => {
    const start = Date.UTC(2026, 10, 27, 8, 0, 0);
    const lines: string[] = [];
    const tags = { scenario: 'fetchers', name: 'GET /stocks/{ticker}', method: 'GET', status: '200' };
    const rnd = noise(42);
    let second = 0;
    for (const vus of [5, 10, 20, 30, 40, 50, 60, 70, 80, 100]) {
      const rate = uslThroughput(truth, vus);
      for (let s = 0; s < 20; s++, second++) {
        const t = start + second * 1000;
        lines.push(
          JSON.stringify({
            metric: 'vus',
            type: 'Point',
            data: { time: new Date(t).toISOString(), value: vus, tags: {} },
          }),
        );
        // Requests spread over the second; the count carries a little noise like a real run.
        const count = Math.max(1, Math.round(rate * (1 + 0.02 * rnd())));
        for (let i = 0; i < count; i++) {
          const time = new Date(t + Math.floor((i * 1000) / count)).toISOString();
          lines.push(JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time, value: 1, tags } }));
          lines.push(
            JSON.stringify({
              metric: 'http_req_duration',
              type: 'Point',
              data: { time, value: (1000 * vus) / rate, tags },
            }),
          );
        }
      }
    }
    const input = join(dir, 'usl.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'runs');
    const run = spawnSync(
      process.execPath,
      [...cliArgs('harness'), 'ingest', input, '--kind', 'scalability', '--out', out],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /Universal Scalability Law: Throughput peaks near N\*/);
    const [folder] = readdirSync(out);
    const analysis = JSON.parse(readFileSync(join(out, folder, 'analysis.json'), 'utf8')) as Analysis;
    const usl = analysis.saturation!.usl!;
    assert.ok(within(usl.sigma, truth.sigma, 0.25), `σ ${usl.sigma}`);
    assert.ok(within(usl.kappa, truth.kappa, 0.25), `κ ${usl.kappa}`);
    assert.ok(within(usl.peakVus!, 49, 0.1), `N* ${usl.peakVus}`);
    assert.ok(usl.r2 > 0.95, `r2 ${usl.r2}`);
    assert.equal(usl.good, true);
    const html = readFileSync(join(out, folder, 'report.html'), 'utf8');
    assert.match(html, /<h2>Universal Scalability Law<\/h2>/);
    assert.match(html, /data-chart="usl"/);
    assert.match(readFileSync(join(out, folder, 'summary.md'), 'utf8'), /\*\*Universal Scalability Law:\*\*/);
  });
});
