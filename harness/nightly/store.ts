// Picks the history store from a location: `s3://bucket/prefix/` or a file path.
import type { HistoryStore } from './history.ts';
import { JsonlHistoryStore } from './history.ts';
import { S3HistoryStore } from './history-s3.ts';

export function openHistoryStore(location: string): HistoryStore {
  if (location.startsWith('s3://')) return new S3HistoryStore(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new Error(`History location "${location}" is neither a file path nor s3://bucket/prefix/.`);
  }
  return new JsonlHistoryStore(location);
}
