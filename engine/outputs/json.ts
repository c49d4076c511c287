// `--out json=FILE`: k6's NDJSON stream (k6 docs: https://grafana.com/docs/k6/latest/results-output/real-time/json/). A Metric line announces each metric
// just before its first Point; every sample is one Point line. Lines are built by string
// concatenation (no per-sample JSON.stringify of the whole object) and written by ./text-file.ts
// (a file, .gz, or stdout; a failed write ends the output and the run exits with outputFailed).

import { goTime } from '../go-time.ts';
import type { MetricInfo, Sample } from '../metrics/types.ts';
import type { Output, OutputType } from './output.ts';
import { TextFile } from './text-file.ts';

export class JsonOutput implements Output {
  private readonly seen = new Set<string>();
  private readonly quotedNames = new Map<string, string>();
  private lastTags: Record<string, string> | undefined;
  private lastTagsJson = '{}';
  private lastMetadata: Record<string, string> | undefined;
  private lastMetadataJson = '';
  /** Samples not written because the output had already failed. */
  private dropped = 0;

  private constructor(
    private readonly file: TextFile,
    private readonly getInfo: (metric: string) => MetricInfo,
  ) {}

  /** `target` "" or "-" writes to stdout; a name ending in ".gz" is gzip-compressed. */
  static async open(
    target: string,
    getInfo: (metric: string) => MetricInfo,
    log: (text: string) => void = () => {},
  ): Promise<JsonOutput> {
    return new JsonOutput(await TextFile.open(target, 'JSON', log), getInfo);
  }

  /** Encodes the samples now (they may be reused afterwards) and writes them on the next flush. */
  add(samples: Sample[]): void {
    if (this.file.broken) {
      this.dropped += samples.length;
      return;
    }
    let out = '';
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      let name = this.quotedNames.get(s.metric);
      if (name === undefined) {
        name = JSON.stringify(s.metric);
        this.quotedNames.set(s.metric, name);
      }
      if (!this.seen.has(s.metric)) {
        this.seen.add(s.metric);
        out += metricLine(this.getInfo(s.metric));
      }
      out +=
        '{"metric":' +
        name +
        ',"type":"Point","data":{"time":"' +
        goTime(s.time) +
        '","value":' +
        (Number.isFinite(s.value) ? String(s.value) : 'null') +
        ',"tags":' +
        this.tagsJson(s.tags) +
        this.metadataJson(s.metadata) +
        '}}\n';
    }
    this.file.append(out);
  }

  /** Writes everything still buffered, then ends the file (stdout stays open). */
  close(): Promise<void> {
    return this.file.close(() => this.dropped);
  }

  /** Samples of one request share one tags object, so the last encoding is usually reusable. */
  private tagsJson(tags: Record<string, string> | undefined): string {
    if (tags !== this.lastTags) {
      this.lastTags = tags;
      this.lastTagsJson = tags ? JSON.stringify(tags) : '{}';
    }
    return this.lastTagsJson;
  }

  /** The `,"metadata":{...}` part, empty when there is none; cached like tags. */
  private metadataJson(metadata: Record<string, string> | undefined): string {
    if (metadata !== this.lastMetadata) {
      this.lastMetadata = metadata;
      this.lastMetadataJson = '';
      if (metadata !== undefined) {
        for (const _ in metadata) {
          this.lastMetadataJson = ',"metadata":' + JSON.stringify(metadata);
          break;
        }
      }
    }
    return this.lastMetadataJson;
  }
}

function metricLine(info: MetricInfo): string {
  const data = {
    name: info.name,
    type: info.type,
    contains: info.contains,
    thresholds: info.thresholds,
    submetrics: info.submetrics,
  };
  return '{"type":"Metric","data":' + JSON.stringify(data) + ',"metric":' + JSON.stringify(info.name) + '}\n';
}

export const jsonOutput: OutputType = {
  usage: '--out json=results.json, --out json=results.json.gz, or --out json for stdout',
  open: (target, deps) =>
    JsonOutput.open(
      target,
      (name) => deps.metricInfo(name),
      (text) => deps.log('error', text),
    ),
};
