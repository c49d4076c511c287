// test-tier: unit
// The Flask content's capacity (max_processes × max_conns_per_process) against the fetcher VUs a
// plan runs: the line a run prints before the load, a warning when the plan asks for more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityLine, capacityOf, SCHEDULER_DEFAULTS } from '../harness/connect/capacity.ts';

describe('content capacity', () => {
  it("reads null settings as Connect's documented defaults and says so", () => {
    const c = capacityOf({ max_processes: null, max_conns_per_process: undefined });
    assert.deepEqual(c, { ...SCHEDULER_DEFAULTS, fromDefaults: true });
    const line = capacityLine(c, 32);
    assert.match(line, /= 60 concurrent requests \(null settings read as Connect's documented defaults/);
    assert.doesNotMatch(line, /WARNING/);
  });

  it('warns when the plan runs more fetcher VUs than the processes take', () => {
    const c = capacityOf({ max_processes: 4, max_conns_per_process: 50 });
    assert.equal(c.fromDefaults, false);
    assert.doesNotMatch(capacityLine(c, 200), /WARNING/);
    const line = capacityLine(c, 400);
    assert.match(line, /WARNING: the plan runs up to 400 fetcher VUs .* = 200 concurrent requests/);
    assert.match(line, /Raise max_processes \/ max_conns_per_process/);
  });

  it('ignores values that are not whole numbers of at least 1', () => {
    assert.deepEqual(capacityOf({ max_processes: 0, max_conns_per_process: 2.5 }), {
      ...SCHEDULER_DEFAULTS,
      fromDefaults: true,
    });
  });
});
