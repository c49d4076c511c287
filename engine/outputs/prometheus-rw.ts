// `--out experimental-prometheus-rw`: k6's Prometheus remote-write output, with k6's settings
// (K6_PROMETHEUS_RW_* variables) and series names, as documented at
// https://grafana.com/docs/k6/latest/results-output/real-time/prometheus-remote-write/ :
//   - every series is named `k6_<metric>`; counters get `_total`, rates `_rate`, gauges nothing,
//     and each trend stat of K6_PROMETHEUS_RW_TREND_STATS (default p(99)) is a gauge of its own,
//     `k6_<metric>_<stat>` with p(99) written p99 and p(99.9) p999;
//   - one series per metric and tag set, labels = the sample's tags (empty values left out);
//   - values are cumulative over the test (a counter's total, a rate's fraction, a trend's stat
//     over all its values so far), trends of time in seconds rather than ms;
//   - every push interval (K6_PROMETHEUS_RW_PUSH_INTERVAL, 5s) the series that got samples are sent.
// Native histograms (K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true), SigV4 and client
// certificates are refused rather than silently ignored.
//
// The wire format is Prometheus's remote-write 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/):
// a protobuf WriteRequest, Snappy block-compressed. protobufjs encodes the four messages the
// protocol needs (declared below from prometheus/prompb/types.proto); snappyjs compresses.
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { InvalidOptionsError } from '../metrics/errors.ts';
import { CounterSink, GaugeSink, newSink, RateSink, type TrendSink } from '../metrics/sinks.ts';
import { parseDuration } from '../metrics/time.ts';
import { trendStat } from '../metrics/trend-stats.ts';
import type { MetricInfo, Sample } from '../metrics/types.ts';
import type { Output, OutputDeps, OutputType } from './output.ts';
import { basicAuth, boolSetting, describeRequestError, httpClient, Pusher, post } from './remote.ts';

const WRITE_REQUEST = protobuf
  .parse(
    `syntax = "proto3";
     message Label { string name = 1; string value = 2; }
     message Sample { double value = 1; int64 timestamp = 2; }
     message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
     message WriteRequest { repeated TimeSeries timeseries = 1; }`,
  )
  .root.lookupType('WriteRequest');

/** Prometheus's staleness marker, a NaN with this bit pattern (prometheus/model/value). */
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];
const REQUEST_TIMEOUT_MS = 5_000;

export interface PrometheusRwSettings {
  url: string;
  pushIntervalMs: number;
  trendStats: Array<{ suffix: string; read: (s: TrendSink) => number }>;
  headers: Record<string, string>;
  insecureSkipTlsVerify: boolean;
  staleMarkers: boolean;
}

/** The K6_PROMETHEUS_RW_* settings; throws a sentence for a value k6 would refuse or we cannot honour. */
export function prometheusRwSettings(env: Record<string, string | undefined>): PrometheusRwSettings {
  const get = (name: string) => {
    const v = env[`K6_PROMETHEUS_RW_${name}`];
    return v === undefined || v === '' ? undefined : v;
  };
  for (const name of [
    'SIGV4_REGION',
    'SIGV4_ACCESS_KEY',
    'SIGV4_SECRET_KEY',
    'CLIENT_CERTIFICATE',
    'CLIENT_CERTIFICATE_KEY',
  ]) {
    if (get(name) !== undefined) {
      throw new InvalidOptionsError(
        `K6_PROMETHEUS_RW_${name} is set, but this engine's experimental-prometheus-rw output does not support ${name.startsWith('SIGV4') ? 'SigV4 signing' : 'client certificates'}; use k6 for that, or basic auth / a bearer token.`,
      );
    }
  }
  if (boolSetting('K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM', get('TREND_AS_NATIVE_HISTOGRAM'), false)) {
    throw new InvalidOptionsError(
      'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true is not supported by this engine (it sends trends as the gauges of K6_PROMETHEUS_RW_TREND_STATS); unset it, or use k6 for native histograms.',
    );
  }
  const url = get('SERVER_URL') ?? 'http://localhost:9090/api/v1/write';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionsError(`K6_PROMETHEUS_RW_SERVER_URL "${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidOptionsError(`K6_PROMETHEUS_RW_SERVER_URL "${url}" must be an http(s) URL.`);
  if (parsed.username || parsed.password)
    throw new InvalidOptionsError(
      'K6_PROMETHEUS_RW_SERVER_URL must not hold credentials; set K6_PROMETHEUS_RW_USERNAME and K6_PROMETHEUS_RW_PASSWORD (or K6_PROMETHEUS_RW_BEARER_TOKEN) instead.',
    );
  const pushIntervalMs = parseDuration(get('PUSH_INTERVAL') ?? '5s', 'K6_PROMETHEUS_RW_PUSH_INTERVAL');
  if (!(pushIntervalMs > 0))
    throw new InvalidOptionsError('K6_PROMETHEUS_RW_PUSH_INTERVAL must be longer than 0s.');
  const trendStats = (get('TREND_STATS') ?? 'p(99)')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => {
      if (name === 'sum') return { suffix: 'sum', read: (s: TrendSink) => s.sum };
      const stat = trendStat(name);
      if (!stat)
        throw new InvalidOptionsError(
          `K6_PROMETHEUS_RW_TREND_STATS entry "${name}" is not valid; use count, sum, avg, min, med, max or p(N).`,
        );
      return { suffix: statSuffix(name), read: stat.read };
    });
  if (trendStats.length === 0) throw new InvalidOptionsError('K6_PROMETHEUS_RW_TREND_STATS is empty.');
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('K6_PROMETHEUS_RW_HEADERS_') && value) headers[key.slice(25)] = value;
  }
  for (const pair of (get('HTTP_HEADERS') ?? '').split(',').filter((p) => p.trim())) {
    const colon = pair.indexOf(':');
    if (colon <= 0)
      throw new InvalidOptionsError(
        'K6_PROMETHEUS_RW_HTTP_HEADERS must look like name1:value1,name2:value2.',
      );
    headers[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  const user = get('USERNAME');
  const token = get('BEARER_TOKEN');
  if (user !== undefined) headers.Authorization = basicAuth(user, get('PASSWORD') ?? '');
  else if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return {
    url,
    pushIntervalMs,
    trendStats,
    headers,
    insecureSkipTlsVerify: boolSetting(
      'K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY',
      get('INSECURE_SKIP_TLS_VERIFY'),
      false,
    ),
    staleMarkers: boolSetting('K6_PROMETHEUS_RW_STALE_MARKERS', get('STALE_MARKERS'), false),
  };
}

/** `p(99)` → `p99`, `p(99.9)` → `p999`, `p(0.95)` → `p095`; other stats keep their name. */
export function statSuffix(stat: string): string {
  const m = /^p\(\s*([\d.]+)\s*\)$/.exec(stat.trim());
  return m ? `p${m[1].replace(/\./g, '')}` : stat;
}

type Sink = CounterSink | GaugeSink | RateSink | TrendSink;

interface Series {
  labels: Array<{ name: string; value: string }>;
  /** `k6_<metric>`, before the type's suffix. */
  base: string;
  info: MetricInfo;
  sink: Sink;
  /** Epoch ms of the newest sample, and of the last point sent (points must move forward). */
  latest: number;
  sentAt: number;
}

class PrometheusRwOutput implements Output {
  private readonly series = new Map<string, Series>();
  private readonly dirty = new Set<Series>();
  private readonly pusher: Pusher;
  private readonly client;
  private readonly sinkFor = new Map<string, MetricInfo>();

  constructor(
    private readonly s: PrometheusRwSettings,
    private readonly deps: OutputDeps,
  ) {
    this.client = httpClient(s.insecureSkipTlsVerify);
    this.pusher = new Pusher({
      name: `experimental-prometheus-rw (${redactedUrl(s.url)})`,
      intervalMs: s.pushIntervalMs,
      concurrency: 1,
      log: deps.log,
      hasPending: () => this.dirty.size > 0,
      push: () => this.push(),
    });
  }

  add(batch: Sample[]): void {
    for (const sample of batch) {
      const key = seriesKey(sample);
      let series = this.series.get(key);
      if (!series) {
        let info = this.sinkFor.get(sample.metric);
        if (!info) {
          info = this.deps.metricInfo(sample.metric);
          this.sinkFor.set(sample.metric, info);
        }
        series = {
          labels: Object.entries(sample.tags)
            .filter(([, v]) => v !== '')
            .map(([name, value]) => ({ name, value })),
          base: `k6_${sample.metric}`,
          info,
          sink: newSink(info.type),
          latest: sample.time,
          sentAt: Number.NEGATIVE_INFINITY,
        };
        this.series.set(key, series);
      }
      series.sink.add(sample.value);
      if (sample.time > series.latest) series.latest = sample.time;
      this.dirty.add(series);
    }
  }

  async close(): Promise<void> {
    await this.pusher.close();
    if (this.s.staleMarkers) {
      const all = [...this.series.values()];
      await this.send(
        all.flatMap((s) => this.toTimeSeries(s, Math.max(Date.now(), s.sentAt + 1), STALE_NAN)),
      ).catch((err) =>
        this.deps.log(
          'error',
          `experimental-prometheus-rw: marking the series stale failed: ${(err as Error).message}`,
        ),
      );
    }
    await this.client.close();
  }

  private async push(): Promise<boolean> {
    if (this.dirty.size === 0) return false;
    const series = [...this.dirty];
    this.dirty.clear();
    const timeseries = series.flatMap((s) => {
      const t = Math.max(Math.round(s.latest), s.sentAt + 1);
      s.sentAt = t;
      return this.toTimeSeries(s, t, null);
    });
    await this.send(timeseries);
    return true;
  }

  private async send(timeseries: unknown[]): Promise<void> {
    const body = snappy.compress(WRITE_REQUEST.encode({ timeseries }).finish());
    let res: { status: number; text: string };
    try {
      res = await post(
        this.client,
        this.s.url,
        {
          'Content-Type': 'application/x-protobuf',
          'Content-Encoding': 'snappy',
          'X-Prometheus-Remote-Write-Version': '0.1.0',
          'User-Agent': 'connect-perf-engine',
          ...this.s.headers,
        },
        body,
        REQUEST_TIMEOUT_MS,
      );
    } catch (err) {
      throw new Error(`remote write failed (${describeRequestError(err)})`);
    }
    if (res.status >= 300)
      throw new Error(`remote write answered HTTP ${res.status}: ${res.text.trim().replace(/\s+/g, ' ')}`);
  }

  /** One series per value the metric type gives, the labels sorted by name as the protocol asks. */
  private toTimeSeries(s: Series, t: number, forced: number | null) {
    const one = (suffix: string, value: number) => {
      const labels = [...s.labels, { name: '__name__', value: suffix ? `${s.base}_${suffix}` : s.base }];
      labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { labels, samples: [{ value: forced ?? value, timestamp: t }] };
    };
    const sink = s.sink;
    if (sink instanceof CounterSink) return [one('total', sink.count)];
    if (sink instanceof GaugeSink) return [one('', sink.value)];
    if (sink instanceof RateSink) return [one('rate', sink.rate)];
    // Times go out in seconds; a count stays a count (k6 scales it too: grafana/k6 issue #4582).
    const scale = s.info.contains === 'time' ? 1 / 1000 : 1;
    return this.s.trendStats.map((stat) =>
      one(stat.suffix, stat.suffix === 'count' ? stat.read(sink) : stat.read(sink) * scale),
    );
  }
}

/** Samples of one request share one tags object, so its encoding is computed once. */
const tagKeys = new WeakMap<Record<string, string>, string>();

function seriesKey(sample: Sample): string {
  let tags = tagKeys.get(sample.tags);
  if (tags === undefined) {
    tags = Object.keys(sample.tags)
      .sort()
      .map((k) => `${k}\u0001${sample.tags[k]}`)
      .join('\u0000');
    tagKeys.set(sample.tags, tags);
  }
  return `${sample.metric}\u0002${tags}`;
}

/** The URL without its query string, which may hold a token. */
function redactedUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export const prometheusRwOutput: OutputType = {
  usage: '--out experimental-prometheus-rw, configured with the K6_PROMETHEUS_RW_* variables',
  async open(target, deps) {
    if (target !== '')
      throw new InvalidOptionsError(
        `--out experimental-prometheus-rw takes no value after "="; set the endpoint with K6_PROMETHEUS_RW_SERVER_URL (got "${target}").`,
      );
    return new PrometheusRwOutput(prometheusRwSettings(deps.env), deps);
  },
};
