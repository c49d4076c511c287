// test-tier: unit
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IterationSamples, RequestSamples, type SampleEntry } from '../engine/metrics/sample-groups.ts';
import type { Sample } from '../engine/metrics/types.ts';
import { SampleDecoder, SampleEncoder } from '../engine/worker/protocol.ts';

function roundTrip(encoder: SampleEncoder, decoder: SampleDecoder): SampleEntry[] {
  const batch = encoder.take();
  assert.ok(batch);
  const out: SampleEntry[] = [];
  decoder.decode(batch, (e) => out.push(e));
  return out;
}

describe('VU thread → main thread sample batches', () => {
  test('requests, iteration ends and single samples arrive as they were emitted', () => {
    const encoder = new SampleEncoder();
    const decoder = new SampleDecoder();
    const tags = { scenario: 'default', group: '', url: 'http://127.0.0.1/x' };
    const timings = {
      blocked: 1,
      connecting: 0.5,
      tls_handshaking: 0,
      sending: 0.1,
      waiting: 200.25,
      receiving: 0.2,
      duration: 200.55,
    };
    encoder.push(new RequestSamples(1_700_000_000_123.5, tags, timings, 0));
    encoder.push(new IterationSamples(1_700_000_000_124, tags, 201, 120, 340));
    encoder.push({ metric: 'my_trend', time: 5, value: -3.25, tags: { a: 'b' }, metadata: { vu: '1' } });
    encoder.defineMetric({
      name: 'my_trend',
      type: 'trend',
      contains: 'time',
      thresholds: [],
      submetrics: null,
    });
    const out = roundTrip(encoder, decoder);
    assert.equal(out.length, 3);
    const req = out[0] as RequestSamples;
    assert.ok(req instanceof RequestSamples);
    assert.deepEqual(req.timings, timings);
    assert.equal(req.time, 1_700_000_000_123.5);
    assert.deepEqual(req.tags, tags);
    assert.equal(req.failed, 0);
    const it = out[1] as IterationSamples;
    assert.deepEqual([it.durationMs, it.bytesSent, it.bytesReceived], [201, 120, 340]);
    assert.deepEqual(out[2] as Sample, {
      metric: 'my_trend',
      time: 5,
      value: -3.25,
      tags: { a: 'b' },
      metadata: { vu: '1' },
    });
    // Known tag sets and names are referred to by number in later batches.
    encoder.push({ metric: 'my_trend', time: 6, value: 1, tags: { a: 'b' } });
    const again = encoder.take();
    assert.ok(again);
    assert.equal(again.tagSets.length, 0);
    assert.equal(again.names.length, 0);
    const decoded: SampleEntry[] = [];
    decoder.decode(again, (e) => decoded.push(e));
    assert.deepEqual((decoded[0] as Sample).tags, { a: 'b' });
  });

  test('a tag value per request (60,000 distinct tag sets) decodes right in every batch', () => {
    const encoder = new SampleEncoder();
    const decoder = new SampleDecoder();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20_000; i++) {
        encoder.push({ metric: 'c', time: i, value: 1, tags: { url: `http://x/${round}/${i}` } });
      }
      encoder.push({ metric: 'c', time: 0, value: 2, tags: { url: 'http://x/0/7' } });
      const out = roundTrip(encoder, decoder) as Sample[];
      assert.equal(out.length, 20_001);
      for (let i = 0; i < 20_000; i += 997) assert.equal(out[i].tags.url, `http://x/${round}/${i}`);
      assert.equal(out[20_000].tags.url, 'http://x/0/7');
    }
  });
});
