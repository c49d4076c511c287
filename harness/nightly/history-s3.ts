// History under an S3 prefix: one object per run (`<prefix><date>_<runId>.json`), so concurrent
// appends can never overwrite each other and a corrupt object only costs its own entry.
import {
  GetObjectCommand,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { type HistoryEntry, type HistoryRead, type HistoryStore, validateEntry } from './history.ts';

/** Parses `s3://bucket/some/prefix/` into its parts; the prefix always ends with `/` (or is empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`"${url}" is not an S3 location; write it as s3://<bucket>/<prefix>/.`);
  const raw = m[2] ?? '';
  return { bucket: m[1], prefix: raw === '' || raw.endsWith('/') ? raw : `${raw}/` };
}

/** How many most recent entries are read; older ones stay in the bucket for people to browse. */
const READ_LIMIT = 500;

export class S3HistoryStore implements HistoryStore {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    url: string,
    private readonly client: S3Client = new S3Client({}),
  ) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}/${prefix}`;
  }

  async read(): Promise<HistoryRead> {
    const keys: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: this.prefix },
    );
    for await (const page of pages as AsyncIterable<ListObjectsV2CommandOutput>) {
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
    }
    keys.sort();
    const entries: HistoryEntry[] = [];
    const warnings: string[] = [];
    for (const key of keys.slice(-READ_LIMIT)) {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const text = (await res.Body?.transformToString('utf8')) ?? '';
        const checked = validateEntry(JSON.parse(text));
        if (typeof checked === 'string') warnings.push(`s3://${this.bucket}/${key}: skipped: ${checked}`);
        else entries.push(checked);
      } catch (err) {
        warnings.push(`s3://${this.bucket}/${key}: skipped: ${(err as Error).message}`);
      }
    }
    entries.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    return { entries, warnings };
  }

  async append(entry: HistoryEntry): Promise<void> {
    const checked = validateEntry(entry);
    if (typeof checked === 'string')
      throw new Error(`Refusing to append an invalid history entry: ${checked}.`);
    const safeId = entry.runId.replace(/[^A-Za-z0-9._-]/g, '_');
    const key = `${this.prefix}${entry.date.replace(/[:]/g, '-')}_${safeId}.json`;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${JSON.stringify(entry)}\n`,
        ContentType: 'application/json',
      }),
    );
  }
}
