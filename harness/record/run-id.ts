// Run folder names: the start time in UTC to the second, file-name safe, then the kind, e.g.
// `2026-11-27T08-00-00Z-load-soak`. They sort by time as plain strings.
import type { RunKind } from './types.ts';

export function runId(startedAt: Date, kind: RunKind): string {
  return `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}Z-${kind}`;
}

const RUN_ID = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(?:-\d+)?-(scalability|load-soak)$/;

export function parseRunId(id: string): { kind: RunKind } | null {
  const match = RUN_ID.exec(id);
  return match ? { kind: match[2] as RunKind } : null;
}
