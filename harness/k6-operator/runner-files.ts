// Each runner's share of a distributed run, read from its own NDJSON file: requests, the seconds
// it sent them in, the most VUs it ran and the scenarios it ran. The merge (ingest) adds the files
// up; this keeps them apart so the report can show how the load was split and whether a runner
// fell behind or was lost. One more pass over each file, reading only http_reqs and vus lines.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RunnerShare } from '../record/types.ts';

interface PointLine {
  type?: string;
  metric?: string;
  data?: { time?: string; value?: number; tags?: Record<string, string> };
}

/** The pod a runner file belongs to: the manifests name it `<pod>.ndjson.gz`. */
export function podOfFile(file: string): string {
  return basename(file).replace(/\.ndjson(\.gz)?$/, '');
}

export async function runnerShare(
  file: string,
  end: { exitCode: number | null; lost?: string },
): Promise<RunnerShare> {
  let requests = 0;
  let maxVus = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let instance: number | null = null;
  const scenarios = new Set<string>();
  let stream: Readable = createReadStream(file);
  if (file.endsWith('.gz')) stream = stream.pipe(createGunzip());
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const reqs = line.includes('"http_reqs"');
      if (!reqs && !line.includes('"vus"')) continue;
      let parsed: PointLine;
      try {
        parsed = JSON.parse(line) as PointLine;
      } catch {
        continue;
      }
      const value = parsed.data?.value;
      if (parsed.type !== 'Point' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (parsed.metric === 'vus') maxVus = Math.max(maxVus, value);
      if (parsed.metric !== 'http_reqs') continue;
      requests += value;
      const t = Math.floor(Date.parse(parsed.data?.time ?? '') / 1000);
      if (Number.isFinite(t)) {
        first = Math.min(first, t);
        last = Math.max(last, t);
      }
      const tags = parsed.data?.tags ?? {};
      if (tags.scenario) scenarios.add(tags.scenario);
      if (instance === null && tags.instance_id && /^\d+$/.test(tags.instance_id))
        instance = Number(tags.instance_id);
    }
  } catch {
    // A file damaged beyond repair: what was read before the damage stands (the merge says more).
  }
  return {
    pod: podOfFile(file),
    instance,
    exitCode: end.exitCode,
    ...(end.lost ? { lost: end.lost } : {}),
    requests,
    reqPerSec: Number.isFinite(first) ? requests / (last - first + 1) : null,
    maxVus,
    scenarios: [...scenarios].sort(),
  };
}
