// `prometheus`: node_exporter (and, when present, cAdvisor) series of the Connect hosts from a
// Prometheus server, fetched with range queries (/api/v1/query_range,
// https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries) for the run's window
// after the run, and again by `npm run report -- <run> --prom-url …`. Same series names and
// meanings as the local source (cpu_percent = busy, i.e. not idle or iowait; mem_used_bytes =
// MemTotal − MemAvailable; network without lo), one series per node_exporter instance; container
// CPU (% of one core) and working-set memory per pod container from cAdvisor; extra series from
// --prom-query. Credentials come only from the environment (PROMETHEUS_BEARER_TOKEN, or
// PROMETHEUS_USERNAME / PROMETHEUS_PASSWORD), never from a flag, and are never logged. Whatever goes
// wrong (unreachable, 401, bad PromQL, nothing matched) is one sentence in the record's warnings;
// the run itself never fails because of metrics.
import type { NodeMetrics, NodeSeries } from '../record/types.ts';
import type { MetricsSource, SourceArgs, SourceOptions } from './source.ts';

export interface PrometheusOptions {
  /** Base URL of the Prometheus HTTP API, without credentials, e.g. http://prometheus:9090. */
  url: string;
  /** Label matchers for the node_exporter series, without braces ('' = every instance that has them). */
  selector: string;
  /** Label matchers for the cAdvisor container series. */
  podSelector: string;
  /** Extra series: name → PromQL. */
  queries: Array<{ name: string; query: string }>;
  /** Fixed step in seconds; undefined = chosen from the window (≥ 5 s, ≤ MAX_POINTS points). */
  stepSeconds?: number;
  /** The Authorization header built from the environment; not part of any description. */
  authorization?: string;
}

/** Prometheus refuses a range query of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;
const MIN_STEP_SECONDS = 5;
const QUERY_TIMEOUT_MS = 30_000;
const DEFAULT_POD_SELECTOR = 'pod=~".*connect.*"';

const MATCHER = String.raw`\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*`;
const MATCHERS = new RegExp(String.raw`^\s*\{?(?:${MATCHER}(?:,${MATCHER})*,?\s*)?\}?\s*$`);

/** `{job="node", instance=~"connect-.*"}` or the same without braces → the inside, trimmed. */
export function checkMatchers(option: string, text: string): string {
  if (!MATCHERS.test(text)) {
    throw new Error(
      `${option} '${text}' is not a list of Prometheus label matchers; write it like 'job="node",instance=~"connect-.*"'.`,
    );
  }
  return text.trim().replace(/^\{/, '').replace(/\}$/, '').trim().replace(/,$/, '');
}

const str = (v: SourceArgs[string]) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const list = (v: SourceArgs[string]) =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((s) => s.trim() !== '');

/** Reads the --prom-* options; null when --prom-url is not given (then no other --prom-* may be). */
export function prometheusOptionsFromArgs(
  args: SourceArgs,
  env: Record<string, string | undefined>,
): PrometheusOptions | null {
  const urlText = str(args['prom-url']);
  const others = ['prom-selector', 'prom-pod-selector', 'prom-query', 'prom-step'].filter(
    (n) => str(args[n]) !== undefined || list(args[n]).length > 0,
  );
  if (urlText === undefined) {
    if (others.length) throw new Error(`--${others[0]} needs --prom-url, the Prometheus server to ask.`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new Error(`--prom-url '${urlText}' is not a URL; write it like http://prometheus:9090.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--prom-url '${urlText}' must be an http(s) URL such as http://prometheus:9090.`);
  if (url.username || url.password || url.search)
    throw new Error(
      '--prom-url must not carry credentials or a query string: set PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD, in the environment instead.',
    );
  const queries = list(args['prom-query']).map((q) => {
    const eq = q.indexOf('=');
    const name = eq === -1 ? '' : q.slice(0, eq).trim();
    const query = eq === -1 ? '' : q.slice(eq + 1).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || query === '')
      throw new Error(
        `--prom-query '${q}' must be name=PromQL, e.g. 'connect_rss=process_resident_memory_bytes{job="connect"}'.`,
      );
    return { name, query };
  });
  const names = queries.map((q) => q.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`--prom-query names '${dup}' twice; give each series its own name.`);
  let stepSeconds: number | undefined;
  const step = str(args['prom-step']);
  if (step !== undefined) {
    const m = /^(\d+)(s|m)?$/.exec(step);
    stepSeconds = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : Number.NaN;
    if (!(stepSeconds >= 1 && stepSeconds <= 3600))
      throw new Error(`--prom-step '${step}' must be from 1s to 60m, e.g. 15s.`);
  }
  const token = env.PROMETHEUS_BEARER_TOKEN?.trim();
  const user = env.PROMETHEUS_USERNAME?.trim();
  const authorization = token
    ? `Bearer ${token}`
    : user
      ? `Basic ${Buffer.from(`${user}:${env.PROMETHEUS_PASSWORD ?? ''}`).toString('base64')}`
      : undefined;
  return {
    url: url.href.replace(/\/+$/, ''),
    selector: checkMatchers('--prom-selector', str(args['prom-selector']) ?? ''),
    podSelector: checkMatchers('--prom-pod-selector', str(args['prom-pod-selector']) ?? DEFAULT_POD_SELECTOR),
    queries,
    ...(stepSeconds === undefined ? {} : { stepSeconds }),
    ...(authorization ? { authorization } : {}),
  };
}

interface Planned {
  metric: string;
  unit: NodeSeries['unit'];
  query: string;
  /** The label of one result series, from its labels. */
  label: (labels: Record<string, string>) => string;
  /** Node and container series are optional in a way extra queries are not. */
  kind: 'node' | 'container' | 'extra';
}

/** The queries for a window with step `step` seconds (rates over at least a minute, 4 steps). */
export function planQueries(o: PrometheusOptions, step: number): Planned[] {
  const range = `${Math.max(60, 4 * step)}s`;
  const sel = (extra: string) => `{${[extra, o.selector].filter(Boolean).join(',')}}`;
  const cpuRate = (modes: string) =>
    `sum by (instance) (rate(node_cpu_seconds_total${sel(modes)}[${range}]))`;
  const cpuTotal = cpuRate('');
  const node = (metric: string, unit: NodeSeries['unit'], query: string, what: string): Planned => ({
    metric,
    unit,
    query,
    label: (l) => `node ${l.instance ?? '?'} ${what}`,
    kind: 'node',
  });
  const mem = (name: string) => `sum by (instance) (node_memory_${name}_bytes${sel('')})`;
  const net = (dir: 'receive' | 'transmit', device: string) =>
    `sum by (instance) (rate(node_network_${dir}_bytes_total${sel(device)}[${range}]))`;
  const pods = `container!="",container!="POD"${o.podSelector ? `,${o.podSelector}` : ''}`;
  const container = (l: Record<string, string>) =>
    `pod ${l.namespace ? `${l.namespace}/` : ''}${l.pod ?? '?'} container ${l.container ?? '?'}`;
  return [
    node(
      'cpu_percent',
      'percent',
      `100 * (1 - ${cpuRate('mode=~"idle|iowait"')} / ${cpuTotal})`,
      'CPU % (busy = not idle or iowait)',
    ),
    node('cpu_user_percent', 'percent', `100 * ${cpuRate('mode="user"')} / ${cpuTotal}`, 'CPU % user'),
    node('cpu_system_percent', 'percent', `100 * ${cpuRate('mode="system"')} / ${cpuTotal}`, 'CPU % system'),
    node('cpu_iowait_percent', 'percent', `100 * ${cpuRate('mode="iowait"')} / ${cpuTotal}`, 'CPU % iowait'),
    node(
      'mem_used_bytes',
      'bytes',
      `${mem('MemTotal')} - ${mem('MemAvailable')}`,
      'memory used (MemTotal − MemAvailable)',
    ),
    node(
      'mem_used_percent',
      'percent',
      `100 * (1 - ${mem('MemAvailable')} / ${mem('MemTotal')})`,
      'memory used %',
    ),
    node(
      'net_rx_bytes_per_s',
      'bytes/s',
      net('receive', 'device!="lo"'),
      'network received (all interfaces but lo)',
    ),
    node(
      'net_tx_bytes_per_s',
      'bytes/s',
      net('transmit', 'device!="lo"'),
      'network sent (all interfaces but lo)',
    ),
    node('net_loopback_bytes_per_s', 'bytes/s', net('receive', 'device="lo"'), 'loopback traffic (lo)'),
    node('load1', 'none', `max by (instance) (node_load1${sel('')})`, 'load average (1 min)'),
    {
      metric: 'container_cpu_percent',
      unit: 'percent',
      query: `100 * sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{${pods}}[${range}]))`,
      label: (l) => `${container(l)} CPU % (of one core)`,
      kind: 'container',
    },
    {
      metric: 'container_mem_working_set_bytes',
      unit: 'bytes',
      query: `sum by (namespace, pod, container) (container_memory_working_set_bytes{${pods}})`,
      label: (l) => `${container(l)} memory working set`,
      kind: 'container',
    },
    ...o.queries.map(
      (q): Planned => ({
        metric: q.name,
        unit: 'none',
        query: q.query,
        label: (l) => {
          const rest = Object.entries(l)
            .filter(([k]) => k !== '__name__')
            .map(([k, v]) => `${k}=${v}`)
            .join(', ');
          return rest ? `${q.name} {${rest}}` : q.name;
        },
        kind: 'extra',
      }),
    ),
  ];
}

/** The step for a window: at least MIN_STEP_SECONDS, and few enough points for Prometheus. */
export function stepFor(seconds: number, fixed?: number): number {
  const least = Math.ceil(seconds / (MAX_POINTS - 1)) || 1;
  return Math.max(fixed ?? MIN_STEP_SECONDS, least);
}

class Refused extends Error {}

/** Fetches the window's series; never rejects (problems are warnings). */
export async function fetchPrometheusMetrics(
  o: PrometheusOptions,
  window: { start: Date; end: Date },
): Promise<NodeMetrics> {
  const warnings: string[] = [];
  const startS = Math.floor(window.start.getTime() / 1000);
  const endS = Math.ceil(window.end.getTime() / 1000);
  const step = stepFor(Math.max(0, endS - startS), o.stepSeconds);
  const from = Math.floor(startS / step) * step;
  const to = Math.max(from, Math.ceil(endS / step) * step);
  const grid: number[] = [];
  for (let t = from; t <= to; t += step) grid.push(t);
  const series: NodeSeries[] = [];
  const where = describeUrl(o.url);
  let nodeSeen = false;
  let refused = false;
  for (const p of planQueries(o, step)) {
    let result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
    try {
      result = await rangeQuery(o, p.query, from, to, step);
    } catch (err) {
      if (err instanceof Refused) {
        // Unreachable or unauthorised: every further query would say the same.
        warnings.push(err.message);
        refused = true;
        break;
      }
      warnings.push(
        `Prometheus at ${where} refused the query for ${p.metric} (${(err as Error).message}); that series is left out.`,
      );
      continue;
    }
    if (p.kind === 'node' && result.length) nodeSeen = true;
    if (p.kind === 'extra' && result.length === 0)
      warnings.push(`--prom-query ${p.metric} matched no series in the run's window.`);
    for (const r of result) {
      const byT = new Map(r.values.map(([t, v]) => [Math.round(t), Number(v)]));
      series.push({
        metric: p.metric,
        label: p.label(r.metric),
        unit: p.unit,
        points: grid.map((t) => {
          const v = byT.get(t);
          return { t, v: v === undefined || !Number.isFinite(v) ? null : v };
        }),
      });
    }
  }
  if (!refused && !nodeSeen) {
    warnings.push(
      `Prometheus at ${where} has no node_exporter series${o.selector ? ` matching {${o.selector}}` : ''} in the run's window (node_cpu_seconds_total, node_memory_*, node_network_*); check --prom-selector and that node_exporter runs on the Connect hosts and is scraped.`,
    );
  }
  // Container series are optional (most installations have no cAdvisor): no warning without them.
  return { source: 'prometheus', periodSeconds: step, series, warnings };
}

async function rangeQuery(
  o: PrometheusOptions,
  query: string,
  start: number,
  end: number,
  step: number,
): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
  const where = describeUrl(o.url);
  let res: Response;
  try {
    res = await fetch(`${o.url}/api/v1/query_range`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(o.authorization ? { Authorization: o.authorization } : {}),
      },
      body: new URLSearchParams({ query, start: String(start), end: String(end), step: `${step}s` }),
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${QUERY_TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new Refused(`Prometheus at ${where} could not be reached (${why}); no node metrics from it.`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new Refused(
      `Prometheus at ${where} answered HTTP ${res.status}; set PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD, to credentials it accepts. No node metrics from it.`,
    );
  }
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Refused(
      `${where} answered HTTP ${res.status} with something that is not the Prometheus API (is --prom-url the server's base URL?); no node metrics from it.`,
    );
  }
  if (body.status !== 'success') throw new Error(String(body.error ?? `HTTP ${res.status}`).slice(0, 300));
  if (body.data?.resultType !== 'matrix')
    throw new Error(`a ${body.data?.resultType} result, not a range of values`);
  return body.data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
}

/** The URL as logs and records show it: never credentials (there are none in it; see the options). */
function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
}

const optionsOf = (options: SourceOptions) => (options.prometheus as PrometheusOptions | undefined) ?? null;

export const prometheusSource: MetricsSource = {
  name: 'prometheus',
  title: 'Prometheus',
  help: 'node_exporter (and cAdvisor) series from Prometheus for the run window (default whenever --prom-url is given)',
  options: {
    'prom-url': { type: 'string' },
    'prom-selector': { type: 'string' },
    'prom-pod-selector': { type: 'string' },
    'prom-query': { type: 'string', multiple: true },
    'prom-step': { type: 'string' },
  },
  optionsHelp: [
    'Prometheus node metrics (range queries for the run window after the run; --prom-url turns it on;',
    'credentials only from PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD):',
    '  --prom-url <url>             the Prometheus server, e.g. http://prometheus:9090',
    "  --prom-selector '<matchers>' the Connect hosts' node_exporter series, e.g. 'job=\"node\",instance=~\"connect-.*\"'",
    '                               (default: every instance that has node_exporter series)',
    `  --prom-pod-selector '<m>'    cAdvisor containers to follow (default '${DEFAULT_POD_SELECTOR}')`,
    "  --prom-query 'name=PromQL'   an extra series (repeatable)",
    `  --prom-step <s>              resolution (default: ${MIN_STEP_SECONDS}s, coarser when the run is long: at most ${MAX_POINTS} points)`,
  ],
  parseOptions: prometheusOptionsFromArgs,
  unusable: (ctx) =>
    optionsOf(ctx.options)
      ? null
      : '--node-metrics prometheus needs --prom-url, the Prometheus server to ask.',
  // Given --prom-url, the user asked for it: also against the stand-in (whose machine may be one
  // that node_exporter watches).
  suits: (ctx) => optionsOf(ctx.options) !== null,
  describe(ctx) {
    const o = optionsOf(ctx.options);
    if (!o) return 'prometheus: no --prom-url';
    const extra = o.queries.length ? `, ${o.queries.map((q) => q.name).join(', ')}` : '';
    return `prometheus (${describeUrl(o.url)}): node_exporter instances ${o.selector ? `{${o.selector}}` : '(all)'}, containers {${o.podSelector}}${extra}, ${o.stepSeconds ? `${o.stepSeconds}-second` : 'auto'} step`;
  },
  start(ctx) {
    const start = new Date();
    const o = optionsOf(ctx.options);
    return {
      stop: async () =>
        o
          ? fetchPrometheusMetrics(o, { start, end: new Date() })
          : { source: 'prometheus', periodSeconds: 0, series: [], warnings: ['No --prom-url was given.'] },
    };
  },
  refetch: (options, window) => fetchPrometheusMetrics(options as PrometheusOptions, window),
};
