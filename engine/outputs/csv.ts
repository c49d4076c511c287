// `--out csv[=FILE]`: k6's CSV results file (k6 docs:
// https://grafana.com/docs/k6/latest/results-output/real-time/csv/). One header line, then one line
// per sample:
//
//   metric_name,timestamp,metric_value,<the enabled system tags, sorted>,extra_tags,metadata
//
// The system tag columns are the test's system tags (k6's default set, or options.systemTags /
// --system-tags) in alphabetical order, without `vu` and `iter` (k6 never gives those a column);
// every other tag goes to extra_tags as `name=value` pairs joined by `&`, and the sample's
// metadata the same way to the last column. The value is written with six decimals and the time
// as Unix seconds unless timeFormat says otherwise (unix, unix_milli, unix_micro, unix_nano,
// rfc3339, rfc3339_nano). Fields are quoted as RFC 4180 asks (a comma, a quote, a line break, or a
// leading space). The target is `FILE`, or `fileName=FILE,timeFormat=…,saveInterval=…`;
// K6_CSV_FILENAME, K6_CSV_TIME_FORMAT and K6_CSV_SAVE_INTERVAL set the same (the argument wins).
// With no file name the output is `file.csv`, "-" is stdout, a name ending in ".gz" is
// gzip-compressed (./text-file.ts writes it).

import { goTime } from '../go-time.ts';
import { checkDuration } from '../limits.ts';
import type { Sample } from '../metrics/types.ts';
import type { Output, OutputType } from './output.ts';
import { TextFile } from './text-file.ts';

/** Tags that never get a column of their own: one value per VU or iteration. */
const NO_COLUMN = new Set(['vu', 'iter']);

const TIME_FORMATS: Record<string, (ms: number) => string> = {
  unix: (ms) => String(Math.floor(ms / 1000)),
  unix_milli: (ms) => String(Math.floor(ms)),
  unix_micro: (ms) => String(Math.floor(ms * 1000)),
  unix_nano: (ms) => (BigInt(Math.floor(ms * 1000)) * 1000n).toString(),
  // Go's time.RFC3339 and RFC3339Nano in the local zone, as k6 formats its sample times.
  rfc3339: (ms) => goTime(Math.floor(ms / 1000) * 1000),
  rfc3339_nano: (ms) => goTime(ms),
};

interface CsvConfig {
  fileName: string;
  timeFormat: string;
}

/** The output's settings from K6_CSV_* and the `--out csv=…` argument (which wins). */
export function csvConfig(target: string, env: Record<string, string | undefined>): CsvConfig {
  const config: CsvConfig = { fileName: 'file.csv', timeFormat: 'unix' };
  const fromEnv: Record<string, string | undefined> = {
    fileName: env.K6_CSV_FILENAME,
    timeFormat: env.K6_CSV_TIME_FORMAT,
    saveInterval: env.K6_CSV_SAVE_INTERVAL,
  };
  const fromArg: Record<string, string> = {};
  if (target !== '' && !target.includes('=')) fromArg.fileName = target;
  else if (target !== '') {
    for (const pair of target.split(',')) {
      const at = pair.indexOf('=');
      const key = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      if (value === '')
        throw new Error(
          `--out csv: cannot read "${pair}"; write key=value pairs (fileName, timeFormat, saveInterval).`,
        );
      if (!['fileName', 'timeFormat', 'saveInterval'].includes(key))
        throw new Error(
          `--out csv: unknown key "${key}"; the keys are fileName, timeFormat and saveInterval.`,
        );
      fromArg[key] = value;
    }
  }
  for (const source of [fromEnv, fromArg]) {
    if (source.fileName) config.fileName = source.fileName;
    if (source.timeFormat) config.timeFormat = source.timeFormat;
    // How often k6 writes its buffer; here text is written every 200 ms whatever it says, so
    // only its form is checked.
    if (source.saveInterval) checkDuration(source.saveInterval, 'csv saveInterval');
  }
  if (!TIME_FORMATS[config.timeFormat])
    throw new Error(
      `--out csv: timeFormat "${config.timeFormat}" is not one of ${Object.keys(TIME_FORMATS).join(', ')}.`,
    );
  return config;
}

export class CsvOutput implements Output {
  private readonly columns: string[];
  private readonly inColumns: Set<string>;
  private readonly time: (ms: number) => string;
  private dropped = 0;

  constructor(
    private readonly file: TextFile,
    systemTags: readonly string[],
    timeFormat: string,
  ) {
    this.columns = systemTags.filter((t) => !NO_COLUMN.has(t)).sort();
    this.inColumns = new Set(this.columns);
    this.time = TIME_FORMATS[timeFormat];
    file.append(
      `${['metric_name', 'timestamp', 'metric_value', ...this.columns, 'extra_tags', 'metadata'].join(',')}\n`,
    );
  }

  add(samples: Sample[]): void {
    if (this.file.broken) {
      this.dropped += samples.length;
      return;
    }
    let out = '';
    for (const s of samples) {
      const tags = s.tags ?? {};
      let line = `${field(s.metric)},${this.time(s.time)},${decimal(s.value)}`;
      for (const c of this.columns) line += `,${field(tags[c] ?? '')}`;
      line += `,${field(this.pairs(tags))},${field(this.pairs(s.metadata ?? {}))}\n`;
      out += line;
    }
    this.file.append(out);
  }

  close(): Promise<void> {
    return this.file.close(() => this.dropped);
  }

  /** `name=value` pairs joined by `&`, leaving out what has a column of its own. */
  private pairs(values: Record<string, string>): string {
    let text = '';
    for (const k in values) {
      if (this.inColumns.has(k)) continue;
      text += `${text === '' ? '' : '&'}${k}=${values[k]}`;
    }
    return text;
  }
}

/** One CSV field, quoted when RFC 4180 (and Go's encoding/csv, which k6 writes with) quotes it. */
function field(value: string): string {
  if (value === '') return value;
  if (!/[",\r\n]|^\s/.test(value) && value !== '\\.') return value;
  return `"${value.replace(/"/g, '""')}"`;
}

/** Go's %f: six decimals; NaN and the infinities as Go writes them. */
function decimal(value: number): string {
  if (Number.isFinite(value)) return value.toFixed(6);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

export const csvOutput: OutputType = {
  usage: '--out csv=results.csv (or fileName=…,timeFormat=…; .gz compresses, - is stdout)',
  open: async (target, deps) => {
    const config = csvConfig(target, deps.env);
    const file = await TextFile.open(config.fileName, 'CSV', (text) => deps.log('error', text));
    return new CsvOutput(file, deps.systemTags, config.timeFormat);
  },
};
