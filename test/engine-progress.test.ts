// test-tier: unit
// The live req/s of the progress line: a rate over the last few seconds, which must not fall to 0
// when the caller is late (a busy process calls it seconds apart while requests keep coming).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentRate } from '../engine/progress.ts';

describe('RecentRate', () => {
  it('is the rate over the last window', () => {
    const r = new RecentRate(3000);
    assert.equal(r.rate(0, 0), 0);
    assert.equal(r.rate(1000, 100), 100);
    assert.equal(r.rate(2000, 200), 100);
    // 4 s in: the rate over the last ~3 s (from the 1 s point: 300 requests in 3 s).
    assert.equal(r.rate(4000, 400), 100);
    assert.equal(r.rate(5000, 1400), (1400 - 200) / 3);
  });

  it('spans the gap when calls come further apart than the window', () => {
    const r = new RecentRate(3000);
    r.rate(0, 0);
    r.rate(1000, 500);
    assert.equal(r.rate(7000, 3500), 500, 'not 0: 3000 requests in the 6 s since the last call');
    assert.equal(r.rate(15000, 7500), 500);
  });

  it('says 0 when nothing came in the window', () => {
    const r = new RecentRate(3000);
    r.rate(0, 10);
    r.rate(1000, 10);
    assert.equal(r.rate(5000, 10), 0);
  });
});
