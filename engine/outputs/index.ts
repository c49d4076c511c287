// The outputs `--out TYPE[=TARGET]` can name. A new output is one file implementing OutputType
// plus one line here.
import { csvOutput } from './csv.ts';
import { influxdbOutput } from './influxdb.ts';
import { jsonOutput } from './json.ts';
import type { Output, OutputDeps, OutputType } from './output.ts';
import { parseOuts } from './parse-out.ts';
import { prometheusRwOutput } from './prometheus-rw.ts';

export const OUTPUTS: Record<string, OutputType> = {
  json: jsonOutput,
  'experimental-prometheus-rw': prometheusRwOutput,
  influxdb: influxdbOutput,
  csv: csvOutput,
};

/** Opens every `--out` given; when one fails, those already open are closed and the error rethrown. */
export async function openOutputs(values: string[], deps: OutputDeps): Promise<Output[]> {
  const opened: Output[] = [];
  try {
    for (const spec of parseOuts(values, OUTPUTS))
      opened.push(await OUTPUTS[spec.type].open(spec.target, deps));
  } catch (err) {
    await Promise.allSettled(opened.map((o) => o.close()));
    throw err;
  }
  return opened;
}
