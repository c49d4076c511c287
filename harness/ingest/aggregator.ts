// One aggregator for k6 samples, fed either by the NDJSON reader or by the engine's live sample
// stream. Samples land in per-second buckets; a bucket is written out ("compacted": percentiles
// read, histogram encoded, memory released) once every source has moved `lagSeconds` past it,
// so memory depends on the request rate and the number of names, never on the run length.
// Several sources (k6-operator runner files) feed one aggregator: counters add, histograms
// merge and gauges such as vus are summed per bucket.
import type { EndpointStats, PublishCycle, SeriesPoint, TimeSeries } from '../record/types.ts';
import { Bucket, EndpointAccumulator, emptyPoint, inc, keyStats, point } from './bucket.ts';
import { encodeHistogram, latencyPrecision, percentileMs, releaseHistogram } from './histogram.ts';
import { IngestInputError } from './inputs.ts';
import { MetricId, metricId } from './metric-id.ts';
import { maxPublishCycles, PublishCycleCollector } from './publish-cycles.ts';
import { type TagInfo, TagObjectCache } from './tag-info.ts';

/**
 * Bounds that keep memory tied to the run's length, whatever the input holds. Tag values beyond
 * a limit of distinct values are counted together under one "other" key (and the record says
 * so); a gap or span beyond its limit is refused, since the series has one point per second.
 */
export const ingestLimits = {
  /** Distinct request names (`name` tag, else `url`) kept apart; each has a series over the whole run. */
  names: 200,
  scenarios: 50,
  /** Distinct name × scenario × method rows of the per-request table. */
  endpoints: 1000,
  /** Distinct `status` and `error_code` values. */
  errorKeys: 100,
  checks: 1000,
  /** Longest time without any sample inside one run: k6 writes `vus` every second. */
  gapSeconds: 3600,
  /** Longest run: the harness runs at most a week (`--duration`), plus an hour of margin. */
  spanSeconds: 7 * 86400 + 3600,
} as const;

/** The key samples beyond a limit are counted under. */
export const otherKey = '(other)';

const limitedTags = {
  name: 'request names (the `name` tag, else `url`)',
  scenario: 'scenarios',
  endpoint: 'name × scenario × method rows',
  status: '`status` values',
  error_code: '`error_code` values',
  check: 'check names',
} as const;
type LimitedTag = keyof typeof limitedTags;

/** Keeps the first `limit` distinct values of a tag; later ones map to otherKey. */
class KeptValues {
  private kept = new Set<string>();
  folded = 0;

  constructor(readonly limit: number) {}

  key(value: string): string {
    if (this.kept.has(value)) return value;
    if (this.kept.size < this.limit) {
      this.kept.add(value);
      return value;
    }
    this.folded++;
    return otherKey;
  }
}

const utcSecond = (t: number) => {
  const date = new Date(t * 1000);
  return Number.isNaN(date.getTime()) ? String(t) : date.toISOString().replace('.000Z', 'Z');
};

export interface MalformedLine {
  input: string;
  line: number;
  text: string;
}

export interface IngestResult {
  series: TimeSeries;
  publishCycles: PublishCycle[];
  checks: Array<{ name: string; passes: number; fails: number }>;
}

/**
 * Something that wants the raw Point samples of some metrics and the NDJSON Metric lines (the
 * threshold evaluation on ingested data). Lines of other metrics never reach it.
 */
export interface SampleWatcher {
  /** The `data` of a Metric line: name, type, contains, thresholds, submetrics (k6 docs: https://grafana.com/docs/k6/latest/results-output/real-time/json/). */
  declare(data: unknown): void;
  /** Metrics watched so far; 0 keeps the parser on its fast path. */
  readonly watching: number;
  watches(metric: string): boolean;
  add(metric: string, timeMs: number, value: number, tags: Record<string, string>): void;
}

export interface AggregatorOptions {
  watcher?: SampleWatcher;
  /** Seconds a bucket stays open for late samples (k6 flushes every 200 ms; runners drift). */
  lagSeconds?: number;
  /** Malformed lines kept as examples. */
  maxExamples?: number;
}

export class Aggregator {
  private readonly lagSeconds: number;
  private readonly maxExamples: number;
  private buckets = new Map<number, Bucket>();
  /** Next second to write out; samples older than this are late. */
  private nextT: number | null = null;
  private firstT: number | null = null;
  private sources: Array<{ input: string; maxT: number; done: boolean }> = [];
  private tagObjects = new TagObjectCache();

  private total: SeriesPoint[] = [];
  private byScenario = new Map<string, Map<number, SeriesPoint>>();
  private byName = new Map<string, Map<number, SeriesPoint>>();
  private histograms = new Map<string, Array<{ t: number; h: string }>>();
  private vus: Array<{ t: number; vus: number; vusMax: number }> = [];
  private lastVus: number[] = [];
  private lastVusMax: number[] = [];
  private data: Array<{ t: number; sentPerSec: number; receivedPerSec: number }> = [];
  private errorsByStatus = new Map<string, Array<{ t: number; count: number }>>();
  private errorsByCode = new Map<string, Array<{ t: number; count: number }>>();
  private endpoints = new Map<string, EndpointAccumulator>();
  private checks = new Map<string, { passes: number; fails: number }>();
  private publish = new PublishCycleCollector();
  private kept: Record<LimitedTag, KeptValues> = {
    name: new KeptValues(ingestLimits.names),
    scenario: new KeptValues(ingestLimits.scenarios),
    endpoint: new KeptValues(ingestLimits.endpoints),
    status: new KeptValues(ingestLimits.errorKeys),
    error_code: new KeptValues(ingestLimits.errorKeys),
    check: new KeptValues(ingestLimits.checks),
  };

  lines = 0;
  malformed = 0;
  late = 0;
  samples = 0;
  /** Samples whose value is not a finite number ≥ 0 (every metric read here is a count, size or time). */
  invalidValues = 0;
  readonly examples: MalformedLine[] = [];
  readonly watcher: SampleWatcher | undefined;

  constructor(options: AggregatorOptions = {}) {
    this.watcher = options.watcher;
    this.lagSeconds = options.lagSeconds ?? 10;
    this.maxExamples = options.maxExamples ?? 5;
  }

  /** Registers an input (a file, or the live stream); returns its source number. */
  addSource(input: string): number {
    this.sources.push({ input, maxT: Number.NEGATIVE_INFINITY, done: false });
    return this.sources.length - 1;
  }

  endSource(source: number): void {
    this.sources[source].done = true;
  }

  /** Latest second seen from a source (for interleaving several files by time). */
  sourceTime(source: number): number {
    return this.sources[source].maxT;
  }

  addMalformed(source: number, line: number, text: string): void {
    this.malformed++;
    if (this.examples.length < this.maxExamples) {
      this.examples.push({ input: this.sources[source].input, line, text: text.slice(0, 200) });
    }
  }

  /** The live feeder: k6-shaped samples with epoch-millisecond times. */
  addSamples(
    source: number,
    samples: Iterable<{ metric: string; time: number; value: number; tags: Record<string, string> }>,
  ): void {
    for (const s of samples) {
      const id = metricId(s.metric);
      if (id === MetricId.Skip) continue;
      this.add(
        source,
        id,
        s.metric,
        s.time,
        Math.floor(s.time / 1000),
        s.value,
        this.tagObjects.get(s.tags ?? {}),
      );
    }
  }

  /** One sample whose metric, second and tags have already been worked out (the fast path). */
  add(
    source: number,
    id: MetricId,
    metric: string,
    timeMs: number,
    t: number,
    value: number,
    tagInfo: TagInfo,
  ): void {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
      this.invalidValues++;
      return;
    }
    this.samples++;
    const info = this.countedInfo(tagInfo);
    const src = this.sources[source];
    if (t > src.maxT) src.maxT = t;
    if (id === MetricId.Checks) {
      let c = this.checks.get(info.check);
      if (!c) {
        c = { passes: 0, fails: 0 };
        this.checks.set(info.check, c);
      }
      if (value !== 0) c.passes++;
      else c.fails++;
      return;
    }
    if (id === MetricId.Publish) {
      this.publish.add(metric, timeMs, value, info);
      return;
    }
    if (id === MetricId.Reqs || id === MetricId.Duration || id === MetricId.Failed)
      this.addRequestSample(id, value, info);
    if (this.nextT !== null && t < this.nextT) {
      this.late++;
      return;
    }
    let bucket = this.buckets.get(t);
    if (!bucket) {
      bucket = new Bucket(t);
      this.buckets.set(t, bucket);
      if (this.firstT === null || t < this.firstT) this.firstT = t;
    }
    switch (id) {
      case MetricId.Reqs: {
        const n = value;
        bucket.total.reqs += n;
        const sc = keyStats(bucket.byScenario, info.scenario);
        const nm = keyStats(bucket.byName, info.name);
        sc.reqs += n;
        nm.reqs += n;
        if (info.statusFailed) {
          bucket.total.statusFailed += n;
          sc.statusFailed += n;
          nm.statusFailed += n;
          inc(bucket.statusErrorsByStatus, info.status);
          if (info.errorCode) inc(bucket.statusErrorsByCode, info.errorCode);
        }
        break;
      }
      case MetricId.Duration:
        bucket.total.addDuration(value);
        keyStats(bucket.byScenario, info.scenario).addDuration(value);
        keyStats(bucket.byName, info.name).addDuration(value);
        break;
      case MetricId.Failed: {
        const failed = value !== 0 ? 1 : 0;
        bucket.flagSamples++;
        for (const stats of [
          bucket.total,
          keyStats(bucket.byScenario, info.scenario),
          keyStats(bucket.byName, info.name),
        ]) {
          stats.flagSamples++;
          stats.flagFailed += failed;
        }
        if (failed) {
          inc(bucket.flagErrorsByStatus, info.status);
          if (info.errorCode) inc(bucket.flagErrorsByCode, info.errorCode);
        }
        break;
      }
      case MetricId.Vus:
        bucket.vus[source] = value;
        break;
      case MetricId.VusMax:
        bucket.vusMax[source] = value;
        break;
      case MetricId.Sent:
        bucket.sent += value;
        break;
      case MetricId.Received:
        bucket.received += value;
        break;
    }
  }

  /**
   * `info` with tag values beyond their limits folded into otherKey, worked out once per tag set
   * and kept on it (a parser's or TagObjectCache's tag sets belong to one aggregator).
   */
  private countedInfo(info: TagInfo): TagInfo {
    let out = info.counted;
    if (out) return out;
    const name = this.kept.name.key(info.name);
    const scenario = this.kept.scenario.key(info.scenario);
    const endpoint = this.kept.endpoint.key(`${name}\u0000${scenario}\u0000${info.method}`);
    out = {
      ...info,
      name,
      scenario,
      endpoint,
      method: endpoint === otherKey ? '' : info.method,
      status: this.kept.status.key(info.status),
      errorCode: info.errorCode && this.kept.error_code.key(info.errorCode),
      check: this.kept.check.key(info.check),
    };
    info.counted = out;
    out.counted = out;
    return out;
  }

  /** Sentences on what was left out or counted together, for the record and the report. */
  notes(): string[] {
    const notes: string[] = [];
    for (const [tag, what] of Object.entries(limitedTags) as Array<[LimitedTag, string]>) {
      const kept = this.kept[tag];
      if (kept.folded === 0) continue;
      notes.push(
        `More than ${kept.limit.toLocaleString('en')} distinct ${what}: the others are counted together as "${otherKey}".` +
          (tag === 'name' || tag === 'endpoint'
            ? ' Give requests whose URL holds an id a `name` tag so they group (https://grafana.com/docs/k6/latest/using-k6/http-requests/#url-grouping).'
            : ''),
      );
    }
    if (this.publish.dropped > 0) {
      notes.push(
        `More than ${maxPublishCycles.toLocaleString('en')} publish cycles (distinct \`cycle\` tags): ${this.publish.dropped.toLocaleString('en')} samples of later cycles are not counted.`,
      );
    }
    if (this.invalidValues > 0) {
      notes.push(
        `${this.invalidValues.toLocaleString('en')} samples were skipped: their value is not a finite number ≥ 0 (e.g. 1e999 or a negative duration).`,
      );
    }
    return notes;
  }

  private addRequestSample(id: MetricId, value: number, info: TagInfo): void {
    let ep = this.endpoints.get(info.endpoint);
    if (!ep) {
      ep = new EndpointAccumulator(info.name, info.scenario, info.method);
      this.endpoints.set(info.endpoint, ep);
    }
    if (id === MetricId.Reqs) {
      ep.reqs += value;
      if (info.statusFailed) ep.statusFailed += value;
    } else if (id === MetricId.Duration) {
      ep.addDuration(value);
    } else {
      ep.flagSamples++;
      if (value !== 0) ep.flagFailed++;
    }
  }

  /** Writes out every bucket all live sources have moved `lagSeconds` past. */
  flush(): void {
    let watermark = Number.POSITIVE_INFINITY;
    for (const s of this.sources) if (!s.done) watermark = Math.min(watermark, s.maxT - this.lagSeconds);
    this.compactBefore(watermark);
  }

  private compactBefore(watermark: number): void {
    if (this.buckets.size === 0 || this.firstT === null) return;
    const ready = [...this.buckets.keys()].filter((t) => t < watermark).sort((a, b) => a - b);
    for (const t of ready) {
      if (this.nextT === null) this.nextT = this.firstT;
      this.checkTime(t);
      for (let gap = this.nextT; gap < t; gap++) this.writeEmpty(gap);
      this.writeBucket(this.buckets.get(t)!);
      this.buckets.delete(t);
      this.nextT = t + 1;
    }
  }

  /** Refuses a gap or a span the series cannot hold (one point per second) before filling it. */
  private checkTime(t: number): void {
    const previous = (this.nextT ?? t) - 1;
    if (this.total.length > 0 && t - previous > ingestLimits.gapSeconds) {
      throw new IngestInputError(
        `The samples jump from ${utcSecond(previous)} to ${utcSecond(t)} with nothing in between, more than ` +
          `${ingestLimits.gapSeconds / 3600} hour without a sample: these are not one run. Ingest each run's files on their own. Nothing was written.`,
      );
    }
    if (this.firstT !== null && t - this.firstT > ingestLimits.spanSeconds) {
      throw new IngestInputError(
        `The samples span from ${utcSecond(this.firstT)} to ${utcSecond(t)}, longer than a run can be (a week and an hour): ` +
          'these are not one run. Ingest each run on its own. Nothing was written.',
      );
    }
  }

  /**
   * Gauge total of a second: each source's last value in the bucket. A source that has no sample
   * in this second (its 1 s ticker jittered across the boundary) keeps its previous value while it
   * is still sending data, so a held VU level shows as flat.
   */
  private gauge(t: number, values: number[], last: number[]): number {
    let total = 0;
    for (let i = 0; i < this.sources.length; i++) {
      if (values[i] !== undefined) {
        last[i] = values[i];
        total += values[i];
      } else if (last[i] !== undefined && t < this.sources[i].maxT) {
        total += last[i];
      }
    }
    return total;
  }

  private writeEmpty(t: number): void {
    this.total.push(emptyPoint(t));
    this.vus.push({ t, vus: this.gauge(t, [], this.lastVus), vusMax: this.gauge(t, [], this.lastVusMax) });
    this.data.push({ t, sentPerSec: 0, receivedPerSec: 0 });
  }

  private writeBucket(b: Bucket): void {
    const t = b.t;
    this.total.push(point(t, b.total));
    for (const [key, stats] of b.byScenario) {
      series(this.byScenario, key).set(t, point(t, stats));
      if (stats.hist) {
        let list = this.histograms.get(key);
        if (!list) {
          list = [];
          this.histograms.set(key, list);
        }
        list.push({ t, h: encodeHistogram(stats.hist) });
      }
    }
    for (const [key, stats] of b.byName) series(this.byName, key).set(t, point(t, stats));
    this.vus.push({
      t,
      vus: this.gauge(t, b.vus, this.lastVus),
      vusMax: this.gauge(t, b.vusMax, this.lastVusMax),
    });
    this.data.push({ t, sentPerSec: b.sent, receivedPerSec: b.received });
    const useFlag = b.flagSamples > 0;
    for (const [map, out] of [
      [useFlag ? b.flagErrorsByStatus : b.statusErrorsByStatus, this.errorsByStatus],
      [useFlag ? b.flagErrorsByCode : b.statusErrorsByCode, this.errorsByCode],
    ] as const) {
      for (const [key, count] of map) {
        let list = out.get(key);
        if (!list) {
          list = [];
          out.set(key, list);
        }
        list.push({ t, count });
      }
    }
    for (const stats of [b.total, ...b.byScenario.values(), ...b.byName.values()]) {
      if (stats.hist) releaseHistogram(stats.hist);
    }
  }

  /** Publish cycles seen so far (also used for live progress). */
  publishCycles(): PublishCycle[] {
    return this.publish.cyclesSoFar();
  }

  /** The last written second of the total series, for live progress. */
  latestPoints(count: number): SeriesPoint[] {
    return this.total.slice(-count);
  }

  latestVus(): number {
    return this.vus.length ? this.vus[this.vus.length - 1].vus : 0;
  }

  /** Writes out all remaining buckets and returns the run's aggregates. */
  finish(): IngestResult {
    for (const s of this.sources) s.done = true;
    this.compactBefore(Number.POSITIVE_INFINITY);
    const start = this.total.length ? this.total[0].t : 0;
    const end = this.total.length ? this.total[this.total.length - 1].t : 0;
    const seconds = this.total.length || 1;
    const align = (map: Map<number, SeriesPoint>) => this.total.map((p) => map.get(p.t) ?? emptyPoint(p.t));
    const endpoints: EndpointStats[] = [...this.endpoints.values()]
      .map((ep) => {
        const hist = ep.hist;
        return {
          name: ep.name,
          scenario: ep.scenario,
          method: ep.method,
          count: ep.reqs,
          failed: ep.failed(),
          rps: ep.reqs / seconds,
          avg: ep.count > 0 ? ep.sum / ep.count : 0,
          p50: hist ? percentileMs(hist, 50) : 0,
          p90: hist ? percentileMs(hist, 90) : 0,
          p95: hist ? percentileMs(hist, 95) : 0,
          p99: hist ? percentileMs(hist, 99) : 0,
          max: ep.max,
        };
      })
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    const series: TimeSeries = {
      start,
      end,
      stepSeconds: 1,
      total: this.total,
      byScenario: Object.fromEntries([...this.byScenario].map(([k, m]) => [k, align(m)])),
      byName: Object.fromEntries([...this.byName].map(([k, m]) => [k, align(m)])),
      vus: this.vus,
      data: this.data,
      errorsByStatus: Object.fromEntries(this.errorsByStatus),
      errorsByCode: Object.fromEntries(this.errorsByCode),
      endpoints,
      malformedLines: this.malformed,
      inputs: this.sources.map((s) => s.input),
      malformedExamples: this.examples,
      lines: this.lines || undefined,
      lateSamples: this.late,
      latencyPrecision,
      histograms: Object.fromEntries(this.histograms),
    };
    const notes = this.notes();
    if (notes.length) series.notes = notes;
    if (this.invalidValues) series.invalidValues = this.invalidValues;
    const checks = [...this.checks]
      .map(([name, c]) => ({ name, ...c }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { series, publishCycles: this.publish.cyclesSoFar(), checks };
  }
}

function series(map: Map<string, Map<number, SeriesPoint>>, key: string): Map<number, SeriesPoint> {
  let m = map.get(key);
  if (!m) {
    m = new Map();
    map.set(key, m);
  }
  return m;
}
