// test-tier: unit
// The fixtures: generated prices, manifests, deterministic bundles and the baseline file.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { baselinePath, loadBaseline, parseBaseline } from '../fixtures/baseline.ts';
import { buildFixtureBundles, writePrices } from '../fixtures/build.ts';
import { buildBundle, md5, verifyManifest } from '../fixtures/bundle.ts';
import { fixtureApps, fixturesDir } from '../fixtures/bundles.ts';
import { generatePrices, type PriceRow, pricesToCsv } from '../fixtures/data/generate-prices.ts';

const temp = mkdtempSync(join(tmpdir(), 'fixtures-test-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of the committed app sources (generated prices left out) in a fresh folder. */
function copyApps(name: string): string {
  const root = join(temp, name);
  for (const app of fixtureApps) {
    cpSync(join(fixturesDir, app), join(root, app), {
      recursive: true,
      filter: (source) => !source.endsWith('prices.csv') && !source.includes('__pycache__'),
    });
  }
  return root;
}

describe('generated prices', () => {
  const rows = generatePrices();
  const byTicker = new Map<string, PriceRow[]>();
  for (const row of rows) byTicker.set(row.ticker, [...(byTicker.get(row.ticker) ?? []), row]);

  test('the same seed gives byte-identical CSV, another seed different prices', () => {
    const csv = pricesToCsv(rows);
    assert.equal(pricesToCsv(generatePrices()), csv);
    assert.notEqual(pricesToCsv(generatePrices(7)), csv);
    assert.equal(csv.split('\n')[0], 'date,open,high,low,close,volume,adjusted,ticker');
    assert.ok(csv.endsWith('\n'));
  });

  test('six tickers over the weekdays of 2010-01-04 to 2018-11-07, FB from its IPO', () => {
    assert.deepEqual([...byTicker.keys()], ['AAPL', 'AMZN', 'FB', 'GOOG', 'INTC', 'MSFT']);
    // 461 full weeks from Mon 2010-01-04 to Mon 2018-11-05, then Mon-Wed of the last week.
    const weekdays = 461 * 5 + 3;
    for (const ticker of ['AAPL', 'AMZN', 'GOOG', 'INTC', 'MSFT']) {
      const series = byTicker.get(ticker)!;
      assert.equal(series.length, weekdays, ticker);
      assert.equal(series[0].date, '2010-01-04');
      assert.equal(series.at(-1)!.date, '2018-11-07');
    }
    const fb = byTicker.get('FB')!;
    assert.equal(fb[0].date, '2012-05-18');
    assert.equal(fb.length, weekdays - 123 * 5 - 4); // 2010-01-04 .. 2012-05-17 is 123 weeks + 4 days
  });

  test('every row is a plausible trading day', () => {
    for (const series of byTicker.values()) {
      for (let i = 0; i < series.length; i++) {
        const row = series[i];
        const day = new Date(`${row.date}T00:00:00Z`).getUTCDay();
        assert.ok(day >= 1 && day <= 5, `${row.date} is a weekday`);
        if (i > 0) assert.ok(row.date > series[i - 1].date, 'dates ascend');
        assert.ok(row.high >= Math.max(row.open, row.close), `${row.ticker} ${row.date} high`);
        assert.ok(row.low <= Math.min(row.open, row.close), `${row.ticker} ${row.date} low`);
        assert.ok(
          row.low > 0 && row.adjusted > 0 && row.adjusted <= row.close,
          `${row.ticker} ${row.date} adjusted`,
        );
        assert.ok(Number.isInteger(row.volume) && row.volume > 0, `${row.ticker} ${row.date} volume`);
        if (i > 0)
          assert.ok(Math.abs(Math.log(row.close / series[i - 1].close)) < 0.25, 'no absurd daily jump');
      }
    }
  });
});

describe('manifests and bundles', () => {
  let apps: string;
  let first: ReturnType<typeof buildFixtureBundles>;
  let second: ReturnType<typeof buildFixtureBundles>;

  before(() => {
    apps = copyApps('apps');
    for (const app of fixtureApps) writePrices(join(apps, app));
  });

  test('the committed manifests list the MD5 of every app file', () => {
    for (const app of fixtureApps) verifyManifest(join(apps, app));
  });

  test('a changed or stray file is named in the error', () => {
    const tampered = copyApps('tampered');
    const appDir = join(tampered, 'flask-stock-api');
    writePrices(appDir);
    writeFileSync(join(appDir, 'app.py'), '# edited\n', { flag: 'a' });
    writeFileSync(join(appDir, 'notes.txt'), 'stray\n');
    assert.throws(
      () => verifyManifest(appDir),
      /changed: app\.py; not listed: notes\.txt\); run `npm run build`/,
    );
    assert.throws(() => buildBundle(appDir, join(tampered, 'out.tar.gz')), /changed: app\.py/);
  });

  test('two builds give byte-identical bundles and a matching checksums.json', () => {
    first = buildFixtureBundles({ appsRoot: apps, outDir: join(temp, 'out1') });
    second = buildFixtureBundles({ appsRoot: apps, outDir: join(temp, 'out2') });
    const checksums = JSON.parse(readFileSync(join(temp, 'out1', 'checksums.json'), 'utf8'));
    assert.deepEqual(Object.keys(checksums), ['flask-stock-api.tar.gz', 'plumber-stock-api.tar.gz']);
    first.forEach((bundle, i) => {
      const bytes = readFileSync(bundle.path);
      assert.ok(bytes.equals(readFileSync(second[i].path)), `${bundle.path} is reproducible`);
      assert.equal(bundle.md5, md5(bytes));
      assert.equal(bundle.size, bytes.length);
      assert.equal(checksums[`${fixtureApps[i]}.tar.gz`], bundle.md5);
      // gzip header: no mtime, no file name flag, Unix OS byte.
      assert.equal(bytes.readUInt32LE(4), 0);
      assert.equal(bytes[3], 0);
      assert.equal(bytes[9], 3);
    });
  });

  test('each archive holds manifest.json first, then exactly the manifest files, sorted, at the root', async () => {
    for (const [i, app] of fixtureApps.entries()) {
      const manifest = JSON.parse(readFileSync(join(apps, app, 'manifest.json'), 'utf8'));
      const entries: Array<{
        path: string;
        mode: number;
        mtime: number;
        uid: number;
        type: string;
        md5: string;
      }> = [];
      await tar.t({
        file: first[i].path,
        onReadEntry: (entry) => {
          const chunks: Buffer[] = [];
          entry.on('data', (chunk: Buffer) => chunks.push(chunk));
          entry.on('end', () => {
            entries.push({
              path: entry.path,
              mode: entry.mode ?? -1,
              mtime: entry.mtime?.getTime() ?? -1,
              uid: entry.uid ?? -1,
              type: entry.type,
              md5: md5(Buffer.concat(chunks)),
            });
          });
        },
      });
      const expected = ['manifest.json', ...Object.keys(manifest.files).sort()];
      assert.deepEqual(
        entries.map((e) => e.path),
        expected,
      );
      assert.ok(expected.includes(app === 'flask-stock-api' ? 'app.py' : 'plumber.R'));
      assert.ok(expected.includes('prices.csv'));
      for (const entry of entries) {
        assert.ok(!entry.path.startsWith('/') && !entry.path.split('/').includes('..'), entry.path);
        assert.equal(entry.type, 'File');
        assert.equal(entry.mode, 0o644);
        assert.equal(entry.uid, 0);
        assert.equal(entry.mtime, Date.UTC(2020, 0, 1));
        const checksum =
          entry.path === 'manifest.json'
            ? md5(readFileSync(join(apps, app, 'manifest.json')))
            : manifest.files[entry.path].checksum;
        assert.equal(entry.md5, checksum, entry.path);
      }
      // Only plain ustar file headers: no pax or GNU long-name records.
      const raw = gunzipSync(readFileSync(first[i].path));
      let offset = 0;
      const typeflags: string[] = [];
      while (raw[offset] !== 0) {
        typeflags.push(String.fromCharCode(raw[offset + 156]));
        const size = Number.parseInt(raw.subarray(offset + 124, offset + 135).toString('ascii'), 8);
        offset += 512 + Math.ceil(size / 512) * 512;
      }
      assert.deepEqual(
        typeflags,
        expected.map(() => '0'),
      );
      assert.equal(raw.length % 10240, 0);
    }
  });
});

describe('baseline', () => {
  test('fixtures/baseline.json is the published Kubernetes-on-AWS result', () => {
    const baseline = loadBaseline();
    assert.equal(baseline.rps, 1618);
    assert.equal(baseline.avgLatencyMs, 223);
    assert.equal(baseline.vus, 400);
    assert.equal(baseline.errorRate, 0);
    assert.equal(baseline.durationMinutes, 30);
    assert.deepEqual(baseline.tolerances, {
      minRpsFraction: 0.9,
      maxLatencyFraction: 1.1,
      maxErrorRate: 0.001,
    });
    assert.match(
      baseline.source.url,
      /^https:\/\/docs\.posit\.co\/connect\/admin\/reference-architectures\//,
    );
  });

  test('a bad baseline names every wrong field', () => {
    const good = JSON.parse(readFileSync(baselinePath, 'utf8'));
    const bad = { ...good, rps: '1618', tolerances: { ...good.tolerances, maxErrorRate: 2 }, source: null };
    assert.throws(
      () => parseBaseline(bad, 'x.json'),
      /^Error: x\.json is not a valid baseline: rps must be a number above 0; source must be an object .*; tolerances\.maxErrorRate must be a number from 0 to 1\. Fix the file/,
    );
    const broken = join(temp, 'broken.json');
    writeFileSync(broken, '{ "rps": ');
    assert.throws(() => loadBaseline(broken), /is not valid JSON .*fix its syntax/);
    assert.throws(() => loadBaseline(join(temp, 'missing.json')), /Cannot read the baseline file/);
  });
});
