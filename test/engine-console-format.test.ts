// test-tier: unit
// console.log's formatting of values, as k6 v1.6 and later prints them (grafana/k6
// internal/js/console.go; k6 release notes v1.5.0 and v1.6.0).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { formatConsoleArgs, logLine } from '../engine/console.ts';
import { LogSink } from '../engine/log-sink.ts';

describe('console values as k6 prints them', () => {
  test('primitives as their string, strings as they are', () => {
    assert.equal(
      formatConsoleArgs(['str', 42, 1.5, true, null, undefined]),
      'str 42 1.5 true null undefined',
    );
  });

  test('objects and arrays traversed: unquoted keys, quoted strings, null for nullish members', () => {
    const body = {
      data: {
        items: [
          { id: 1, tags: ['x', 'y'] },
          { id: 2, tags: [] },
        ],
        total: 2,
      },
      ok: true,
      n: null,
      u: undefined,
    };
    assert.equal(
      formatConsoleArgs([body]),
      '{ data: { items: [ { id: 1, tags: [ "x", "y" ] }, { id: 2, tags: [] } ], total: 2 }, ok: true, n: null, u: null }',
    );
    assert.equal(formatConsoleArgs([[1, 'a', { b: null }], {}]), '[ 1, "a", { b: null } ] {}');
  });

  test('functions, errors, dates, loops and binary data', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    assert.equal(
      formatConsoleArgs([{ f() {}, c: class {} }]),
      '{ f: [object Function], c: [object Function] }',
    );
    assert.equal(formatConsoleArgs([() => 1]), '[object Function]');
    assert.equal(
      formatConsoleArgs([new TypeError('bad'), { e: new Error('inner') }]),
      'TypeError: bad { e: Error: inner }',
    );
    assert.equal(formatConsoleArgs([new Date(0)]), '"1970-01-01T00:00:00.000Z"');
    assert.equal(formatConsoleArgs([loop]), '{ a: 1, self: [Circular] }');
    assert.equal(
      formatConsoleArgs([new Uint8Array([4, 2]).buffer]),
      'ArrayBuffer { [Uint8Contents]: <04 02>, byteLength: 2 }',
    );
    assert.equal(
      formatConsoleArgs([new Int32Array([4, 2]), new Float64Array(0)]),
      'Int32Array(2) [ 4, 2 ] Float64Array(0) []',
    );
  });

  test("log lines carry logrus' default time: RFC 3339 to the second, in local time", () => {
    // k6 sets logrus' TextFormatter/JSONFormatter without a TimestampFormat (grafana/k6
    // internal/cmd/root.go), so the time is time.RFC3339: no fraction of a second.
    const line = logLine('info', 'hello', 'console');
    assert.match(
      line,
      /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" level=info msg="hello" source=console\n$/,
    );
    const stamp = /^time="([^"]+)"/.exec(line)?.[1] ?? '';
    assert.ok(Math.abs(Date.parse(stamp) - Date.now()) < 60_000, stamp);
  });
});

describe('--log-format json', () => {
  test("each line is one JSON object with logrus's keys sorted, as k6's JSON formatter writes them", () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => {
      text += c;
    });
    const sink = new LogSink({ stdout: new PassThrough(), stderr: out }, { format: 'json' });
    sink.write(
      logLine('error', 'boom', undefined, { source: 'stacktrace', executor: 'shared-iterations', hint: 'h' }),
    );
    sink.write(logLine('info', 'hello', 'console'));
    const [first, second] = text.trim().split('\n');
    assert.deepEqual(Object.keys(JSON.parse(first)), ['executor', 'hint', 'level', 'msg', 'source', 'time']);
    assert.deepEqual(Object.keys(JSON.parse(second)), ['level', 'msg', 'source', 'time']);
    assert.equal(JSON.parse(first).msg, 'boom');
  });
});
