// test-tier: unit
// The live req/s of the progress line: a rate over the last few seconds, which must not fall to 0
// when the caller is late (a busy process calls it seconds apart while requests keep coming).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endLine, fixedDuration, type Progress, RecentRate } from '../engine/progress.ts';

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

describe("the end line, with k6's fixed widths", () => {
  it('writes the time as wide as the longest the plan can take (k6 GetFixedLengthDuration)', () => {
    assert.equal(fixedDuration(3040, 5000), '3.0s');
    assert.equal(fixedDuration(5000, 35_000), '05.0s');
    assert.equal(fixedDuration(65_300, 300_000), '1m05.3s');
    assert.equal(fixedDuration(65_300, 630_000), '01m05.3s');
    assert.equal(fixedDuration(3_725_000, 7_200_000), '1h02m05.0s');
    assert.equal(fixedDuration(3_725_000, 36_000_000), '01h02m05.0s');
    assert.equal(fixedDuration(90_000_000, 100_000_000), '1d01h00m00.0s');
    assert.equal(fixedDuration(90_000_000, 900_000_000), '01d01h00m00.0s');
    // A test that ran past its plan widens to its own length.
    assert.equal(fixedDuration(12_000, 5000), '12.0s');
    // Rounded to the tenth as Go's Duration.Round rounds.
    assert.equal(fixedDuration(9_950, 60_000), '0m10.0s');
  });

  it('pads the VU counts to the digits of the most VUs the plan uses', () => {
    const p: Progress = {
      scenarios: [],
      elapsedMs: 30_700,
      plannedMs: 30_000,
      vus: 0,
      vusMax: 10,
      iterations: 289,
      interrupted: 0,
      requests: 0,
      reqPerSec: 0,
      errors: 0,
    };
    assert.equal(
      endLine(p, { maxMs: 60_000, maxVUs: 10 }),
      'running (0m30.7s), 00/10 VUs, 289 complete and 0 interrupted iterations',
    );
    assert.equal(
      endLine({ ...p, vus: 3, vusMax: 5 }, { maxMs: 5000, maxVUs: 5 }),
      'running (30.7s), 3/5 VUs, 289 complete and 0 interrupted iterations',
    );
  });
});
