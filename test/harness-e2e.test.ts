// End to end: the harness CLI against the local stand-in with the embedded engine and the smoke
// profile, as `npm run scalability -- --profile smoke` runs it (about 20 s per run), and against a
// Connect server (a stand-in on loopback) with --publish-fixtures. Needs `npm run build`
// (dist/scenarios, dist/bundles), gunicorn and R. The runs that are signalled are in
// harness-e2e-signals.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnectClient } from '../harness/connect/client.ts';
import type { Analysis, RunMeta, TimeSeries } from '../harness/record/types.ts';
import { startStandin } from '../standin/index.ts';
import { assertReports, json, start } from './helpers/harness-run.ts';

let out: string;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'harness-e2e-'));
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('harness end to end (stand-in, node engine, smoke profile)', { concurrency: false }, () => {
  let scalabilityDir = '';

  it('scalability: completes with a saturation point, a verdict and the three reports', async () => {
    const run = await start(['scalability', '--profile', 'smoke', '--engine', 'node', '--out', out]).done;
    assert.equal(run.code, 0, run.stderr);
    assertReports(run.runDir);
    const meta = json<RunMeta>(run.runDir, 'run.json');
    assert.equal(meta.status, 'completed');
    assert.equal(meta.target.kind, 'standin');
    assert.equal(meta.engine.name, 'node');
    const analysis = json<Analysis>(run.runDir, 'analysis.json');
    assert.ok(analysis.saturation!.levels.length >= 2, 'levels of the stepped ramp were found');
    assert.ok(analysis.saturation!.saturationVus! >= 1);
    assert.equal(analysis.verdict!.comparable, false);
    assert.match(run.stderr, /profile: smoke \(--profile\)/);
    assert.match(run.stderr, /verdict: NOT COMPARABLE with the published baseline/);
    assert.doesNotMatch(run.stderr, /verdict: (PASS|FAIL)/);
    const record =
      readFileSync(join(run.runDir, 'run.json'), 'utf8') +
      readFileSync(join(run.runDir, 'summary.md'), 'utf8');
    assert.ok(!/Key [0-9a-f]{20,}/.test(record), 'no API key in the record');
    scalabilityDir = run.runDir;
  });

  it('load-soak --vus auto: takes the saturation point of that run and judges the steady window', async () => {
    const run = await start([
      'load-soak',
      '--profile',
      'smoke',
      '--engine',
      'node',
      '--vus',
      'auto',
      // A 6 s hold (the smoke profile's is 12 s) is a steady window after the ramp all the same.
      '--duration',
      '6s',
      '--out',
      out,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    assertReports(run.runDir);
    const saturation = json<Analysis>(scalabilityDir, 'analysis.json').saturation!;
    // N* of a good USL fit, else the 95 % level (the smoke ramp has too few levels for a good fit).
    const expected = saturation.usl?.good
      ? `VUs: ${saturation.usl.boundedVus}, N\\* of the Universal Scalability Law fitted to the latest scalability run`
      : `VUs: ${saturation.saturationVus}, the saturation point of the latest scalability run`;
    assert.match(run.stderr, new RegExp(expected));
    const analysis = json<Analysis>(run.runDir, 'analysis.json');
    assert.ok(analysis.steady!.rps > 0);
    assert.ok(analysis.steady!.excludedRampSeconds >= 1);
    assert.ok(analysis.verdict);
    assert.equal(json<RunMeta>(run.runDir, 'run.json').status, 'completed');
  });

  it("ingest of the run's own samples file gives the same series as the live stream", async () => {
    const live = json<TimeSeries>(scalabilityDir, 'timeseries.json');
    const ingestOut = join(out, 'ingested');
    const run = await start([
      'ingest',
      join(scalabilityDir, 'samples.ndjson.gz'),
      '--kind',
      'scalability',
      '--out',
      ingestOut,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    const [folder] = readdirSync(ingestOut);
    const ingested = json<TimeSeries>(join(ingestOut, folder), 'timeseries.json');
    assert.deepEqual(ingested.total, live.total);
    assert.deepEqual(ingested.endpoints, live.endpoints);
    assert.equal(ingested.malformedLines, 0);
    assert.ok(existsSync(join(ingestOut, folder, 'report.html')));
  });

  it('report renders a run folder again and compare writes a comparison of two runs', async () => {
    const report = await start(['report', scalabilityDir]).done;
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /report: .*report\.html/);
    const [soak] = readdirSync(out).filter((n) => n.endsWith('-load-soak'));
    const outFile = join(out, 'compare.html');
    const compare = await start(['compare', scalabilityDir, join(out, soak), '--out', outFile]).done;
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(readFileSync(outFile, 'utf8'), /<html/i);
  });

  it('against a Connect server: fails fast on a bad key or a missing Flask content, exit 2, before any load', async () => {
    const apiKey = 'e2e-remote-key-0123456789';
    const standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
    try {
      const badKey = await start(['load-soak', '--publish-fixtures', '--out', join(out, 'remote')], {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: 'not-the-key-at-all',
      }).done;
      assert.equal(badKey.code, 2, badKey.stderr);
      assert.match(badKey.stderr, /HTTP 401.*CONNECT_API_KEY/);
      assert.ok(!badKey.stderr.includes('not-the-key-at-all'));
      const noFlask = await start(['load-soak', '--out', join(out, 'remote')], {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
      }).done;
      assert.equal(noFlask.code, 2);
      assert.match(noFlask.stderr, /pass --flask-content <guid or URL> .* or --publish-fixtures/);
      const noKey = await start(['scalability'], { CONNECT_SERVER: standin.url, CONNECT_API_KEY: '' }).done;
      assert.equal(noKey.code, 2);
      assert.match(noKey.stderr, /CONNECT_API_KEY is not/);
      assert.ok(!existsSync(join(out, 'remote')), 'no run folder before the target passed its checks');
    } finally {
      await standin.stop();
    }
  });

  it('against a Connect server with --publish-fixtures: runs, keeps the key out of the record and cleans up', async () => {
    const apiKey = 'e2e-remote-key-abcdef0123';
    const standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
    try {
      const run = await start(
        ['load-soak', '--profile', 'smoke', '--publish-fixtures', '--out', join(out, 'remote')],
        {
          CONNECT_SERVER: `${standin.url}/`,
          CONNECT_API_KEY: apiKey,
        },
      ).done;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /profile: smoke/);
      const meta = json<RunMeta>(run.runDir, 'run.json');
      assert.equal(meta.target.kind, 'connect');
      assert.equal(meta.target.comparableToBaseline, true);
      assert.equal(json<Analysis>(run.runDir, 'analysis.json').verdict!.comparable, true);
      for (const file of readdirSync(run.runDir).filter((f) => !f.endsWith('.gz'))) {
        assert.ok(
          !readFileSync(join(run.runDir, file), 'utf8').includes(apiKey),
          `${file} does not hold the API key`,
        );
      }
      const client = createConnectClient({ server: standin.url, apiKey });
      assert.equal(
        await client.findContentByName('perf-flask-stock-api'),
        null,
        'the published Flask fixture was deleted',
      );
    } finally {
      await standin.stop();
    }
  });
});
