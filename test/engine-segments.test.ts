// Execution segments: the striping arithmetic against the examples k6 documents (k6's options
// reference, https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#execution-segment,
// and the worked examples in grafana/k6's lib/execution_segment.go comments and its "Execution
// segments" design issue), and four real engine processes that split one test as k6-operator's
// runners do, each with its instance_id and testrun_name tags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { parseArgs, UsageError } from '../engine/cli-args.ts';
import { arrivalOffsets } from '../engine/executors/arrival-rate.ts';
import { segmentSteps, vuSteps } from '../engine/executors/ramping-vus.ts';
import { InvalidOptionsError } from '../engine/metrics/errors.ts';
import { deriveScenarios, mergeOptions, segmentScenarios } from '../engine/options.ts';
import {
  itemOf,
  parseSegment,
  parseSequence,
  resegment,
  scaleInt,
  scaleSegment,
  segmentText,
  sequenceText,
  stripeOf,
  tupleOf,
} from '../engine/segments.ts';
import { run, startServer, tempDir } from './engine-fixtures.ts';
import { start } from './helpers/child.ts';

const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;
const QUARTERS = '0,1/4,2/4,3/4,1';
const QUARTER_SEGMENTS = ['0:1/4', '1/4:2/4', '2/4:3/4', '3/4:1'];

const tuple = (segment: string, sequence: string) => tupleOf(parseSegment(segment), parseSequence(sequence));

describe('execution segment arithmetic', () => {
  test('parses percentages, decimals and fractions; a single value is a segment from 0', () => {
    for (const text of ['25%:50%', '0.25:0.5', '1/4:2/4', '1/4:50%', '2.5e-1:0.5'])
      assert.equal(segmentText(parseSegment(text)), '1/4:1/2', text);
    assert.equal(segmentText(parseSegment('1/3')), '0:1/3');
    assert.equal(segmentText(parseSegment('')), '0:1');
    assert.equal(sequenceText(parseSequence(QUARTERS) ?? []), '0,1/4,1/2,3/4,1');
    assert.equal(parseSequence(''), null);
  });

  test("refuses bad segments and sequences with k6's sentences", () => {
    const refused = (f: () => unknown, message: string) =>
      assert.throws(f, (err: Error) => err instanceof InvalidOptionsError && err.message === message);
    refused(() => parseSegment('1/2:1/4'), 'segment start(0.50) must be less than its end(0.25)');
    refused(() => parseSegment('-1/2:1'), 'segment start value must be at least 0 but was -0.50');
    refused(() => parseSegment('0:3/2'), "segment end value can't be more than 1 but was 1.50");
    refused(
      () => parseSegment('abc'),
      "'abc' is not a valid percentage, decimal, fraction or interval value",
    );
    refused(() => parseSegment('2.5%'), "'2.5%' is not a valid percentage");
    refused(
      () => parseSequence('1/2'),
      'at least 2 points are needed for an execution segment sequence, 1 given',
    );
    refused(
      () => tuple('1/4:1/2', '0,1/3,2/3,1'),
      "provided segment 1/4:1/2 can't be found in sequence 0,1/3,2/3,1",
    );
    // A sequence without a segment: the segment is the whole test, which must then be in it.
    refused(
      () => tupleOf(null, parseSequence(QUARTERS)),
      "provided segment 0:1 can't be found in sequence 0,1/4,1/2,3/4,1",
    );
  });

  // k6's own worked example: a test cut 50% / 25% / 25%. Item i goes to the largest segment that is
  // behind its share at i: 0 → 1st (0 ≥ 0), 1 → 2nd (the 1st already has 1 of its 2 per 4), 2 → 1st,
  // 3 → 3rd; and so on every 4 items.
  test('stripes 0:1/2, 1/2:3/4, 3/4:1 as k6 documents it', () => {
    const seq = '0,1/2,3/4,1';
    const items = (seg: string) => Array.from({ length: 6 }, (_, k) => itemOf(stripeOf(tuple(seg, seq)), k));
    assert.deepEqual(items('0:1/2'), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(items('1/2:3/4'), [1, 5, 9, 13, 17, 21]);
    assert.deepEqual(items('3/4:1'), [3, 7, 11, 15, 19, 23]);
    const scaled = (seg: string) => Array.from({ length: 12 }, (_, v) => scaleInt(tuple(seg, seq), v + 1));
    assert.deepEqual(scaled('0:1/2'), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    assert.deepEqual(scaled('1/2:3/4'), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
    assert.deepEqual(scaled('3/4:1'), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
  });

  test('the shares of every segment add up to the value, for uneven sequences too', () => {
    for (const seq of [QUARTERS, '0,1/3,2/3,1', '0,3/5,14/15,1', '0,1/10,1/2,7/10,1', '0,0.125,0.5,1']) {
      const segs = (parseSequence(seq) ?? []).map((s) => segmentText(s));
      for (let v = 0; v <= 61; v++) {
        const shares = segs.map((s) => scaleInt(tuple(s, seq), v));
        assert.equal(
          shares.reduce((a, b) => a + b, 0),
          v,
          `${seq} of ${v}: ${shares}`,
        );
      }
      // Every item exactly once across the segments.
      const seen = segs.flatMap((s) =>
        Array.from({ length: 30 }, (_, k) => itemOf(stripeOf(tuple(s, seq)), k)),
      );
      assert.equal(new Set(seen).size, seen.length, seq);
    }
  });

  test('a segment without a sequence is filled around: 1/3:2/3 alone', () => {
    const t = tupleOf(parseSegment('1/3:2/3'), null);
    assert.equal(sequenceText(t.sequence), '0,1/3,2/3,1');
    assert.deepEqual(
      [3, 4, 10].map((v) => scaleInt(t, v)),
      [1, 1, 3],
    );
  });

  // Cut along the VUs: 1 VU in quarters → only 0:1/4 has it (and all its work); 3 VUs of
  // shared-iterations → 1, 1, 1, 0 VUs, and 10 iterations cut along 1/3, 1/3, 1/3 → 4, 3, 3, 0.
  test('work cut along the VUs: a 1-VU scenario lands in exactly one segment', () => {
    const quarters = QUARTER_SEGMENTS.map((s) => tuple(s, QUARTERS));
    assert.deepEqual(
      quarters.map((t) => resegment(t, 1) !== null),
      [true, false, false, false],
    );
    assert.deepEqual(
      quarters.map((t) => scaleInt(t, 3)),
      [1, 1, 1, 0],
    );
    assert.deepEqual(
      quarters.map((t) => {
        const cut = resegment(t, 3);
        return cut ? scaleInt(cut, 10) : 0;
      }),
      [4, 3, 3, 0],
    );
  });

  test("k6's ExecutionSegment.Scale: round(v·to − round(v·from))", () => {
    // Thirds of 10: 3.33 → 3; 6.67 − 3 → 4 (rounded up); 10 − 7 → 3.
    assert.deepEqual(
      ['0:1/3', '1/3:2/3', '2/3:1'].map((s) => scaleSegment(parseSegment(s), 10)),
      [3, 4, 3],
    );
    assert.equal(scaleSegment(parseSegment('0:1/2'), 1), 1);
    assert.equal(scaleSegment(parseSegment('1/2:1'), 1), 0);
  });

  // The ramp of k6's ramping-vus example: 0 → 10 VUs over 10 s, cut in halves. The 0:1/2 half gets
  // the odd-numbered VUs (1, 3, 5, …), so its count rises at 1 s, 3 s, …; the other half's at 2 s, 4 s, ….
  test('ramping-vus steps of two halves add up to the whole ramp', () => {
    const whole = vuSteps(0, [{ durationMs: 10_000, target: 10 }]);
    const halves = ['0:1/2', '1/2:1'].map((s) => segmentSteps(whole, stripeOf(tuple(s, '0,1/2,1'))));
    assert.deepEqual(
      halves[0].map((s) => [s.atMs, s.vus]),
      [
        [0, 0],
        [1000, 1],
        [3000, 2],
        [5000, 3],
        [7000, 4],
        [9000, 5],
      ],
    );
    assert.deepEqual(
      halves[1].map((s) => [s.atMs, s.vus]),
      [
        [0, 0],
        [2000, 1],
        [4000, 2],
        [6000, 3],
        [8000, 4],
        [10000, 5],
      ],
    );
  });

  test('scenarios as one instance runs them: shares, and scenarios without work left out', () => {
    const options = {
      executionSegment: '3/4:1',
      executionSegmentSequence: QUARTERS,
      scenarios: {
        si: { executor: 'shared-iterations', vus: 3, iterations: 10 },
        pvu: { executor: 'per-vu-iterations', vus: 8, iterations: 5 },
        one: { executor: 'constant-vus', vus: 1, duration: '1s' },
        car: { executor: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 6, maxVUs: 9 },
      },
    };
    const mine = segmentScenarios(deriveScenarios(options), options);
    assert.deepEqual(
      mine.map((s) => s.name),
      ['pvu', 'car'],
    );
    const [pvu, car] = mine;
    assert.equal(pvu.executor === 'per-vu-iterations' && [pvu.vus, pvu.iterations].join(), '2,5');
    assert.equal(
      car.executor === 'constant-arrival-rate' && [car.preAllocatedVUs, car.maxVUs, car.rate].join(),
      '1,2,10',
    );
  });
});

const files = tempDir();
after(() => files.cleanup());

interface Point {
  metric: string;
  tags: Record<string, string>;
  value: number;
}

function points(path: string): Point[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'Point')
    .map((l) => ({ metric: l.metric, tags: l.data.tags, value: l.data.value }));
}

describe('four engine processes split one test (k6-operator runners)', () => {
  test('shared iterations, per-VU VUs, a 1-VU scenario and an arrival rate split as k6 splits them', async () => {
    const hits = new Map<string, number>();
    const server = await startServer((req, res) => {
      hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
      res.end('ok');
    });
    try {
      const script = files.write(
        'split.js',
        `import http from 'k6/http';
         export const options = {
           scenarios: {
             si: { executor: 'shared-iterations', vus: 3, iterations: 10, exec: 'si' },
             pvu: { executor: 'per-vu-iterations', vus: 8, iterations: 1, exec: 'pvu' },
             one: { executor: 'per-vu-iterations', vus: 1, iterations: 3, exec: 'one' },
             car: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s',
                    preAllocatedVUs: 8, exec: 'car' },
             rar: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 8,
                    stages: [{ duration: '1s', target: 60 }], exec: 'rar' },
           },
         };
         export async function si() { await http.get('${server.url}/si'); }
         export async function pvu() { await http.get('${server.url}/pvu'); }
         export async function one() { await http.get('${server.url}/one'); }
         export async function car() { await http.get('${server.url}/car'); }
         export async function rar() { await http.get('${server.url}/rar'); }`,
      );
      const runners = QUARTER_SEGMENTS.map((segment, i) => {
        const out = `${files.dir}/runner-${i + 1}.ndjson`;
        const child = start(process.execPath, [
          BIN,
          'run',
          '--quiet',
          '--summary-mode=disabled',
          `--execution-segment=${segment}`,
          `--execution-segment-sequence=${QUARTERS}`,
          '--tag',
          `instance_id=${i + 1}`,
          '--tag',
          'testrun_name=split-test',
          '--out',
          `json=${out}`,
          script,
        ]);
        return { child, out };
      });
      const ended = await Promise.all(runners.map((r) => r.child.ended));
      for (const [i, e] of ended.entries()) assert.equal(e.code, 0, runners[i].child.stderr());
      const all = runners.map((r) => points(r.out));
      const iterations = (i: number, scenario: string) =>
        all[i].filter((p) => p.metric === 'iterations' && p.tags.scenario === scenario).length;
      const dropped = (i: number, scenario: string) =>
        all[i]
          .filter((p) => p.metric === 'dropped_iterations' && p.tags.scenario === scenario)
          .reduce((a, p) => a + p.value, 0);

      // shared-iterations: 3 VUs → 1, 1, 1, 0; 10 iterations cut along them → 4, 3, 3, 0.
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => iterations(i, 'si')),
        [4, 3, 3, 0],
      );
      assert.equal(hits.get('/si'), 10);
      // per-vu-iterations: 8 VUs → 2 each, each VU its own 1 iteration.
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => iterations(i, 'pvu')),
        [2, 2, 2, 2],
      );
      // One VU: only the first segment runs it, all 3 of its iterations.
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => iterations(i, 'one')),
        [3, 0, 0, 0],
      );
      assert.equal(hits.get('/one'), 3);
      // 40 arrivals in the second, each started or dropped in exactly one runner: 10 each.
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => iterations(i, 'car') + dropped(i, 'car')),
        [10, 10, 10, 10],
      );
      // The ramp's arrivals, numbered as one instance would start them, dealt out in quarters.
      const ramp = [
        ...arrivalOffsets({
          startRate: 0,
          timeUnitMs: 1000,
          stages: [{ durationMs: 1000, target: 60 }],
          preAllocatedVUs: 8,
          maxVUs: 8,
          firstAtStart: false,
        }),
      ].length;
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => iterations(i, 'rar') + dropped(i, 'rar')),
        QUARTER_SEGMENTS.map((seg) => scaleInt(tuple(seg, QUARTERS), ramp)),
      );
      // Every sample carries its runner's tags.
      for (const [i, pts] of all.entries()) {
        assert.ok(pts.length > 0);
        const untagged = pts.filter(
          (p) => p.tags.instance_id !== String(i + 1) || p.tags.testrun_name !== 'split-test',
        );
        assert.deepEqual(untagged.slice(0, 3), [], `runner ${i + 1}`);
      }
    } finally {
      await server.close();
    }
  });

  test('exec.vu.idInTest and exec.scenario.iterationInTest are the instance stripe of the test numbers', () => {
    const script = files.write(
      'ids.js',
      `import exec from 'k6/execution';
       export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 8 } } };
       export default function () {
         console.log('ids ' + [__VU, exec.vu.idInInstance, exec.vu.idInTest,
           exec.scenario.iterationInInstance, exec.scenario.iterationInTest].join(','));
       }`,
    );
    const lines = (segment: string) => {
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'run',
          '-q',
          '--summary-mode=disabled',
          '--log-format',
          'raw',
          `--execution-segment=${segment}`,
          `--execution-segment-sequence=${QUARTERS}`,
          script,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stderr
        .split('\n')
        .filter((l) => l.startsWith('ids '))
        .map((l) => l.slice(4))
        .sort();
    };
    // 4 VUs and 8 iterations in quarters: each instance has 1 VU (the test's 1st, 2nd, …) and 2
    // iterations, the test's i-th and (i+4)-th.
    assert.deepEqual(lines('0:1/4'), ['1,1,1,0,0', '1,1,1,1,4']);
    assert.deepEqual(lines('1/4:2/4'), ['1,1,2,0,1', '1,1,2,1,5']);
    assert.deepEqual(lines('3/4:1'), ['1,1,4,0,3', '1,1,4,1,7']);
  });

  test("bad segments and a segment not in the sequence: k6's sentences and exit codes", () => {
    const script = files.write('plain.js', 'export default function () {}');
    const runWith = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'run', '-q', ...args, script], { encoding: 'utf8' });
    const bad = runWith('--execution-segment', '1/2:1/4');
    assert.equal(bad.status, 255);
    assert.match(bad.stderr, /segment start\(0\.50\) must be less than its end\(0\.25\)/);
    const absent = runWith('--execution-segment', '1/4:1/2', '--execution-segment-sequence', '0,1/3,2/3,1');
    assert.equal(absent.status, 104);
    assert.match(absent.stderr, /provided segment 1\/4:1\/2 can't be found in sequence 0,1\/3,2\/3,1/);
    const option = files.write(
      'option.js',
      "export const options = { executionSegment: 'x' }; export default function () {}",
    );
    const inScript = spawnSync(process.execPath, [BIN, 'run', '-q', option], { encoding: 'utf8' });
    assert.equal(inScript.status, 104);
    assert.match(inScript.stderr, /'x' is not a valid percentage, decimal, fraction or interval value/);
  });
});

describe('test-wide tags (--tag, K6_TAGS, options.tags)', () => {
  test("--tag and K6_TAGS parse as k6's; a higher layer's tags replace the lower's whole set", () => {
    const tagsOf = (argv: string[], env: Record<string, string> = {}) => {
      const c = parseArgs(['run', ...argv, 's.js'], env);
      assert.ok(c.kind === 'run');
      return c.options.tags;
    };
    assert.deepEqual(tagsOf(['--tag', 'instance_id=1', '--tag', 'testrun_name=a=b']), {
      instance_id: '1',
      testrun_name: 'a=b',
    });
    assert.deepEqual(tagsOf([], { K6_TAGS: 'team:perf,url:http://x' }), { team: 'perf', url: 'http://x' });
    // A flag layer replaces the variable's tags (k6's Options.Apply replaces RunTags).
    assert.deepEqual(tagsOf(['--tag', 'a=1'], { K6_TAGS: 'team:perf' }), { a: '1' });
    for (const [bad, why] of [
      ['a=', 'invalid tag, empty value'],
      ['=x', 'invalid tag, empty name'],
      ['a', 'invalid tag, empty value'],
    ])
      assert.throws(
        () => tagsOf(['--tag', bad]),
        (e: Error) => e instanceof UsageError && e.message === `error parsing tag '${bad}': ${why}`,
      );
    assert.throws(() => tagsOf([], { K6_TAGS: 'nocolon' }), /invalid map item/);
    assert.deepEqual(mergeOptions({ tags: { team: 'perf', env: 'script' } }, { tags: { env: 'cli' } }).tags, {
      env: 'cli',
    });
    assert.deepEqual(mergeOptions({ tags: { team: 'perf' } }, { tags: {} }).tags, { team: 'perf' });
    assert.throws(
      () => mergeOptions({ tags: { n: 1 } }, {}),
      (e: Error) => e instanceof InvalidOptionsError && /the value of "n" must be a string/.test(e.message),
    );
  });

  test('every sample carries them; request, check and metric tags win; thresholds select on them', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    try {
      const script = files.write(
        'tags.js',
        `import http from 'k6/http';
         import { check } from 'k6';
         import { Counter } from 'k6/metrics';
         const mine = new Counter('mine');
         export const options = {
           vus: 1, iterations: 2,
           tags: { team: 'perf', env: 'script' },
           thresholds: { 'http_reqs{instance_id:3}': ['count==5'], 'http_reqs{env:request}': ['count==2'] },
         };
         export async function setup() { await http.get('${server.url}/setup'); }
         export default async function () {
           await http.get('${server.url}/plain');
           await http.get('${server.url}/tagged', { tags: { env: 'request' } });
           check(null, { ok: () => true }, { env: 'check' });
           mine.add(1);
         }`,
      );
      const exported = `${files.dir}/tags-summary.json`;
      const r = await run({
        script,
        tags: { env: 'cli', instance_id: '3', testrun_name: 'tags' },
        summaryExport: exported,
      });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.ok(r.samples.length > 0);
      const metrics = new Set(r.samples.map((s) => s.metric));
      for (const m of ['http_reqs', 'iterations', 'iteration_duration', 'checks', 'mine', 'data_sent'])
        assert.ok(metrics.has(m), m);
      for (const s of r.samples) {
        assert.equal(s.tags.instance_id, '3', s.metric);
        assert.equal(s.tags.testrun_name, 'tags', s.metric);
        // The flags' tags replaced the script's whole set.
        assert.equal(s.tags.team, undefined, s.metric);
      }
      const envOf = (metric: string, name?: string) => [
        ...new Set(
          r.samples
            .filter((s) => s.metric === metric && (!name || s.tags.name === name))
            .map((s) => s.tags.env),
        ),
      ];
      assert.deepEqual(envOf('http_reqs', `${server.url}/plain`), ['cli']);
      assert.deepEqual(envOf('http_reqs', `${server.url}/tagged`), ['request']);
      assert.deepEqual(envOf('checks'), ['check']);
      assert.deepEqual(envOf('mine'), ['cli']);
      const summary = JSON.parse(readFileSync(exported, 'utf8')) as {
        metrics: Record<string, { count?: number }>;
      };
      assert.equal(summary.metrics['http_reqs{instance_id:3}'].count, 5);
      assert.equal(summary.metrics['http_reqs{env:request}'].count, 2);
    } finally {
      await server.close();
    }
  });
});
