// test-serial: starts and signals gunicorn and R processes
// The stock APIs run for real from their extracted bundles: the Flask app under gunicorn and
// the Plumber app under Rscript, each on an ephemeral 127.0.0.1 port.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { buildFixtureBundles } from '../fixtures/build.ts';
import { bundleFileName, fixtureApps, fixturesDir } from '../fixtures/bundles.ts';

const temp = mkdtempSync(join(tmpdir(), 'fixtures-apps-'));
const children: ChildProcess[] = [];

interface CsvRow {
  date: string;
  close: number;
  adjusted: number;
  ticker: string;
}

function readPrices(path: string): CsvRow[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const field = (name: string) => cells[columns.indexOf(name)];
    return {
      date: field('date'),
      close: Number(field('close')),
      adjusted: Number(field('adjusted')),
      ticker: field('ticker'),
    };
  });
}

interface StockSummary {
  ticker: string;
  price: number;
  volatility: number;
}

interface PriceResponseRow {
  date: string;
  close: number;
  ticker: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return (await res.json()) as T;
}

function sampleVariance(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
}

/** Extracts a built bundle into its own folder, as Connect does before starting the app. */
async function extractBundle(app: (typeof fixtureApps)[number], bundlesDir: string): Promise<string> {
  const dir = join(temp, app);
  mkdirSync(dir);
  await tar.x({ file: join(bundlesDir, bundleFileName(app)), cwd: dir });
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function startProcess(
  command: string,
  args: string[],
  cwd: string,
): { child: ChildProcess; log: () => string } {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, log: () => output };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  log: () => string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer within ${ms} ms. Its output:\n${log()}`);
}

async function startFlask(dir: string): Promise<string> {
  const { log } = startProcess('/usr/bin/gunicorn', ['-w', '2', '-b', '127.0.0.1:0', 'app:app'], dir);
  const port = await waitFor(
    'gunicorn',
    async () => log().match(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/)?.[1],
    log,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the Flask app', async () => ((await fetch(`${base}/stocks/`)).ok ? true : undefined), log);
  return base;
}

async function startPlumber(dir: string): Promise<string> {
  const port = await freePort();
  const { log } = startProcess(
    'Rscript',
    ['-e', `pr <- plumber::plumb("plumber.R"); pr$run(host="127.0.0.1", port=${port})`],
    dir,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'the Plumber app',
    async () => ((await fetch(`${base}/volatility`)).ok ? true : undefined),
    log,
  );
  return base;
}

describe('stock APIs from their bundles', () => {
  let flask: string;
  let plumber: string;
  let prices: CsvRow[];

  before(async () => {
    const apps = join(temp, 'apps');
    for (const app of fixtureApps) {
      cpSync(join(fixturesDir, app), join(apps, app), {
        recursive: true,
        filter: (s) => !s.includes('__pycache__'),
      });
    }
    buildFixtureBundles({ appsRoot: apps, outDir: join(temp, 'bundles') });
    const [flaskDir, plumberDir] = await Promise.all(
      fixtureApps.map((app) => extractBundle(app, join(temp, 'bundles'))),
    );
    prices = readPrices(join(flaskDir, 'prices.csv'));
    [flask, plumber] = await Promise.all([startFlask(flaskDir), startPlumber(plumberDir)]);
  });

  after(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(temp, { recursive: true, force: true });
  });

  const aapl = () => prices.filter((row) => row.ticker === 'AAPL');
  const aaplVolatility = () => {
    const adjusted = aapl().map((row) => row.adjusted);
    return sampleVariance(adjusted.slice(1).map((today, i) => Math.log(today / adjusted[i])));
  };

  test('Flask GET /stocks/ lists the six tickers', async () => {
    const res = await fetch(`${flask}/stocks/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { tickers: ['AAPL', 'AMZN', 'FB', 'GOOG', 'INTC', 'MSFT'] });
  });

  test('Flask GET /stocks/AAPL gives the last close and the variance of daily log returns', async () => {
    const body = await getJson<StockSummary>(`${flask}/stocks/AAPL`);
    assert.deepEqual(Object.keys(body), ['ticker', 'price', 'volatility']);
    assert.equal(body.ticker, 'AAPL');
    assert.equal(body.price, Math.round(aapl().at(-1)!.close * 100) / 100);
    assert.ok(
      Math.abs(body.volatility / aaplVolatility() - 1) < 1e-9,
      `${body.volatility} vs ${aaplVolatility()}`,
    );
  });

  test('Flask GET /stocks/AAPL/history gives one row per trading day', async () => {
    const body = await getJson<PriceResponseRow[]>(`${flask}/stocks/AAPL/history`);
    assert.equal(body.length, aapl().length);
    assert.deepEqual(Object.keys(body[0]), ['date', 'high', 'low', 'close', 'volume', 'adjusted']);
    assert.equal(body.at(-1)!.date, aapl().at(-1)!.date);
  });

  test('Flask answers 404 with a message for an unknown ticker', async () => {
    for (const path of ['/stocks/XYZ', '/stocks/XYZ/history']) {
      const res = await fetch(`${flask}${path}`);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { message: 'Ticker `XYZ` not found' });
    }
  });

  test('Plumber GET /volatility?ticker=AAPL agrees with Flask, as scalars', async () => {
    const body = await getJson<StockSummary>(`${plumber}/volatility?ticker=AAPL`);
    const fromFlask = await getJson<StockSummary>(`${flask}/stocks/AAPL`);
    assert.equal(body.ticker, 'AAPL');
    assert.equal(typeof body.volatility, 'number');
    assert.ok(
      Math.abs(body.volatility / fromFlask.volatility - 1) < 1e-9,
      `${body.volatility} vs ${fromFlask.volatility}`,
    );
    const amzn = await getJson<StockSummary>(`${plumber}/volatility`);
    assert.equal(amzn.ticker, 'AMZN');
    assert.notEqual(amzn.volatility, body.volatility);
  });

  test('Plumber GET /price?ticker=MSFT returns only the MSFT rows', async () => {
    const body = await getJson<PriceResponseRow[]>(`${plumber}/price?ticker=MSFT`);
    const msft = prices.filter((row) => row.ticker === 'MSFT');
    assert.equal(body.length, msft.length);
    assert.ok(body.every((row) => row.ticker === 'MSFT'));
    assert.equal(body.at(-1)!.close, msft.at(-1)!.close);
  });

  test('Plumber rejects an invalid ticker with 400', async () => {
    const res = await fetch(`${plumber}/price?ticker=XYZ`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: ["Invalid ticker. Please use one of 'AAPL', 'AMZN', 'FB', 'GOOG', 'INTC', 'MSFT'"],
    });
  });
});
