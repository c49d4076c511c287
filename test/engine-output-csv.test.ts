// test-tier: unit
// `--out csv`: k6's CSV results file, read back with a CSV parser. The header (k6's default system
// tags, sorted, then extra_tags and metadata), one row per sample with the value's six decimals,
// tags that have no column in extra_tags, metadata in the last column, quoting of commas, quotes
// and leading spaces, options.systemTags choosing the columns, timeFormat, .gz, and the settings' errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { constants, gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { CsvOutput, csvConfig } from '../engine/outputs/csv.ts';
import { TextFile } from '../engine/outputs/text-file.ts';
import { run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((_req, res) => res.end('ok'));
});
after(async () => {
  await server.close();
  files.cleanup();
});

const SCRIPT = () => `import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
const things = new Counter('things');
export const options = { iterations: 1, tags: { team: 'a,b "c"' } };
export default function () {
  group('g1', () => {
    const res = http.get('${server.url}/x', { tags: { name: 'home', kind: 'page' } });
    check(res, { 'is 200': (r) => r.status === 200 });
  });
  things.add(2.5, { colour: 'red' });
}
`;

function rows(text: string): Record<string, string>[] {
  return parse(text, { columns: true }) as Record<string, string>[];
}

describe('--out csv', () => {
  test("k6's columns, one row per sample, extra tags, metadata and quoting", async () => {
    const path = join(files.dir, 'out.csv');
    const r = await run({ script: files.write('csv.js', SCRIPT()), out: [`csv=${path}`] });
    assert.equal(r.exitCode, 0, r.stderr);
    const text = readFileSync(path, 'utf8');
    assert.equal(
      text.split('\n')[0],
      'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata',
    );
    const all = rows(text);
    assert.equal(all.length, r.samples.length, 'one row per sample');
    const req = all.find((x) => x.metric_name === 'http_req_duration');
    assert.ok(req);
    assert.match(req.metric_value, /^\d+\.\d{6}$/);
    assert.ok(Math.abs(Number(req.timestamp) - Date.now() / 1000) < 600, req.timestamp);
    assert.match(req.timestamp, /^\d{10}$/);
    assert.equal(req.method, 'GET');
    assert.equal(req.name, 'home');
    assert.equal(req.url, 'home');
    assert.equal(req.status, '200');
    assert.equal(req.group, '::g1');
    assert.equal(req.scenario, 'default');
    assert.equal(req.expected_response, 'true');
    const extra = new URLSearchParams(req.extra_tags);
    assert.equal(extra.get('kind'), 'page');
    assert.equal(req.extra_tags.includes('team=a,b "c"'), true, req.extra_tags);
    assert.equal(req.metadata, '');
    const check = all.find((x) => x.metric_name === 'checks');
    assert.equal(check?.check, 'is 200');
    assert.equal(check?.metric_value, '1.000000');
    const things = all.find((x) => x.metric_name === 'things');
    assert.equal(things?.metric_value, '2.500000');
    assert.match(things?.extra_tags ?? '', /colour=red/);
    // The tag value with a comma and quotes is one quoted field, its quotes doubled.
    assert.match(text, /,"[^"]*team=a,b ""c""[^"]*",/);
  });

  test('options.systemTags choose the columns (vu and iter never get one); timeFormat; .gz', async () => {
    const path = join(files.dir, 'out.csv.gz');
    const script = files.write(
      'csv-tags.js',
      SCRIPT().replace(
        'tags: { team: \'a,b "c"\' }',
        "tags: { team: 'x' }, systemTags: ['status', 'vu', 'check', 'iter']",
      ),
    );
    const r = await run({ script, out: [`csv=fileName=${path},timeFormat=unix_milli`] });
    assert.equal(r.exitCode, 0, r.stderr);
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    assert.equal(text.split('\n')[0], 'metric_name,timestamp,metric_value,check,status,extra_tags,metadata');
    const req = rows(text).find((x) => x.metric_name === 'http_reqs');
    assert.equal(req?.status, '200');
    assert.match(req?.timestamp ?? '', /^\d{13}$/);
    const extra = new URLSearchParams(req?.extra_tags);
    assert.equal(extra.get('vu'), '1');
    assert.equal(extra.get('iter'), '0');
  });

  test('K6_CSV_* settings, the argument winning; rfc3339 times', async () => {
    const path = join(files.dir, 'env.csv');
    const r = await run({
      script: files.write('csv-env.js', SCRIPT()),
      out: [`csv=${path}`],
      outputEnv: { K6_CSV_FILENAME: join(files.dir, 'not-this.csv'), K6_CSV_TIME_FORMAT: 'rfc3339' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const first = rows(readFileSync(path, 'utf8'))[0];
    assert.match(first.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  });

  test('metadata goes to the last column as name=value pairs; NaN and infinities as Go writes them', async () => {
    const path = join(files.dir, 'unit.csv');
    const out = new CsvOutput(await TextFile.open(path, 'CSV'), ['status', 'name'], 'unix_nano');
    out.add([
      {
        metric: 'm',
        time: 1700000000123.5,
        value: 1 / 3,
        tags: { status: '200', x: 'y' },
        metadata: { trace_id: 'abc', b: '1' },
      },
      { metric: 'm', time: 1700000000000, value: Number.NaN, tags: { name: ' lead' } },
      { metric: 'm', time: 1700000000000, value: Number.POSITIVE_INFINITY, tags: {} },
    ]);
    await out.close();
    assert.equal(
      readFileSync(path, 'utf8'),
      'metric_name,timestamp,metric_value,name,status,extra_tags,metadata\n' +
        'm,1700000000123500000,0.333333,,200,x=y,trace_id=abc&b=1\n' +
        'm,1700000000000000000,NaN," lead",,,\n' +
        'm,1700000000000000000,+Inf,,,,\n',
    );
  });

  test('a .gz file can be read back while the output is still open (a process killed mid-run keeps its part)', async () => {
    const path = join(files.dir, 'open.csv.gz');
    const file = await TextFile.open(path, 'CSV');
    file.append('first line\n');
    // The flush timer writes it, then the file is sync-flushed: an event, whatever the machine's speed.
    let text = '';
    while (!text.includes('first line')) {
      await new Promise((r) => setTimeout(r, 50));
      const bytes = readFileSync(path);
      if (bytes.length > 0) text = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    }
    file.append('second line\n');
    await file.close(() => 0);
    assert.equal(gunzipSync(readFileSync(path)).toString(), 'first line\nsecond line\n');
  });

  test('settings k6 would not take are refused before the test starts', async () => {
    assert.deepEqual(csvConfig('', {}), { fileName: 'file.csv', timeFormat: 'unix' });
    assert.deepEqual(csvConfig('-', {}), { fileName: '-', timeFormat: 'unix' });
    assert.deepEqual(csvConfig('fileName=a.csv,timeFormat=rfc3339_nano,saveInterval=2s', {}), {
      fileName: 'a.csv',
      timeFormat: 'rfc3339_nano',
    });
    assert.throws(() => csvConfig('timeFormat=weekly', {}), /timeFormat "weekly" is not one of unix/);
    assert.throws(() => csvConfig('fileName=a.csv,color=blue', {}), /unknown key "color"/);
    assert.throws(() => csvConfig('fileName=', {}), /cannot read "fileName="/);
    assert.throws(() => csvConfig('saveInterval=soon', {}), /saveInterval/);
    const r = await run({
      script: files.write('csv-bad.js', SCRIPT()),
      out: [`csv=fileName=${join(files.dir, 'bad.csv')},timeFormat=weekly`],
    });
    assert.equal(r.exitCode, 255, r.stderr);
    assert.match(r.stderr, /timeFormat \\"weekly\\" is not one of/);
  });
});
