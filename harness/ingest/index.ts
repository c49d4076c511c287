// Streaming ingest of k6 NDJSON results into the run record's time series, publish cycles and
// checks. Several files (k6-operator runners, one per pod) merge into one run: they are read
// side by side, always advancing the file that is furthest behind in time, so the aggregator's
// open window stays a few seconds wide whatever the run length.
import { Aggregator, type AggregatorOptions, type IngestResult } from './aggregator.ts';
import { checkInputFiles } from './inputs.ts';
import { NdjsonParser } from './ndjson-parser.ts';
import { type LongLine, maxLineBytes, readChunks } from './read-chunks.ts';

export {
  Aggregator,
  type AggregatorOptions,
  type IngestResult,
  type MalformedLine,
  type SampleWatcher,
} from './aggregator.ts';
export { latencyPrecision } from './histogram.ts';
export { checkInputFiles, IngestInputError } from './inputs.ts';
export { maxLineBytes } from './read-chunks.ts';

interface OpenInput {
  source: number;
  parser: NdjsonParser;
  chunks: AsyncGenerator<string | LongLine>;
}

export async function ingestFiles(files: string[], options: AggregatorOptions = {}): Promise<IngestResult> {
  if (files.length === 0) throw new Error('No input files: pass one or more k6 NDJSON files (plain or .gz).');
  await checkInputFiles(files);
  const agg = new Aggregator(options);
  const open: OpenInput[] = files.map((file) => {
    const source = agg.addSource(file);
    return { source, parser: new NdjsonParser(agg, source), chunks: readChunks(file) };
  });
  let lines = 0;
  while (open.length) {
    let next = 0;
    for (let i = 1; i < open.length; i++) {
      if (agg.sourceTime(open[i].source) < agg.sourceTime(open[next].source)) next = i;
    }
    const input = open[next];
    const chunk = await input.chunks.next();
    if (chunk.done) {
      agg.endSource(input.source);
      lines += input.parser.lines;
      open.splice(next, 1);
    } else if (typeof chunk.value === 'string') {
      input.parser.parseChunk(chunk.value);
    } else {
      input.parser.skipLongLine(chunk.value.longLine, maxLineBytes);
    }
    agg.flush();
  }
  agg.lines = lines;
  return agg.finish();
}
