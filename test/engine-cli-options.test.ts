// k6's command line, K6_* variables, --config file, and the options they carry into the engine:
// hosts, the environment's proxy (HTTP_PROXY/HTTPS_PROXY/NO_PROXY, CONNECT for https), connection
// reuse, cookie reset, batch, minIterationDuration, http-debug, log and console output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { k6Args, k6Env } from '../engine/adapters/index.ts';
import { parseArgs, UsageError } from '../engine/cli-args.ts';
import { proxyFromEnv, Routing } from '../engine/http/route.ts';
import { InvalidOptionsError } from '../engine/metrics/errors.ts';
import { deriveScenarios, mergeOptions } from '../engine/options.ts';
import { count, run, selfSignedCert, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;

/** What the target server saw: one entry per request, with the connection it came on. */
const seen: Array<{ path: string; host: string; cookie: string; socket: number }> = [];
const sockets = new WeakMap<Socket, number>();
let nextSocket = 0;
let server: Awaited<ReturnType<typeof startServer>>;
let port = 0;

/** /slow answers after 200 ms; the most requests in flight at once, per `phase` query value. */
const mostInFlight = new Map<string, number>();
let inFlight = 0;
function slow(url: URL, res: import('node:http').ServerResponse): void {
  const phase = url.searchParams.get('phase') ?? '';
  inFlight++;
  mostInFlight.set(phase, Math.max(mostInFlight.get(phase) ?? 0, inFlight));
  setTimeout(() => {
    inFlight--;
    res.end('slow');
  }, 200);
}

before(async () => {
  server = await startServer((req, res) => {
    const sock = req.socket;
    if (!sockets.has(sock)) sockets.set(sock, nextSocket++);
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({
      path: url.pathname,
      host: req.headers.host ?? '',
      cookie: req.headers.cookie ?? '',
      socket: sockets.get(sock) ?? -1,
    });
    if (url.pathname === '/login') res.setHeader('set-cookie', 'session=abc; Path=/');
    if (url.pathname === '/slow') slow(url, res);
    else res.end(`hello ${url.pathname}`);
  });
  port = Number(new URL(server.url).port);
});
after(async () => {
  await server.close();
  files.cleanup();
});

function parsed(argv: string[], env: Record<string, string> = {}) {
  const c = parseArgs(argv, env);
  assert.ok(c.kind === 'run' || c.kind === 'inspect');
  return c.options;
}

/** The CLI as a child process (asynchronously: the servers of this test answer it). */
function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A proxy on loopback: forwards absolute-form requests and CONNECT tunnels to 127.0.0.1, and logs them. */
async function startProxy() {
  const log: Array<{ method: string; target: string; host: string; auth: string }> = [];
  const proxy = createHttpServer((req: IncomingMessage, res) => {
    log.push({
      method: req.method ?? '',
      target: req.url ?? '',
      host: req.headers.host ?? '',
      auth: String(req.headers['proxy-authorization'] ?? ''),
    });
    const target = new URL(req.url ?? '');
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push({
      method: 'CONNECT',
      target: req.url ?? '',
      host: req.headers.host ?? '',
      auth: String(req.headers['proxy-authorization'] ?? ''),
    });
    const upstream = connect(Number((req.url ?? '').split(':').pop()), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}

/** Runs `fn` with these process environment variables set (the VU thread copies them at start). */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

describe('k6 command line, K6_* variables and config file', () => {
  test('flag > K6_* > script options > --config file, with k6 names', () => {
    const config = files.write(
      'config.json',
      JSON.stringify({
        vus: 7,
        duration: '9s',
        hosts: { 'a.test': '127.0.0.1' },
        summaryExport: 'from-config.json',
        noUsageReport: true,
      }),
    );
    const o = parsed(['run', '-c', config, '-u', '2', 's.js'], {
      K6_VUS: '4',
      K6_USER_AGENT: 'ua/1',
      K6_INSECURE_SKIP_TLS_VERIFY: 'true',
      K6_OUT: 'json=a.json,json=b.json',
      K6_NO_THRESHOLDS: '1',
      K6_MAX_REDIRECTS: '3',
      K6_SETUP_TIMEOUT: '5s',
      K6_SOMETHING_NEW: 'ignored as k6 ignores it',
    });
    assert.equal(o.vus, 2);
    assert.equal(o.userAgent, 'ua/1');
    assert.equal(o.insecureSkipTLSVerify, true);
    assert.deepEqual(o.out, ['json=a.json', 'json=b.json']);
    assert.equal(o.noThresholds, true);
    assert.equal(o.maxRedirects, 3);
    assert.equal(o.setupTimeout, '5s');
    // summaryExport is no key of k6's config file (its Config): ignored, as k6 ignores it.
    assert.equal(o.summaryExport, undefined);
    assert.deepEqual(o.config, { vus: 7, duration: '9s', hosts: { 'a.test': '127.0.0.1' } });
    const merged = mergeOptions(
      { vus: 1, scenarios: { s: { executor: 'constant-vus', duration: '1m' } } },
      o,
    );
    assert.equal(merged.vus, 2);
    assert.equal(merged.duration, undefined, "the script's scenarios replace the config file's shortcut");
    assert.ok(merged.scenarios, 'the script is above the config file');
    // With nothing in the script, the config file's shortcut applies.
    assert.equal(mergeOptions({}, o).duration, '9s');
    // A shortcut flag replaces the K6_* shortcut, and one from K6_* the config file's.
    const flagWins = parsed(['run', '-i', '3', 's.js'], { K6_DURATION: '1m' });
    assert.equal(flagWins.duration, undefined);
    assert.equal(flagWins.iterations, 3);
    const envOverConfig = mergeOptions({}, parsed(['run', '-c', config, 's.js'], { K6_ITERATIONS: '10' }));
    assert.equal(envOverConfig.iterations, 10);
    assert.equal(envOverConfig.duration, undefined);
    assert.deepEqual(
      deriveScenarios(envOverConfig).map((s) => s.executor),
      ['shared-iterations'],
    );
    assert.deepEqual(parsed(['run', 's.js'], { K6_STAGES: '1s:2,2s:0' }).stages, [
      { duration: '1s', target: 2 },
      { duration: '2s', target: 0 },
    ]);
    const flags = parsed([
      'run',
      '-w',
      '--no-connection-reuse',
      '--no-vu-connection-reuse',
      '--discard-response-bodies',
      '--batch',
      '3',
      '--http-debug',
      '--min-iteration-duration',
      '1s',
      '--block-hostnames',
      'x.test,*.y.test',
      '-a',
      'localhost:6565',
      '--no-usage-report',
      '--compatibility-mode=base',
      '--summary-mode',
      'disabled',
      '-f',
      'raw',
      '--log-output=file=/tmp/x.log,level=warning',
      's.js',
    ]);
    assert.equal(flags.throw, true);
    assert.equal(flags.noConnectionReuse, true);
    assert.equal(flags.noVUConnectionReuse, true);
    assert.equal(flags.discardResponseBodies, true);
    assert.equal(flags.batch, 3);
    assert.equal(flags.httpDebug, 'headers');
    assert.equal(flags.minIterationDuration, '1s');
    assert.deepEqual(flags.blockHostnames, ['x.test', '*.y.test']);
    assert.equal(flags.summaryMode, 'disabled');
    // k6 v2.0 removed the legacy summary mode: an invalid mode there.
    for (const [argv, env] of [
      [['run', '--summary-mode=legacy', 's.js'], {}],
      [['run', 's.js'], { K6_SUMMARY_MODE: 'legacy' }],
    ] as const)
      assert.throws(
        () => parseArgs([...argv], env),
        (e: Error) => e instanceof UsageError && /invalid summary mode "legacy"/.test(e.message),
      );
    assert.equal(flags.logFormat, 'raw');
    assert.deepEqual(flags.logOutput, { file: '/tmp/x.log', level: 'warning' });
    assert.equal(parsed(['run', '--http-debug=full', 's.js']).httpDebug, 'full');
    // k6 v2.0 removed --no-summary: an unknown flag there, and K6_NO_SUMMARY an ignored variable.
    assert.throws(() => parseArgs(['run', '--no-summary', 's.js'], {}), UsageError);
    assert.equal(parsed(['run', 's.js'], { K6_NO_SUMMARY: 'true' }).summaryMode, undefined);
    assert.equal(
      parsed(['run', 's.js'], { K6_INCLUDE_SYSTEM_ENV_VARS: 'false' }).includeSystemEnvVars,
      false,
    );
    assert.equal(parsed(['inspect', 's.js']).inspect, true);
  });

  test('NO_COLOR and K6_NO_COLOR turn colours off as k6; the machine-readable summary is refused', () => {
    // handleSummary's data.options.noColor follows them (grafana/k6 cmd/state/state.go).
    assert.equal(parsed(['run', 's.js'], { NO_COLOR: '' }).noColor, true);
    assert.equal(parsed(['run', 's.js'], { K6_NO_COLOR: 'false' }).noColor, true);
    assert.equal(parsed(['run', 's.js'], {}).noColor, undefined);
    assert.equal(parsed(['run', '--no-color=false', 's.js'], { NO_COLOR: '1' }).noColor, false);
    // It would hand handleSummary() another shape of data: refused, never silently the legacy one.
    for (const [argv, env] of [
      [['run', '--new-machine-readable-summary', 's.js'], {}],
      [['run', 's.js'], { K6_NEW_MACHINE_READABLE_SUMMARY: 'true' }],
    ] as Array<[string[], Record<string, string>]>) {
      assert.throws(
        () => parseArgs(argv, env),
        (err: Error) => err instanceof UsageError && /--new-machine-readable-summary/.test(err.message),
      );
    }
    assert.equal(
      parsed(['run', 's.js'], { K6_NEW_MACHINE_READABLE_SUMMARY: 'false' }).summaryMode,
      undefined,
    );
  });

  test('the child-process adapters (k6 binary, engine CLI) pass the same options on as flags and K6_* variables', () => {
    const given = {
      script: 's.js',
      insecureSkipTLSVerify: true,
      throw: true,
      userAgent: 'ua/2',
      maxRedirects: 0,
      discardResponseBodies: true,
      noConnectionReuse: true,
      noVUConnectionReuse: true,
      batch: 4,
      batchPerHost: 2,
      httpDebug: 'full',
      systemTags: ['status', 'url'],
      minIterationDuration: '2s',
      blockHostnames: ['*.x.test'],
      blacklistIPs: ['10.0.0.0/8'],
      summaryTimeUnit: 'ms',
      noThresholds: true,
      logFormat: 'json' as const,
      logOutput: { file: 'l.log', level: 'info' },
    };
    const args = k6Args(
      given,
      'samples.json',
      'summary.json',
      files.write('adapter-config.json', '{"vus": 2}'),
    );
    const back = parsed(args, k6Env({ ...given, setupTimeout: '7s', noCookiesReset: true }));
    for (const [k, v] of Object.entries(given)) assert.deepEqual(back[k as keyof typeof back], v, k);
    assert.equal(back.setupTimeout, '7s');
    assert.equal(back.noCookiesReset, true);
    assert.deepEqual(back.config, { vus: 2 });
  });

  test('what the engine cannot honour is refused with a sentence naming it and the k6 binary', () => {
    const refused = (argv: string[], env: Record<string, string>, pattern: RegExp) =>
      assert.throws(
        () => parseArgs(argv, env),
        (e: Error) => e instanceof UsageError && pattern.test(e.message),
        `${argv.join(' ')} ${JSON.stringify(env)}`,
      );
    const k6 = /not supported by the node engine; run this script with the k6 binary \(--engine k6\)/;
    refused(['run', '--linger', 's.js'], {}, k6);
    // --paused, --address and the execution segments are k6's own now (test/engine-rest-api.test.ts).
    const distributed = parsed(
      [
        'run',
        '-p',
        '-a',
        '127.0.0.1:6565',
        '--execution-segment=1/4:2/4',
        '--execution-segment-sequence',
        '0,1/4,2/4,3/4,1',
        's.js',
      ],
      { K6_EXECUTION_SEGMENT: '0:1/2' },
    );
    assert.deepEqual(
      [
        distributed.paused,
        distributed.address,
        distributed.addressFromEnv,
        distributed.executionSegment,
        distributed.executionSegmentSequence,
      ],
      [true, '127.0.0.1:6565', false, '1/4:2/4', '0,1/4,2/4,3/4,1'],
    );
    // k6 ignores K6_EXECUTION_SEGMENT (lib/options.go); K6_ADDRESS is read.
    const fromEnv = parsed(['run', 's.js'], {
      K6_EXECUTION_SEGMENT: '0:1/2',
      K6_ADDRESS: '127.0.0.1:1',
      K6_PAUSED: 'true',
    });
    assert.deepEqual(
      [fromEnv.executionSegment, fromEnv.address, fromEnv.addressFromEnv, fromEnv.paused],
      [undefined, '127.0.0.1:1', true, true],
    );
    refused(
      ['run', '--execution-segment', '1/2:1/4', 's.js'],
      {},
      /segment start\(0\.50\) must be less than its end\(0\.25\)/,
    );
    refused(['run', '--execution-segment-sequence', '0', 's.js'], {}, /at least 2 points are needed/);
    refused(['run', '--no-setup', 's.js'], {}, k6);
    refused(['run', '--dns', 'ttl=0', 's.js'], {}, k6);
    refused(['run', '--rps', '10', 's.js'], {}, k6);
    refused(['run', '--log-output=loki=http://127.0.0.1:3100', 's.js'], {}, k6);
    assert.deepEqual(parsed(['run', 's.js'], { K6_BLACKLIST_IPS: '10.0.0.0/8,fd00::/8' }).blacklistIPs, [
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    refused(['run', 's.js'], { K6_LOCAL_IPS: '10.0.0.1' }, /K6_LOCAL_IPS="10\.0\.0\.1": --local-ips/);
    refused(['run', 's.js'], { K6_WEB_DASHBOARD: 'true' }, /web dashboard/);
    refused(['run', 's.js'], { K6_THROW: 'yes' }, /K6_THROW="yes": --throw takes true or false/);
    refused(['run', 's.js'], { K6_VUS: 'many' }, /K6_VUS="many": --vus needs a whole number/);
    refused(['archive', 's.js'], {}, /"k6 archive" is not supported/);
    refused(['run', '--compatibility-mode=experimental_enhanced', 's.js'], {}, /removed in k6 v0\.57/);
    refused(['run', '-c', files.write('bad.json', '{nope'), 's.js'], {}, /cannot read the config file/);
    // No value changes nothing: accepted.
    assert.equal(parsed(['run', '--rps', '0', '--linger=false', 's.js']).script, 's.js');
    // In the script or a config file the same options stop the run with exit 104.
    for (const [options, pattern] of [
      [{ dns: { ttl: '1m' } }, /the dns option/],
      [{ linger: true }, /linger/],
      [{ executionSegment: 'x' }, /'x' is not a valid percentage, decimal, fraction or interval value/],
      [{ executionSegment: '1/4:1/2', executionSegmentSequence: '0,1/3,1' }, /can't be found in sequence/],
      [{ systemTags: ['ocsp_status'] }, /the system tag "ocsp_status" is not supported/],
      [{ systemTags: ['nope'] }, /"nope" is not a k6 system tag/],
      [{ tlsCipherSuites: ['TLS_AES_128_GCM_SHA256'] }, /tlsCipherSuites/],
      [{ tlsVersion: 'ssl3' }, /tlsVersion must be one of tls1\.0/],
      [{ hosts: { 'a.*.test': '1.2.3.4' } }, /a wildcard may only be a leading/],
    ] as const) {
      assert.throws(
        () => mergeOptions({}, { config: options as Record<string, unknown> }),
        (e: Error) => e instanceof InvalidOptionsError && pattern.test(e.message),
      );
    }
  });

  test('Go proxy rules: scheme, loopback and localhost direct, NO_PROXY names, subdomains, ports, CIDRs, *', () => {
    const env = {
      HTTP_PROXY: '127.0.0.1:3128',
      https_proxy: 'http://user:p%40ss@proxy.test:8443',
      NO_PROXY: 'skip.test, .sub.test ,ported.test:8080,10.0.0.0/8,192.168.1.1',
    };
    const routing = Routing.of({ proxy: proxyFromEnv(env) });
    assert.ok(routing);
    const via = (url: string) => {
      const r = routing.route(new URL(url));
      return r.absoluteForm || r.tunnel !== null;
    };
    assert.equal(via('http://app.test/'), true);
    const http = routing.route(new URL('http://app.test/x'));
    assert.deepEqual([http.dialHost, http.dialPort, http.absoluteForm], ['127.0.0.1', 3128, true]);
    const https = routing.route(new URL('https://app.test/'));
    assert.equal(https.tunnel, 'app.test:443');
    assert.equal(https.proxyAuthorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    for (const direct of [
      'http://localhost:8080/',
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://skip.test/',
      'http://a.skip.test/',
      'http://x.sub.test/',
      'http://ported.test:8080/',
      'http://10.1.2.3/',
      'http://192.168.1.1/',
    ])
      assert.equal(via(direct), false, direct);
    for (const proxied of [
      'http://sub.test/',
      'http://ported.test/',
      'http://11.0.0.1/',
      'http://noskip.test/',
    ])
      assert.equal(via(proxied), true, proxied);
    assert.equal(proxyFromEnv({ NO_PROXY: 'x' }), null);
    const all = Routing.of({ proxy: proxyFromEnv({ HTTP_PROXY: 'http://p.test:1', NO_PROXY: '*' }) });
    assert.equal(all?.route(new URL('http://a.test/')).absoluteForm, false);
    assert.throws(
      () => proxyFromEnv({ HTTPS_PROXY: 'socks5://p.test:1080' }),
      /socks5:\/\/ proxy.*--engine k6/,
    );
    // Go ignores HTTP_PROXY for a CGI request.
    assert.equal(proxyFromEnv({ HTTP_PROXY: 'p.test:1', REQUEST_METHOD: 'GET' }), null);
  });

  test('systemTags: only the chosen system tags, vu and iter on request', async () => {
    const script = files.write(
      'system-tags.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = {
         iterations: 2,
         thresholds: { 'http_req_duration{status:200}': ['max>=0'] },
       };
       export default async function () {
         const res = await http.get('${server.url}/tagged', { tags: { mine: 'yes' } });
         check(res, { ok: (r) => r.status === 200 });
       }`,
    );
    const r = await run({ script, systemTags: ['status', 'method', 'check', 'vu', 'iter'] });
    assert.equal(r.exitCode, 0, r.stderr);
    const keys = (metric: string) => r.samples.filter((s) => s.metric === metric).map((s) => s.tags);
    assert.deepEqual(keys('http_reqs'), [
      { status: '200', method: 'GET', vu: '1', iter: '0', mine: 'yes' },
      { status: '200', method: 'GET', vu: '1', iter: '1', mine: 'yes' },
    ]);
    assert.deepEqual(keys('checks')[1], { check: 'ok', vu: '1', iter: '1' });
    assert.deepEqual(keys('iteration_duration')[0], { vu: '1', iter: '0' });
    assert.equal(r.thresholds.length, 1);
    assert.equal(r.thresholds[0].ok, true);
    assert.equal(r.summary?.metrics['http_req_duration{expected_response:true}'], undefined);
    assert.deepEqual(parsed(['run', '--system-tags', 'status,url', 's.js']).systemTags, ['status', 'url']);
  });

  test('hosts: exact names, ports and *. wildcards route the connection; Host header unchanged', async () => {
    seen.length = 0;
    const script = files.write(
      'hosts.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = { hosts: {
         'app.hosts.test': '127.0.0.1',
         'api.hosts.test:80': '127.0.0.1:${port}',
         '*.wild.test': '127.0.0.1',
       } };
       export default async function () {
         for (const url of ['http://app.hosts.test:${port}/a', 'http://api.hosts.test/b', 'http://x.y.wild.test:${port}/c']) {
           const res = await http.get(url);
           check(res, { [url]: (r) => r.status === 200 });
         }
       }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      3,
      r.stderr,
    );
    assert.deepEqual(
      seen.map((s) => [s.path, s.host]),
      [
        ['/a', `app.hosts.test:${port}`],
        ['/b', 'api.hosts.test'],
        ['/c', `x.y.wild.test:${port}`],
      ],
    );
  });

  test('HTTP_PROXY: absolute-form through the proxy with Proxy-Authorization; loopback and NO_PROXY go direct', async () => {
    const proxy = await startProxy();
    seen.length = 0;
    const script = files.write(
      'proxy-http.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = { hosts: { 'near.proxied.test': '127.0.0.1' } };
       export default async function () {
         const far = await http.get('http://far.proxied.test:${port}/far?q=1');
         check(far, { far: (r) => r.status === 200 && r.body === 'hello /far' });
         const near = await http.get('http://near.proxied.test:${port}/near');
         check(near, { near: (r) => r.status === 200 });
         const loop = await http.get('http://127.0.0.1:${port}/loop');
         check(loop, { loop: (r) => r.status === 200 });
       }`,
    );
    try {
      const proxyUrl = new URL(proxy.url);
      const r = await withEnv(
        { HTTP_PROXY: `http://me:secret@${proxyUrl.host}`, NO_PROXY: 'near.proxied.test' },
        () => run({ script }),
      );
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        3,
        r.stderr,
      );
      assert.deepEqual(proxy.log, [
        {
          method: 'GET',
          target: `http://far.proxied.test:${port}/far?q=1`,
          host: `far.proxied.test:${port}`,
          auth: `Basic ${Buffer.from('me:secret').toString('base64')}`,
        },
      ]);
      assert.deepEqual(
        seen.map((s) => s.path),
        ['/far', '/near', '/loop'],
      );
    } finally {
      await proxy.close();
    }
  });

  test('HTTPS_PROXY: CONNECT to a local HTTPS server, TLS inside the tunnel, k6 timings kept', async () => {
    const dir = files.dir;
    selfSignedCert(dir, 'p', 'secure.proxied.test');
    const servernames: string[] = [];
    const tlsServer = createHttpsServer(
      { key: readFileSync(`${dir}/pkey.pem`), cert: readFileSync(`${dir}/pcert.pem`) },
      (req, res) => res.end(`secure ${req.headers.host}`),
    );
    tlsServer.on('secureConnection', (s) =>
      servernames.push(String((s as { servername?: string }).servername)),
    );
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    const proxy = await startProxy();
    const script = files.write(
      'proxy-https.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = { insecureSkipTLSVerify: true };
       export default async function () {
         for (let i = 0; i < 2; i++) {
           const res = await http.get('https://secure.proxied.test:${tlsPort}/');
           check(res, { ok: (r) => r.status === 200 && r.body === 'secure secure.proxied.test:${tlsPort}' });
         }
       }`,
    );
    try {
      const r = await withEnv({ HTTPS_PROXY: proxy.url }, () => run({ script }));
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        2,
        r.stderr,
      );
      assert.deepEqual(proxy.log, [
        {
          method: 'CONNECT',
          target: `secure.proxied.test:${tlsPort}`,
          host: `secure.proxied.test:${tlsPort}`,
          auth: '',
        },
      ]);
      assert.deepEqual(servernames, ['secure.proxied.test']);
      const values = (metric: string) => r.samples.filter((s) => s.metric === metric).map((s) => s.value);
      const [firstConnect, secondConnect] = values('http_req_connecting');
      const [firstTls, secondTls] = values('http_req_tls_handshaking');
      assert.ok(firstConnect > 0 && firstTls > 0, `connecting ${firstConnect}, tls ${firstTls}`);
      assert.equal(secondConnect, 0, 'the tunnel is kept alive for the second request');
      assert.equal(secondTls, 0);
      assert.equal(r.samples.find((s) => s.metric === 'http_reqs')?.tags.tls_version, 'tls1.3');
      // Without --insecure-skip-tls-verify the self-signed certificate is refused inside the tunnel.
      const strict = files.write(
        'proxy-https-strict.js',
        `import http from 'k6/http';
         export default async function () { await http.get('https://secure.proxied.test:${tlsPort}/'); }`,
      );
      const refused = await withEnv({ HTTPS_PROXY: proxy.url }, () => run({ script: strict }));
      const failed = refused.samples.find((s) => s.metric === 'http_reqs');
      assert.equal(failed?.tags.error_code, '1310', refused.stderr);
      // tlsVersion pins the protocol of a direct connection.
      const pinned = files.write(
        'tls-version.js',
        `import http from 'k6/http';
         import { check } from 'k6';
         export const options = { insecureSkipTLSVerify: true, tlsVersion: http.TLS_1_2 };
         export default async function () {
           const res = await http.get('https://127.0.0.1:${tlsPort}/');
           check(res, { suite: (r) => /^TLS_ECDHE_(RSA|ECDSA)_WITH_/.test(r.tls_cipher_suite) });
         }`,
      );
      const v12 = await run({ script: pinned });
      assert.equal(v12.samples.find((s) => s.metric === 'http_reqs')?.tags.tls_version, 'tls1.2', v12.stderr);
      assert.equal(
        count(v12.samples, 'checks', (s) => s.value === 1),
        1,
        'the response names its cipher suite as k6 (Go) does',
      );
    } finally {
      await proxy.close();
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  });

  test('noConnectionReuse, noVUConnectionReuse, cookie reset per iteration and noCookiesReset, blockHostnames, blacklistIPs', async () => {
    const script = (opts: string) =>
      files.write(
        `reuse-${seen.length}-${Math.random().toString(36).slice(2)}.js`,
        `import http from 'k6/http';
         export const options = Object.assign({ iterations: 2, vus: 1 }, ${opts});
         export default async function () {
           await http.get('${server.url}/app');
           await http.get('${server.url}/login');
           await http.get('${server.url}/app');
         }`,
      );
    const sockets = async (opts: string) => {
      seen.length = 0;
      const r = await run({ script: script(opts) });
      assert.equal(r.exitCode, 0, r.stderr);
      return { conns: new Set(seen.map((s) => s.socket)).size, cookies: seen.map((s) => s.cookie) };
    };
    const plain = await sockets('{}');
    assert.equal(plain.conns, 1);
    // Each iteration starts with an empty jar, as in k6.
    assert.deepEqual(plain.cookies, ['', '', 'session=abc', '', '', 'session=abc']);
    assert.equal((await sockets('{ noConnectionReuse: true }')).conns, 6);
    assert.equal((await sockets('{ noVUConnectionReuse: true }')).conns, 2);
    assert.deepEqual((await sockets('{ noCookiesReset: true }')).cookies, [
      '',
      '',
      'session=abc',
      'session=abc',
      'session=abc',
      'session=abc',
    ]);
    const blocked = files.write(
      'blocked.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = { blockHostnames: ['*.blocked.test'], hosts: { 'a.blocked.test': '127.0.0.1' } };
       export default async function () {
         const res = await http.get('http://a.blocked.test:${port}/');
         check(res, { blocked: (r) => r.status === 0 && r.error_code === 1111 && r.error === 'hostname is blocked' });
       }`,
    );
    const r = await run({ script: blocked });
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      1,
      r.stderr,
    );
    const blacklisted = files.write(
      'blacklisted.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export const options = { blacklistIPs: ['10.0.0.0/8', '127.0.0.0/8'] };
       export default async function () {
         for (const url of ['http://127.0.0.1:${port}/', 'http://localhost:${port}/']) {
           const res = await http.get(url);
           check(res, { [url]: (r) => r.status === 0 && r.error_code === 1110 && r.error === 'ip is blacklisted' });
         }
       }`,
    );
    seen.length = 0;
    const b = await run({ script: blacklisted });
    assert.equal(
      count(b.samples, 'checks', (s) => s.value === 1),
      2,
      b.stderr,
    );
    assert.equal(seen.length, 0, 'nothing reached the server');
  });

  test('batch and batchPerHost limit parallel requests, each on its own connection; minIterationDuration pads iterations outside iteration_duration', async () => {
    const other = await startServer((req, res) => slow(new URL(req.url ?? '/', 'http://x'), res));
    // Requests in flight at once, counted by the servers: the limits show whatever the machine's speed.
    const script = files.write(
      'batch.js',
      `import http from 'k6/http';
       export default async function () {
         await http.batch(['${server.url}/slow?phase=two', '${other.url}/slow?phase=two']);
         await http.batch(['${server.url}/slow?phase=one', '${server.url}/slow?phase=one', '${server.url}/slow?phase=one']);
       }`,
    );
    try {
      seen.length = 0;
      mostInFlight.clear();
      const parallel = await run({ script });
      assert.equal(parallel.exitCode, 0, parallel.stderr);
      assert.equal(mostInFlight.get('two'), 2, 'the batch to two hosts went out at once');
      assert.equal(mostInFlight.get('one'), 3, 'three requests to one host at once');
      assert.equal(new Set(seen.map((s) => s.socket)).size, 3, 'three connections to one host, reused');
      mostInFlight.clear();
      const serial = await run({ script, batch: 1, batchPerHost: 1 });
      assert.equal(serial.exitCode, 0, serial.stderr);
      assert.equal(mostInFlight.get('two'), 1, 'batch: 1 sends one request at a time');
      assert.equal(mostInFlight.get('one'), 1, 'batchPerHost: 1 sends one request per host at a time');
    } finally {
      await other.close();
    }
    const padded = files.write(
      'min-iter.js',
      `export const options = { iterations: 3, minIterationDuration: '300ms' };
       export default async function () {}`,
    );
    const started = Date.now();
    const r = await run({ script: padded });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(Date.now() - started >= 900, `3 iterations of at least 300 ms took ${Date.now() - started} ms`);
    const durations = r.samples.filter((s) => s.metric === 'iteration_duration').map((s) => s.value);
    assert.equal(durations.length, 3);
    // The 300 ms of padding are not in iteration_duration.
    assert.ok(Math.max(...durations) < 300, `iteration_duration ${durations}`);
  });

  test('CLI end to end: K6_* variables, --no-thresholds, --summary-mode=disabled, --console-output, --log-format, --http-debug, inspect', async () => {
    const script = files.write(
      'e2e.js',
      `import http from 'k6/http';
       export const options = { thresholds: { http_req_duration: ['max<0'] } };
       export default async function () {
         console.log('to the console file');
         await http.post('${server.url}/debugged', 'the body');
       }`,
    );
    const exported = `${files.dir}/e2e-summary.json`;
    const consoleFile = `${files.dir}/console.log`;
    const env = { K6_ITERATIONS: '2', K6_VUS: '1', K6_SUMMARY_EXPORT: exported };
    const [strict, loose, raw, inspect, archive] = await Promise.all([
      cli(['run', '-q', script], env),
      cli(
        [
          'run',
          '-q',
          '--no-thresholds',
          '--summary-mode=disabled',
          `--summary-export=${files.dir}/never.json`,
          '--console-output',
          consoleFile,
          '--http-debug=full',
          script,
        ],
        env,
      ),
      cli(['run', '-q', '--summary-mode=disabled', '--log-format', 'raw', script], {
        K6_ITERATIONS: '1',
        K6_NO_THRESHOLDS: 'true',
      }),
      cli(['inspect', script], { K6_VUS: '3' }),
      cli(['archive', script]),
    ]);
    assert.equal(strict.status, 99, strict.stderr);
    const summary = JSON.parse(readFileSync(exported, 'utf8'));
    assert.equal(summary.metrics.iterations.count, 2);
    assert.equal(loose.status, 0, loose.stderr);
    assert.equal(existsSync(`${files.dir}/never.json`), false);
    assert.doesNotMatch(loose.stdout, /http_reqs/);
    assert.match(readFileSync(consoleFile, 'utf8'), /level=info msg="to the console file" source=console/);
    assert.doesNotMatch(loose.stderr, /to the console file/);
    // k6's http-debug lines: Go's dumps as the message of an info line with its fields.
    assert.match(
      loose.stderr,
      /^time="[^"]+" level=info msg="Request:\\nPOST \/debugged HTTP\/1\.1\\nHost: 127\.0\.0\.1:\d+\\nUser-Agent: [^"\\]+\\nContent-Length: 8\\nAccept-Encoding: gzip\\n\\nthe body\\n" group= iter=\d request_id=[0-9a-f-]{36} scenario=default source=http-debug vu=1$/m,
    );
    assert.match(
      loose.stderr,
      /msg="Response:\\nHTTP\/1\.1 200 OK\\n[^"]*hello \/debugged[^"]*" group= iter=\d request_id=\S+ scenario=default source=http-debug vu=1$/m,
    );
    assert.equal(raw.status, 0, raw.stderr);
    assert.match(raw.stderr, /^to the console file$/m);
    assert.equal(inspect.status, 0, inspect.stderr);
    assert.deepEqual(JSON.parse(inspect.stdout), {
      thresholds: { http_req_duration: ['max<0'] },
      vus: 3,
    });
    assert.equal(archive.status, 255);
    assert.match(archive.stderr, /"k6 archive" is not supported by the node engine/);
  });
});
