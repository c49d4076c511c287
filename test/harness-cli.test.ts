import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseRunOptions } from '../harness/commands/options.ts';
import { cliArgs } from './helpers/cli.ts';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [...cliArgs('harness'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('harness CLI', () => {
  it('documents every option of the run commands in --help', () => {
    for (const command of ['scalability', 'load-soak']) {
      const { code, stdout } = cli(command, '--help');
      assert.equal(code, 0);
      for (const option of [
        '--profile',
        '--engine',
        '--vus',
        '--duration',
        '--out',
        '--baseline',
        '--fail-on-baseline',
        '--flask-content',
        '--publish-fixtures',
        '--node-metrics',
        '--cw-region',
        '--cw-cluster',
        '--cw-load-balancer',
        '--cw-target-group',
        '--cw-db-instance',
        '--cw-file-system',
        '--prom-url',
        '--prom-selector',
        '--prom-pod-selector',
        '--prom-query',
        '--prom-step',
        'PROMETHEUS_BEARER_TOKEN',
        '--k6-out',
        'K6_PROMETHEUS_RW_',
        'K6_INFLUXDB_',
        'CONNECT_SERVER',
        'CONNECT_API_KEY',
      ]) {
        assert.ok(stdout.includes(option), `${command} --help mentions ${option}`);
      }
    }
    assert.match(cli('load-soak', '--help').stdout, /--vus <n\|auto>/);
  });

  it('has --help for report, compare, ingest and the command list', () => {
    assert.match(cli('report', '--help').stdout, /Usage: npm run report -- <runDir>/);
    assert.match(cli('report', '--help').stdout, /--prom-url <url>[\s\S]*--cw-cluster/);
    assert.match(cli('compare', '-h').stdout, /--out <file>/);
    const ingest = cli('ingest', '--help').stdout;
    for (const option of ['--out', '--kind', '--summary', '--baseline']) assert.ok(ingest.includes(option));
    const main = cli();
    assert.equal(main.code, 0);
    assert.match(main.stdout, /scalability[\s\S]*load-soak[\s\S]*report[\s\S]*compare[\s\S]*ingest/);
  });

  it('reads run options, treating empty values (unset CI variables) as not given', () => {
    const options = parseRunOptions('load-soak', [
      '--flask-content',
      '',
      '--publish-fixtures',
      '--vus',
      'auto',
      '--cw-target-group',
      '',
      '--duration',
      '90s',
    ]);
    assert.notEqual(options, 'help');
    if (options === 'help') return;
    assert.equal(options.flaskContent, undefined);
    assert.equal(options.publishFixtures, true);
    assert.equal(options.vus, 'auto');
    assert.equal(options.duration, '90s');
    assert.deepEqual(options.sourceOptions, {});
    assert.equal(options.engine, 'auto');
    assert.equal(options.outDir, 'runs');
    assert.equal(options.profile, undefined, 'the profile is chosen from the target later');
    assert.deepEqual(options.k6Out, []);
  });

  it('reads --k6-out (repeatable) and --prom-* into their sources', () => {
    const options = parseRunOptions('load-soak', [
      '--k6-out',
      'experimental-prometheus-rw',
      '--k6-out',
      'influxdb=http://influx:8086/k6',
      '--prom-url',
      'http://prom:9090',
      '--prom-query',
      'a=up',
      '--prom-query',
      'b=count(up)',
    ]);
    assert.notEqual(options, 'help');
    if (options === 'help') return;
    assert.deepEqual(options.k6Out, ['experimental-prometheus-rw', 'influxdb=http://influx:8086/k6']);
    const prom = options.sourceOptions.prometheus as { url: string; queries: Array<{ name: string }> };
    assert.equal(prom.url, 'http://prom:9090');
    assert.deepEqual(
      prom.queries.map((q) => q.name),
      ['a', 'b'],
    );
  });

  it('rejects bad options with one sentence and exit 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['load-soak', '--vus', 'lots'], /--vus must be a whole number .* got 'lots'/],
      [['scalability', '--vus', 'auto'], /--vus auto is for load-soak/],
      [['load-soak', '--duration', '5x'], /--duration must be a duration .* got '5x'/],
      [
        ['load-soak', '--engine', 'jmeter'],
        /--engine must be one of auto, k6, node, k6-operator, got 'jmeter'/,
      ],
      [['load-soak', '--profile', 'huge'], /--profile must be one of reference, local, smoke/],
      [['load-soak', '--node-metrics', 'cloudwatch'], /needs at least one of --cw-cluster/],
      [['load-soak', '--cw-load-balancer', 'foo'], /must look like app\/<name>\/<id>/],
      [
        ['load-soak', '--flask-content', 'abc', '--publish-fixtures'],
        /either --flask-content .* or --publish-fixtures/,
      ],
      [['load-soak', '--frobnicate'], /Unknown option '--frobnicate'.*--help/],
      [['load-soak', 'extra'], /takes no arguments/],
      [['load-soak', '--k6-out', 'statsd'], /--k6-out 'statsd' is not an output the harness passes on/],
      [['load-soak', '--k6-out', 'csv'], /--k6-out csv needs a file, csv=<file>/],
      [
        ['load-soak', '--k6-out', 'influxdb=http://u:pw@influx:8086/k6'],
        /must not carry credentials in its URL.*K6_INFLUXDB_USERNAME/,
      ],
      [['load-soak', '--node-metrics', 'prometheus'], /--node-metrics prometheus needs --prom-url/],
      [['load-soak', '--prom-selector', 'job="x"'], /--prom-selector needs --prom-url/],
      [['report', '/tmp', '--prom-url', 'prom:9090'], /--prom-url 'prom:9090'/],
      [['nonsense'], /Unknown command 'nonsense'/],
      [['report'], /report needs exactly one run folder/],
      [['report', '/tmp'], /not a run folder: \/tmp \(missing run\.json\)/],
      [['compare', 'a'], /compare needs two run folders/],
      [['ingest'], /ingest needs one or more k6 NDJSON files/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = cli(...args);
      assert.equal(code, 2, `${args.join(' ')} exits 2 (stderr: ${stderr})`);
      assert.match(stderr, message);
      assert.ok(!/\n\s+at /.test(stderr), `${args.join(' ')} prints no stack trace`);
    }
  });

  it('ingest merges runner files into a run folder with reports and names malformed lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-ingest-'));
    try {
      const line = (metric: string, second: number, value: number) =>
        JSON.stringify({
          metric,
          type: 'Point',
          data: {
            time: `2026-11-27T08:00:${String(second).padStart(2, '0')}Z`,
            value,
            tags: { scenario: 'fetchers', name: 'GET /stocks/{ticker}', method: 'GET', status: '200' },
          },
        });
      const pod = (extra: string[]) =>
        [
          ...Array.from({ length: 20 }, (_, s) => [
            line('http_reqs', s, 1),
            line('http_req_duration', s, 100 + s),
          ]).flat(),
          ...extra,
        ].join('\n');
      writeFileSync(join(dir, 'pod-0.ndjson'), pod([]));
      writeFileSync(join(dir, 'pod-1.ndjson'), pod(['{"broken']));
      const { code, stderr } = cli(
        'ingest',
        join(dir, 'pod-0.ndjson'),
        join(dir, 'pod-1.ndjson'),
        '--out',
        join(dir, 'runs'),
      );
      assert.equal(code, 0, stderr);
      assert.match(stderr, /from 2 file\(s\).*1 malformed/);
      assert.match(stderr, /malformed: .*pod-1\.ndjson:41: \{"broken/);
      const [run] = readdirSync(join(dir, 'runs'));
      assert.equal(run, '2026-11-27T08-00-00Z-load-soak');
      const series = JSON.parse(readFileSync(join(dir, 'runs', run, 'timeseries.json'), 'utf8'));
      assert.equal(series.total[0].reqs, 2, 'the two runners are added per second');
      assert.ok(existsSync(join(dir, 'runs', run, 'report.html')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
