// Server-side latency: the stand-in proxy's per-second upstream timings, their endpoint (with the
// key only), the ALB's TargetResponseTime from CloudWatch node metrics, and the window figures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { albTimings, serverWindow } from '../harness/analysis/server-latency.ts';
import { fetchStandinTimings } from '../harness/pipeline/server-timings.ts';
import type { NodeMetrics } from '../harness/record/types.ts';
import { type Standin, startStandin, upstreamTimingsPath } from '../standin/index.ts';
import { UpstreamTimings } from '../standin/upstream-timings.ts';

const apiKey = 'server-latency-key-0123456789';
let standin: Standin;
before(async () => {
  standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
});
after(async () => {
  await standin.stop();
});

describe('upstream timings', () => {
  it('keeps count, sum and p95 per second', () => {
    const timings = new UpstreamTimings();
    const t0 = 1_800_000_000_000;
    for (let i = 1; i <= 100; i++) timings.record(i, t0 + i);
    timings.record(500, t0 + 1500);
    const { points, source, periodSeconds } = timings.snapshot();
    assert.equal(source, 'standin-proxy');
    assert.equal(periodSeconds, 1);
    assert.deepEqual(points, [
      { t: t0 / 1000, count: 100, sumMs: 5050, p95Ms: 95 },
      { t: t0 / 1000 + 1, count: 1, sumMs: 500, p95Ms: 500 },
    ]);
  });

  it('are served to the key holder only', async () => {
    const anonymous = await fetch(`${standin.url}${upstreamTimingsPath}`);
    assert.equal(anonymous.status, 401);
    const fetched = await fetchStandinTimings(standin.url, apiKey);
    assert.ok('timings' in fetched, JSON.stringify(fetched));
    assert.deepEqual(fetched.timings.points, []);
    const wrong = await fetchStandinTimings(standin.url, 'wrong-key-0123456789');
    assert.deepEqual(wrong, { problem: 'the stand-in answered HTTP 401' });
  });
});

describe('server figures over a window', () => {
  it('weights the average by requests and says where the figures come from', () => {
    const window = serverWindow(
      {
        source: 'standin-proxy',
        description: 'proxy',
        periodSeconds: 1,
        points: [
          { t: 99, count: 1000, sumMs: 99_000, p95Ms: 500 },
          { t: 100, count: 10, sumMs: 20, p95Ms: 3 },
          { t: 101, count: 30, sumMs: 120, p95Ms: 5 },
        ],
      },
      100,
      101,
    )!;
    assert.equal(window.avgMs, 3.5);
    assert.equal(window.p95Ms, 4.5);
    assert.match(window.source, /^proxy; p95 is the request-weighted mean/);
    assert.equal(serverWindow(null, 0, 1), null);
  });

  it("reads the ALB's TargetResponseTime and request counts from CloudWatch node metrics", () => {
    const nodeMetrics: NodeMetrics = {
      source: 'cloudwatch',
      periodSeconds: 60,
      warnings: [],
      series: [
        {
          metric: 'alb_target_response_time_seconds',
          label: 'ALB target response time',
          unit: 'seconds',
          points: [
            { t: 0, v: 0.2 },
            { t: 60, v: 0.1 },
            { t: 120, v: null },
          ],
        },
        {
          metric: 'alb_requests',
          label: 'ALB requests',
          unit: 'count',
          points: [
            { t: 0, v: 1000 },
            { t: 60, v: 3000 },
          ],
        },
      ],
    };
    const timings = albTimings(nodeMetrics)!;
    assert.equal(timings.source, 'alb');
    assert.equal(timings.points.length, 2);
    const window = serverWindow(timings, 30, 100)!;
    assert.ok(
      Math.abs(window.avgMs - 125) < 1e-9,
      `(0.2 × 1000 + 0.1 × 3000) / 4000 s = 125 ms, got ${window.avgMs}`,
    );
    assert.equal(window.p95Ms, null);
    assert.equal(albTimings({ ...nodeMetrics, source: 'local' }), null);
  });
});
