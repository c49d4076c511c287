// `report` and `compare` on damaged run folders, through the real command line: a file that is
// valid JSON of the wrong shape is one sentence (run.json: exit 2; an optional file: named in the
// report, which still renders), a symlinked record file is not followed, a FIFO does not block,
// an over-large file is not read, and `compare` never writes outside the run folders' parent
// whatever the ids in run.json say.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readRun } from '../harness/record/read.ts';
import { cliArgs } from './helpers/cli.ts';
import { soakRun, writeRun } from './helpers/run-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'record-damaged-'));
after(() => rmSync(root, { recursive: true, force: true }));

function harness(...args: string[]) {
  const result = spawnSync(process.execPath, [...cliArgs('harness'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '' },
    // A safety net only (a FIFO used to block here for ever); every case ends on its own.
    timeout: 120_000,
  });
  return { code: result.status, signal: result.signal, stderr: result.stderr };
}

function noStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at |TypeError|Cannot read properties/, 'one sentence, no stack');
}

let n = 0;
async function folder(change: (dir: string) => void): Promise<string> {
  const dir = await writeRun(join(root, `run-${n++}`), soakRun(1));
  change(dir);
  return dir;
}

/** The report's text as a reader sees it: HTML entities and Markdown escapes undone. */
function shown(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>"])/g, '$1');
}

const json = (dir: string, name: string, value: unknown) =>
  writeFileSync(join(dir, name), JSON.stringify(value));

describe('valid JSON of the wrong shape', () => {
  // Optional files: the report renders and names the file and the first wrong field.
  const optional: Array<[string, string, unknown, RegExp]> = [
    ['summary metrics a number', 'summary.json', { metrics: 5 }, /"metrics" must be object/],
    [
      'summary root group a number',
      'summary.json',
      { metrics: {}, root_group: 5 },
      /"root_group" must be object/,
    ],
    [
      'timeseries strings for numbers',
      'timeseries.json',
      'strings',
      /timeseries\.json is not of the expected shape \("total"\[0\]\."reqs" must be number\)/,
    ],
    ['timeseries byName an array', 'timeseries.json', 'byName', /"byName" must be object/],
    ['analysis missing keys', 'analysis.json', { kind: 'load-soak' }, /analysis\.json .* has no "verdict"/],
    [
      'analysis verdict checks a string',
      'analysis.json',
      {
        kind: 'load-soak',
        verdict: { ok: true, comparable: true, note: '', checks: 'x' },
        thresholds: [],
        checks: [],
      },
      /analysis\.json is not of the expected shape/,
    ],
    [
      'node metrics series not an array',
      'node-metrics.json',
      { source: 'local', periodSeconds: 1, series: { a: 1 }, warnings: [] },
      /node-metrics\.json is not of the expected shape \("series" must be array\)/,
    ],
    [
      'publish an object',
      'publish.json',
      { start: 1 },
      /publish\.json is not of the expected shape \(the top level must be array\)/,
    ],
    [
      'publish steps missing',
      'publish.json',
      [{ start: 1, durationMs: 2, ok: true }],
      /\[0\] has no "steps"/,
    ],
    [
      'server timings points null',
      'server-timings.json',
      { source: 'alb', description: 'x', points: null, periodSeconds: 60 },
      /server-timings\.json is not of the expected shape \("points" must be array\)/,
    ],
  ];
  for (const [name, file, value, sentence] of optional) {
    it(`${name}: the report renders and says what is wrong with ${file}`, async () => {
      const dir = await folder((d) => {
        if (value === 'strings') {
          const ts = JSON.parse(readFileSync(join(d, file), 'utf8'));
          ts.total[0].reqs = String(ts.total[0].reqs);
          json(d, file, ts);
        } else if (value === 'byName') {
          const ts = JSON.parse(readFileSync(join(d, file), 'utf8'));
          ts.byName = [];
          json(d, file, ts);
        } else json(d, file, value);
      });
      const result = harness('report', dir);
      assert.equal(result.code, 0, result.stderr);
      noStack(result.stderr);
      assert.match(shown(join(dir, 'report.html')), sentence);
      assert.match(shown(join(dir, 'summary.md')), sentence);
    });
  }

  const metas: Array<[string, unknown, RegExp]> = [
    ['run.json an array', [], /run\.json is not a valid run record: it is not a JSON object/],
    [
      'run.json target a string',
      { ...soakRun(1).meta, target: 'x' },
      /run\.json is not a valid run record: target must be an object/,
    ],
    [
      'run.json target url a number',
      { ...soakRun(1).meta, target: { url: 5, kind: 'standin', comparableToBaseline: false } },
      /run\.json is not a valid run record: it is not of the expected shape \("target"\."url" must be string\)/,
    ],
  ];
  for (const [name, meta, sentence] of metas) {
    it(`${name}: report and compare exit 2 with one sentence`, async () => {
      const dir = await folder((d) => json(d, 'run.json', meta));
      const good = await folder(() => {});
      for (const result of [harness('report', dir), harness('compare', good, dir)]) {
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, sentence);
        noStack(result.stderr);
      }
    });
  }
});

describe('record files that are not plain files of the folder', () => {
  it('a summary.json symlinked outside the folder is not followed, nor quoted', async () => {
    const secret = join(root, 'secret.json');
    writeFileSync(secret, '{"metrics":{"TOPSECRET-1234":{"count":1}}}');
    const dir = await folder((d) => {
      unlinkSync(join(d, 'summary.json'));
      symlinkSync(secret, join(d, 'summary.json'));
    });
    const result = harness('report', dir);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(shown(join(dir, 'report.html')), /summary\.json is a symbolic link, which is not followed/);
    assert.doesNotMatch(html, /TOPSECRET/);
    assert.doesNotMatch(readFileSync(join(dir, 'summary.md'), 'utf8'), /TOPSECRET/);
  });

  it('a symlinked run.json is refused with a sentence', async () => {
    const elsewhere = await folder(() => {});
    const dir = await folder((d) => {
      unlinkSync(join(d, 'run.json'));
      symlinkSync(join(elsewhere, 'run.json'), join(d, 'run.json'));
    });
    const result = harness('report', dir);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /run\.json is a symbolic link, which is not followed/);
    noStack(result.stderr);
  });

  it('a FIFO as timeseries.json does not block the report', async () => {
    const dir = await folder((d) => {
      unlinkSync(join(d, 'timeseries.json'));
      execFileSync('mkfifo', [join(d, 'timeseries.json')]);
    });
    const result = harness('report', dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.signal, null);
    assert.match(shown(join(dir, 'report.html')), /timeseries\.json is not a regular file/);
  });

  it('a sparse 600 MiB node-metrics.json is refused by its size, not read', async () => {
    const dir = await folder((d) => {
      writeFileSync(join(d, 'node-metrics.json'), '');
      truncateSync(join(d, 'node-metrics.json'), 600 * 1024 * 1024);
    });
    const record = await readRun(dir);
    assert.ok(
      record.missing.some((m) =>
        /node-metrics\.json is 629,145,600 bytes, more than a record file can be/.test(m),
      ),
      record.missing.join('\n'),
    );
    assert.equal(record.nodeMetrics, undefined);
  });
});

describe('compare output paths', () => {
  it('ids such as x/../../escape in run.json cannot place the comparison outside', async () => {
    const parent = join(root, 'compare');
    mkdirSync(parent);
    const a = await writeRun(join(parent, 'a'), soakRun(1));
    const b = await writeRun(join(parent, 'b'), soakRun(1));
    json(a, 'run.json', { ...soakRun(1).meta, id: '../../../escaped-a' });
    json(b, 'run.json', { ...soakRun(1).meta, id: 'x/../../../escaped-b' });
    const result = harness('compare', a, b);
    assert.equal(result.code, 0, result.stderr);
    const written = readdirSync(parent).filter((f) => f.startsWith('compare-'));
    assert.equal(written.length, 1, `one comparison in ${parent}: ${readdirSync(parent).join(', ')}`);
    assert.doesNotMatch(written[0], /\.\.|\//);
    assert.match(result.stderr, new RegExp(`comparison: ${parent}/compare-`));
    for (const up of [root, tmpdir()])
      assert.ok(!readdirSync(up).some((f) => f.includes('escaped')), `nothing written in ${up}`);
    assert.ok(!existsSync(join(parent, '..', 'escaped-b.html')));
  });
});
