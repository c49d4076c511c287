// Turns k6 NDJSON text into aggregator samples without JSON.parse on the hot path. k6 writes
// Point lines as `{"metric":"…","type":"Point","data":{"time":"…","value":…,"tags":{…}…}}`
// (k6 docs: https://grafana.com/docs/k6/latest/results-output/real-time/json/), so the metric name is read first and lines of metrics we do not aggregate
// are skipped untouched. Wanted lines are read field by field; the tag object is cached by its
// text (a request's samples repeat it). Any other shape (other key order, Metric lines) goes
// through JSON.parse, and a line that fails that too is counted as malformed. Lines of skipped
// metrics are not validated. Lines of metrics a SampleWatcher asks for (thresholds declared in
// Metric lines) take the JSON.parse path.
import type { Aggregator } from './aggregator.ts';
import { MetricId, metricId } from './metric-id.ts';
import { type TagInfo, tagInfo } from './tag-info.ts';

const POINT_PREFIX = '{"metric":"';
const AFTER_METRIC = ',"type":"Point","data":{"time":"';
const VALUE_KEY = ',"value":';
const TAGS_KEY = '"tags":';
/** Distinct tag texts tried before scanning the tag object: a request, its check, its iteration. */
const RECENT_TAGS = 6;

/** The metric whose name is s[start, end), without cutting the name out of the line. */
function metricAt(s: string, start: number, end: number): MetricId {
  // No closures here: this runs for every line. Publisher metrics are told by their prefix.
  if (s.charCodeAt(start) === 112) return s.startsWith('publish_', start) ? MetricId.Publish : MetricId.Skip;
  switch (end - start) {
    case 9:
      return s.startsWith('http_reqs', start)
        ? MetricId.Reqs
        : s.startsWith('data_sent', start)
          ? MetricId.Sent
          : MetricId.Skip;
    case 17:
      return s.startsWith('http_req_duration', start) ? MetricId.Duration : MetricId.Skip;
    case 15:
      return s.startsWith('http_req_failed', start) ? MetricId.Failed : MetricId.Skip;
    case 3:
      return s.startsWith('vus', start) ? MetricId.Vus : MetricId.Skip;
    case 7:
      return s.startsWith('vus_max', start) ? MetricId.VusMax : MetricId.Skip;
    case 13:
      return s.startsWith('data_received', start) ? MetricId.Received : MetricId.Skip;
    case 6:
      return s.startsWith('checks', start) ? MetricId.Checks : MetricId.Skip;
    default:
      return MetricId.Skip;
  }
}

export class NdjsonParser {
  private lineNumber = 0;
  /** Tag text → info; the key is also kept as a flat copy so no chunk of the file stays referenced. */
  private tagCache = new Map<string, { raw: string; info: TagInfo }>();
  private recentTags: string[] = [];
  private recentInfo: TagInfo[] = [];
  private recentNext = 0;
  private lastSecondText = '';
  private lastZone = '';
  private lastSecondMs = 0;

  constructor(
    private readonly agg: Aggregator,
    private readonly source: number,
  ) {}

  /** Parses a chunk of whole lines (each ending in \n, the last one possibly not). */
  parseChunk(text: string): void {
    let pos = 0;
    const length = text.length;
    while (pos < length) {
      let end = text.indexOf('\n', pos);
      if (end === -1) end = length;
      this.lineNumber++;
      let lineEnd = end;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      if (lineEnd > pos) this.parseLine(text, pos, lineEnd);
      pos = end + 1;
    }
  }

  /** A line longer than the reader keeps: counted as a line, and as malformed with a sentence. */
  skipLongLine(bytes: number, limit: number): void {
    this.lineNumber++;
    const text = `(a line of ${bytes.toLocaleString('en')} bytes or more, longer than the ${limit.toLocaleString('en')}-byte line limit: skipped)`;
    this.agg.addMalformed(this.source, this.lineNumber, text);
  }

  get lines(): number {
    return this.lineNumber;
  }

  private parseLine(s: string, start: number, end: number): void {
    if (!s.startsWith(POINT_PREFIX, start)) {
      this.slowPath(s, start, end);
      return;
    }
    const nameStart = start + POINT_PREFIX.length;
    const nameEnd = s.indexOf('"', nameStart);
    if (nameEnd === -1 || nameEnd >= end) {
      this.malformed(s, start, end);
      return;
    }
    const id = metricAt(s, nameStart, nameEnd);
    const watcher = this.agg.watcher;
    if (watcher && watcher.watching > 0 && watcher.watches(s.slice(nameStart, nameEnd))) {
      this.slowPath(s, start, end);
      return;
    }
    if (id === MetricId.Skip) return;
    if (!this.fastPath(s, start, end, nameEnd, id)) this.slowPath(s, start, end);
  }

  /** Reads a Point line in k6's own key order; false when the line has another shape. */
  private fastPath(s: string, start: number, end: number, nameEnd: number, id: MetricId): boolean {
    if (s.charCodeAt(end - 1) !== 125 || s.charCodeAt(end - 2) !== 125) return false;
    const timeStart = nameEnd + 1 + AFTER_METRIC.length;
    if (s.slice(nameEnd + 1, timeStart) !== AFTER_METRIC) return false;
    const timeEnd = s.indexOf('"', timeStart);
    if (timeEnd === -1 || timeEnd > end || timeEnd - timeStart < 20) return false;
    // `2026-11-27T08:00:00.123456789+01:00`: whole second, optional fraction, zone.
    let zoneStart = timeStart + 19;
    let fractionMs = 0;
    if (s.charCodeAt(zoneStart) === 46) {
      let scale = 100;
      zoneStart++;
      let c = s.charCodeAt(zoneStart);
      while (c >= 48 && c <= 57) {
        fractionMs += (c - 48) * scale;
        scale /= 10;
        c = s.charCodeAt(++zoneStart);
      }
    }
    let secondMs: number;
    if (this.sameSecond(s, timeStart, zoneStart, timeEnd)) {
      secondMs = this.lastSecondMs;
    } else {
      const secondText = s.slice(timeStart, timeStart + 19);
      const zone = s.slice(zoneStart, timeEnd);
      secondMs = Date.parse(secondText + zone);
      if (Number.isNaN(secondMs)) return false;
      this.lastSecondText = secondText;
      this.lastZone = zone;
      this.lastSecondMs = secondMs;
    }
    if (!s.startsWith(VALUE_KEY, timeEnd + 1)) return false;
    const valueStart = timeEnd + 1 + VALUE_KEY.length;
    const valueEnd = s.indexOf(',', valueStart);
    if (valueEnd === -1 || valueEnd > end || valueEnd === valueStart) return false;
    const value = parseNumber(s, valueStart, valueEnd);
    if (Number.isNaN(value)) return false;
    const tagsStart = valueEnd + 1 + TAGS_KEY.length;
    if (!s.startsWith(TAGS_KEY, valueEnd + 1)) return false;
    const info = this.tagsAt(s, tagsStart, end);
    if (!info) return false;
    const timeMs = secondMs + fractionMs;
    const metric = id === MetricId.Publish ? s.slice(start + POINT_PREFIX.length, nameEnd) : '';
    this.agg.add(this.source, id, metric, timeMs, Math.floor(secondMs / 1000), value, info);
    return true;
  }

  /** Whether the time at `timeStart` falls in the same second (and zone) as the previous one. */
  private sameSecond(s: string, timeStart: number, zoneStart: number, timeEnd: number): boolean {
    const second = this.lastSecondText;
    const zone = this.lastZone;
    if (second === '' || timeEnd - zoneStart !== zone.length) return false;
    // From the seconds digits backwards: they are the ones that change.
    for (let i = 18; i >= 0; i--) if (s.charCodeAt(timeStart + i) !== second.charCodeAt(i)) return false;
    for (let i = 0; i < zone.length; i++)
      if (s.charCodeAt(zoneStart + i) !== zone.charCodeAt(i)) return false;
    return true;
  }

  /**
   * The tag object at `pos`. A complete JSON object that matches the text at `pos` is the whole
   * tag object there, so recently seen tag texts are tried first, then the object is scanned and
   * looked up by its text.
   */
  private tagsAt(s: string, pos: number, end: number): TagInfo | null {
    // slice + === compares with memcmp; startsWith walks the characters and is 10× slower here.
    const recent = this.recentTags;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i];
      const after = s.charCodeAt(pos + r.length);
      // Cheap length test first: the object must end where r ends, before `,"metadata"` or `}`.
      if (
        (after === 44 || after === 125) &&
        s.charCodeAt(pos + r.length - 1) === 125 &&
        s.slice(pos, pos + r.length) === r
      ) {
        return this.recentInfo[i];
      }
    }
    const tagsEnd = objectEnd(s, pos, end);
    if (tagsEnd === -1) return null;
    let entry = this.tagCache.get(s.slice(pos, tagsEnd));
    if (!entry) {
      const raw = Buffer.from(s.slice(pos, tagsEnd), 'utf8').toString('utf8');
      let tags: unknown;
      try {
        tags = raw === 'null' ? {} : JSON.parse(raw);
      } catch {
        return null;
      }
      if (typeof tags !== 'object' || tags === null) return null;
      entry = { raw, info: tagInfo(tags as Record<string, string>) };
      if (this.tagCache.size > 50_000) this.tagCache.clear();
      this.tagCache.set(raw, entry);
    }
    const { raw, info } = entry;
    recent[this.recentNext] = raw;
    this.recentInfo[this.recentNext] = info;
    this.recentNext = (this.recentNext + 1) % RECENT_TAGS;
    return info;
  }

  private slowPath(s: string, start: number, end: number): void {
    const text = s.slice(start, end);
    if (text.trim() === '') return;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      this.malformed(s, start, end);
      return;
    }
    const l = line as {
      type?: unknown;
      metric?: unknown;
      data?: { time?: unknown; value?: unknown; tags?: unknown };
    };
    if (l && l.type === 'Metric' && typeof l.metric === 'string') {
      this.agg.watcher?.declare(l.data);
      return;
    }
    if (
      l?.type !== 'Point' ||
      typeof l.metric !== 'string' ||
      typeof l.data !== 'object' ||
      l.data === null ||
      typeof l.data.time !== 'string' ||
      typeof l.data.value !== 'number'
    ) {
      this.malformed(s, start, end);
      return;
    }
    const id = metricId(l.metric);
    const watcher = this.agg.watcher;
    const watched = watcher !== undefined && watcher.watching > 0 && watcher.watches(l.metric);
    if (id === MetricId.Skip && !watched) return;
    const timeMs = Date.parse(l.data.time);
    if (Number.isNaN(timeMs)) {
      this.malformed(s, start, end);
      return;
    }
    const tags =
      typeof l.data.tags === 'object' && l.data.tags !== null ? (l.data.tags as Record<string, string>) : {};
    // A value JSON cannot hold (1e999 overflows to Infinity) would make the threshold's aggregate
    // Infinity; the aggregator counts such samples as invalid, the watcher never sees them.
    if (watched && Number.isFinite(l.data.value)) watcher.add(l.metric, timeMs, l.data.value, tags);
    if (id === MetricId.Skip) return;
    this.agg.add(this.source, id, l.metric, timeMs, Math.floor(timeMs / 1000), l.data.value, tagInfo(tags));
  }

  private malformed(s: string, start: number, end: number): void {
    this.agg.addMalformed(this.source, this.lineNumber, s.slice(start, Math.min(end, start + 200)));
  }
}

/**
 * The JSON number s[start, end). Plain decimals are read digit by digit: an integer mantissa of
 * at most 15 digits divided by a power of ten is exactly what Number() would give, since both
 * operands are exact and the division is correctly rounded. Anything else goes to Number().
 */
function parseNumber(s: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (s.charCodeAt(i) === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0) {
      decimals = 0;
    } else {
      return Number(s.slice(start, end));
    }
  }
  if (digits === 0 || digits > 15 || decimals === 0) return Number(s.slice(start, end));
  const value = decimals > 0 ? mantissa / POWERS_OF_TEN[decimals] : mantissa;
  return negative ? -value : value;
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** End (exclusive) of the flat JSON object starting at `pos` (or the literal null), -1 if cut short. */
function objectEnd(s: string, pos: number, limit: number): number {
  if (s.startsWith('null', pos)) return pos + 4;
  if (s.charCodeAt(pos) !== 123) return -1;
  let i = pos + 1;
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i++;
      while (i < limit) {
        const d = s.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
    } else if (c === 125) {
      return i + 1;
    }
    i++;
  }
  return -1;
}
