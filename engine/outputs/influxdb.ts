// `--out influxdb[=http://host:8086/db]`: k6's InfluxDB v1 output, with k6's settings
// (K6_INFLUXDB_* variables) and layout, as documented at
// https://grafana.com/docs/k6/latest/results-output/real-time/influxdb/ :
//   - one point per sample: measurement = the metric's name, tags = the sample's tags, field
//     `value`; the tags named in K6_INFLUXDB_TAGS_AS_FIELDS (default vu, iter, url; `name:type`
//     with type string, int, float or bool) become fields instead;
//   - the points gathered in each push interval (K6_INFLUXDB_PUSH_INTERVAL, 1s) are written in one
//     request, at most K6_INFLUXDB_CONCURRENT_WRITES (4) requests at a time;
//   - the database (default k6) is created when the output starts; failing to is not an error (the
//     user may lack the right on an existing database), as in k6.
// Written as InfluxDB 1.x line protocol (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
// UDP, K6_INFLUXDB_PROXY, K6_INFLUXDB_RETENTION / _CONSISTENCY are refused rather than ignored;
// credentials come only from K6_INFLUXDB_USERNAME / _PASSWORD (a URL holding them is refused).
import { InvalidOptionsError } from '../metrics/errors.ts';
import { parseDuration } from '../metrics/time.ts';
import type { Sample } from '../metrics/types.ts';
import type { Output, OutputDeps, OutputType } from './output.ts';
import { basicAuth, boolSetting, describeRequestError, httpClient, Pusher, post } from './remote.ts';

const REQUEST_TIMEOUT_MS = 10_000;
/** Lines held while the server is slower than the test; older lines are dropped (and counted) past it. */
const MAX_PENDING_LINES = 2_000_000;
/** Points per request, so that one write stays a few MB. */
const LINES_PER_WRITE = 20_000;

type FieldType = 'string' | 'int' | 'float' | 'bool';
const PRECISIONS: Record<string, number> = {
  ns: 1e6,
  u: 1e3,
  us: 1e3,
  µs: 1e3,
  ms: 1,
  s: 1e-3,
  m: 1e-3 / 60,
  h: 1e-3 / 3600,
};

export interface InfluxSettings {
  /** Origin, e.g. http://127.0.0.1:8086. */
  addr: string;
  db: string;
  precision: string;
  pushIntervalMs: number;
  concurrentWrites: number;
  tagsAsFields: Map<string, FieldType>;
  insecure: boolean;
  authorization?: string;
}

/** The output's settings from `--out influxdb=URL` and the K6_INFLUXDB_* variables. */
export function influxSettings(target: string, env: Record<string, string | undefined>): InfluxSettings {
  const get = (name: string) => {
    const v = env[`K6_INFLUXDB_${name}`];
    return v === undefined || v === '' ? undefined : v;
  };
  for (const name of ['PROXY', 'RETENTION', 'CONSISTENCY', 'PAYLOAD_SIZE']) {
    if (get(name) !== undefined)
      throw new InvalidOptionsError(
        `K6_INFLUXDB_${name} is set, but this engine's influxdb output does not support it; unset it or use k6.`,
      );
  }
  const text = target || get('ADDR') || 'http://localhost:8086';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidOptionsError(
      `--out influxdb="${text}" is not a URL; write it like http://localhost:8086/k6.`,
    );
  }
  if (url.protocol === 'udp:')
    throw new InvalidOptionsError(
      '--out influxdb over UDP is not supported by this engine; use an http(s) URL.',
    );
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidOptionsError(
      `--out influxdb="${text}" must be an http(s) URL such as http://localhost:8086/k6.`,
    );
  if (url.username || url.password)
    throw new InvalidOptionsError(
      '--out influxdb must not carry credentials in its URL; set K6_INFLUXDB_USERNAME and K6_INFLUXDB_PASSWORD instead.',
    );
  const fromPath = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const db = fromPath || get('DB') || 'k6';
  if (/["\n\\]/.test(db))
    throw new InvalidOptionsError(
      `The InfluxDB database name "${db}" holds a character InfluxQL cannot quote.`,
    );
  const precision = url.searchParams.get('precision') || get('PRECISION') || 'ns';
  if (!Object.hasOwn(PRECISIONS, precision))
    throw new InvalidOptionsError(`K6_INFLUXDB_PRECISION "${precision}" is not one of ns, u, ms, s, m, h.`);
  const pushIntervalMs = parseDuration(get('PUSH_INTERVAL') ?? '1s', 'K6_INFLUXDB_PUSH_INTERVAL');
  if (!(pushIntervalMs > 0))
    throw new InvalidOptionsError('K6_INFLUXDB_PUSH_INTERVAL must be longer than 0s.');
  const writes = get('CONCURRENT_WRITES') ?? '4';
  if (!/^\d+$/.test(writes) || Number(writes) < 1)
    throw new InvalidOptionsError(
      `K6_INFLUXDB_CONCURRENT_WRITES must be a positive whole number, got "${writes}".`,
    );
  const tagsAsFields = new Map<string, FieldType>();
  for (const entry of (get('TAGS_AS_FIELDS') ?? 'vu,iter,url')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, type = 'string'] = entry.split(':');
    if (!['string', 'int', 'float', 'bool'].includes(type))
      throw new InvalidOptionsError(
        `K6_INFLUXDB_TAGS_AS_FIELDS entry "${entry}" has an unknown type; use name, name:string, name:int, name:float or name:bool.`,
      );
    if (tagsAsFields.has(name))
      throw new InvalidOptionsError(`K6_INFLUXDB_TAGS_AS_FIELDS names the tag "${name}" more than once.`);
    tagsAsFields.set(name, type as FieldType);
  }
  const user = get('USERNAME');
  return {
    addr: url.origin,
    db,
    precision,
    pushIntervalMs,
    concurrentWrites: Number(writes),
    tagsAsFields,
    insecure: boolSetting('K6_INFLUXDB_INSECURE', get('INSECURE'), false),
    authorization: user === undefined ? undefined : basicAuth(user, get('PASSWORD') ?? ''),
  };
}

// Line protocol escaping: measurement names escape commas and spaces; tag keys, tag values and
// field keys also escape '='; string field values are double-quoted with '"' and '\' escaped.
// Line breaks cannot be escaped at all: they become spaces.
const escMeasurement = (s: string) => s.replace(/[\r\n]/g, ' ').replace(/[, ]/g, (c) => `\\${c}`);
const escKey = (s: string) => s.replace(/[\r\n]/g, ' ').replace(/[,= ]/g, (c) => `\\${c}`);
const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** Line protocol for one sample, or null when InfluxDB cannot hold its value (NaN, ±Infinity). */
export function sampleLine(
  sample: Sample,
  s: Pick<InfluxSettings, 'tagsAsFields' | 'precision'>,
  tagPart: string,
  fieldPart: string,
  stamp = timestamp(sample.time, s.precision),
): string | null {
  if (!Number.isFinite(sample.value)) return null;
  let measurement = measurements.get(sample.metric);
  if (measurement === undefined) {
    measurement = escMeasurement(sample.metric);
    measurements.set(sample.metric, measurement);
  }
  return `${measurement}${tagPart} value=${sample.value}${fieldPart} ${stamp}`;
}

/** Escaped measurement names, one per metric. */
const measurements = new Map<string, string>();

/**
 * Nanosecond timestamps that keep every sample a point of its own. InfluxDB keeps one point per
 * measurement, tag set and timestamp (a second write replaces the first); k6 stamps samples with
 * its nanosecond clock, so two requests with the same tags practically never share one, but this
 * engine's sample times are whole milliseconds. A sample whose series already has a point at or
 * after its time within the same millisecond is moved 1 ns past that point: it stays within its
 * millisecond, and no sample overwrites another.
 */
export class UniqueStamps {
  /** metric → tag part → the last stamp given (the tag part string is shared by a request's samples). */
  private readonly last = new Map<string, Map<string, { ms: number; ns: number }>>();

  stamp(metric: string, tagPart: string, time: number): string {
    let ms = Math.floor(time);
    let ns = Math.round((time - ms) * 1e6);
    if (ns >= 1e6) {
      ms += 1;
      ns -= 1e6;
    }
    let byTags = this.last.get(metric);
    if (!byTags) {
      byTags = new Map();
      this.last.set(metric, byTags);
    }
    const prev = byTags.get(tagPart);
    if (prev) {
      if (prev.ms === ms && ns <= prev.ns && prev.ns < 999_999) ns = prev.ns + 1;
      prev.ms = ms;
      prev.ns = ns;
    } else byTags.set(tagPart, { ms, ns });
    return ms + (ns < 100_000 ? String(ns).padStart(6, '0') : String(ns));
  }
}

/** Escaped tag keys and values: the same few strings come back with every request. */
const escaped = new Map<string, string>();
function escCached(s: string): string {
  let e = escaped.get(s);
  if (e === undefined) {
    e = escKey(s);
    if (escaped.size > 50_000) escaped.clear(); // unbounded tag values (ids in URLs) must not grow it
    escaped.set(s, e);
  }
  return e;
}
/** The sorted key order of a tag set's shape (its keys in insertion order), which rarely changes. */
const sortedKeys = new Map<string, string[]>();

/** The `,k=v` tag part and the `,k=v` extra fields of a tag set (k6's tags-as-fields split). */
export function encodeTags(
  tags: Record<string, string>,
  tagsAsFields: Map<string, FieldType>,
): { tagPart: string; fieldPart: string } {
  let tagPart = '';
  let fieldPart = '';
  const keys = Object.keys(tags);
  const shape = keys.join('\u0000');
  let order = sortedKeys.get(shape);
  if (order === undefined) {
    order = keys.sort();
    if (sortedKeys.size > 1000) sortedKeys.clear();
    sortedKeys.set(shape, order);
  }
  for (const key of order) {
    const value = tags[key];
    const type = tagsAsFields.get(key);
    if (type !== undefined) {
      fieldPart += `,${escCached(key)}=${fieldValue(value, type)}`;
    } else if (value !== '') {
      tagPart += `,${escCached(key)}=${escCached(value)}`;
    }
  }
  return { tagPart, fieldPart };
}

/** A tag as a field of its type; a value that does not parse as the type stays a string, as in k6. */
function fieldValue(value: string, type: FieldType): string {
  if (type === 'int' && /^-?\d+$/.test(value)) return `${value}i`;
  if (type === 'float' && value.trim() !== '' && Number.isFinite(Number(value))) return String(Number(value));
  if (type === 'bool' && /^(true|false)$/i.test(value)) return value.toLowerCase();
  return quoted(value);
}

/** Epoch ms (with a fraction) as an integer in the chosen precision, exact to the ns for ns. */
export function timestamp(ms: number, precision: string): string {
  if (precision === 'ns' || precision === 'u' || precision === 'us' || precision === 'µs') {
    const whole = Math.floor(ms);
    const digits = precision === 'ns' ? 6 : 3;
    let frac = Math.round((ms - whole) * 10 ** digits);
    let w = whole;
    if (frac >= 10 ** digits) {
      w += 1;
      frac -= 10 ** digits;
    }
    return `${w}${String(frac).padStart(digits, '0')}`;
  }
  return String(Math.floor(ms * PRECISIONS[precision]));
}

class InfluxOutput implements Output {
  private pending: string[] = [];
  private readonly pusher: Pusher;
  private readonly client;
  private readonly writeUrl: string;
  private readonly headers: Record<string, string>;
  private lastTags: Record<string, string> | undefined;
  private lastEncoded = { tagPart: '', fieldPart: '' };
  private dropped = 0;
  private skipped = 0;
  private readonly stamps = new UniqueStamps();

  constructor(
    private readonly s: InfluxSettings,
    private readonly deps: OutputDeps,
  ) {
    this.client = httpClient(s.insecure);
    this.writeUrl = `${s.addr}/write?db=${encodeURIComponent(s.db)}&precision=${encodeURIComponent(s.precision === 'µs' || s.precision === 'us' ? 'u' : s.precision)}`;
    this.headers = {
      'Content-Type': 'text/plain; charset=utf-8',
      'User-Agent': 'connect-perf-engine',
      ...(s.authorization ? { Authorization: s.authorization } : {}),
    };
    this.pusher = new Pusher({
      name: `influxdb (${s.addr}, database ${s.db})`,
      intervalMs: s.pushIntervalMs,
      concurrency: s.concurrentWrites,
      log: deps.log,
      hasPending: () => this.pending.length > 0,
      push: () => this.push(),
    });
  }

  /** CREATE DATABASE is idempotent in InfluxDB 1.x; a failure is only worth a line, as in k6. */
  async createDatabase(): Promise<void> {
    const body = `q=${encodeURIComponent(`CREATE DATABASE "${this.s.db}"`)}`;
    try {
      const res = await post(
        this.client,
        `${this.s.addr}/query`,
        { ...this.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        REQUEST_TIMEOUT_MS,
      );
      if (res.status >= 300)
        this.deps.log(
          'warning',
          `influxdb: could not create database ${this.s.db} (HTTP ${res.status}); writing to it anyway.`,
        );
    } catch (err) {
      this.deps.log(
        'warning',
        `influxdb: could not create database ${this.s.db} (${describeRequestError(err)}); writing to it anyway.`,
      );
    }
  }

  add(batch: Sample[]): void {
    for (const sample of batch) {
      if (sample.tags !== this.lastTags) {
        this.lastTags = sample.tags;
        this.lastEncoded = encodeTags(sample.tags, this.s.tagsAsFields);
      }
      const { tagPart, fieldPart } = this.lastEncoded;
      const line = sampleLine(
        sample,
        this.s,
        tagPart,
        fieldPart,
        this.s.precision === 'ns' ? this.stamps.stamp(sample.metric, tagPart, sample.time) : undefined,
      );
      if (line === null) this.skipped++;
      else this.pending.push(line);
    }
    if (this.pending.length > MAX_PENDING_LINES) {
      const over = this.pending.length - MAX_PENDING_LINES;
      this.pending.splice(0, over);
      this.dropped += over;
      this.pusher.fail(`the server is slower than the test; ${over} points were dropped`);
    }
  }

  async close(): Promise<void> {
    await this.pusher.close();
    await this.client.close();
    if (this.dropped > 0)
      this.deps.log(
        'error',
        `influxdb: ${this.dropped} points were not written because of the failures above.`,
      );
    if (this.skipped > 0)
      this.deps.log(
        'warning',
        `influxdb: ${this.skipped} samples with a NaN or infinite value were not written (InfluxDB cannot store them).`,
      );
  }

  private async push(): Promise<boolean> {
    if (this.pending.length === 0) return false;
    const lines = this.pending.splice(0, LINES_PER_WRITE);
    let res: { status: number; text: string };
    try {
      res = await post(this.client, this.writeUrl, this.headers, `${lines.join('\n')}\n`, REQUEST_TIMEOUT_MS);
    } catch (err) {
      this.dropped += lines.length;
      throw new Error(`writing ${lines.length} points failed (${describeRequestError(err)})`);
    }
    if (res.status >= 300) {
      this.dropped += lines.length;
      const hint =
        res.status === 401 || res.status === 403
          ? '; check K6_INFLUXDB_USERNAME and K6_INFLUXDB_PASSWORD'
          : '';
      throw new Error(
        `writing ${lines.length} points answered HTTP ${res.status}: ${res.text.trim().replace(/\s+/g, ' ')}${hint}`,
      );
    }
    return true;
  }
}

export const influxdbOutput: OutputType = {
  usage: '--out influxdb=http://localhost:8086/k6 (K6_INFLUXDB_* variables for the rest)',
  async open(target, deps) {
    const output = new InfluxOutput(influxSettings(target, deps.env), deps);
    await output.createDatabase();
    return output;
  },
};
