// Publishes the Flask fixture to a stand-in (or any Connect) and waits for its deploy, as the
// benches that load a real gunicorn app need it.
import { readFileSync } from 'node:fs';
import { bundleChecksum } from '../../harness/connect/client.ts';

export const FLASK_BUNDLE = 'dist/bundles/flask-stock-api.tar.gz';

interface Answers {
  content: { guid: string };
  bundle: { id: string };
  deploy: { task_id: string };
  task: { last: number; finished: boolean; code: number; error: string };
}

async function api<T>(base: string, key: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}/__api__/${path}`, {
    ...init,
    headers: { authorization: `Key ${key}`, ...(init.headers as Record<string, string>) },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Creates a content item, uploads and deploys the Flask bundle; returns the content GUID. */
export async function publishFlask(base: string, key: string): Promise<string> {
  const bytes = readFileSync(FLASK_BUNDLE);
  const content = await api<Answers['content']>(base, key, 'v1/content', {
    method: 'POST',
    body: JSON.stringify({ name: 'bench-flask', access_type: 'all' }),
  });
  const bundle = await api<Answers['bundle']>(base, key, `v1/content/${content.guid}/bundles`, {
    method: 'POST',
    body: bytes,
    // Connect's API reference: the Base64-encoded MD5 of the archive.
    headers: { 'x-content-checksum': bundleChecksum(bytes) },
  });
  const { task_id } = await api<Answers['deploy']>(base, key, `v1/content/${content.guid}/deploy`, {
    method: 'POST',
    body: JSON.stringify({ bundle_id: bundle.id }),
  });
  for (let first = 0; ; ) {
    const task = await api<Answers['task']>(base, key, `v1/tasks/${task_id}?first=${first}&wait=5`);
    first = task.last;
    if (task.finished) {
      if (task.code !== 0) throw new Error(`The Flask deploy failed: ${task.error}`);
      return content.guid;
    }
  }
}
