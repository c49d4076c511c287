// What setup() returns, as k6 hands it to the VUs, teardown() and handleSummary.
import { goTime } from './go-time.ts';

/**
 * setup()'s value as k6 hands it on: k6 marshals it with Go's encoding/json after exporting it
 * from JavaScript (grafana/k6 internal/js/runner.go, Setup), so a Date becomes Go's time.Time text
 * (RFC 3339 with the fraction's trailing zeros left out and the machine's zone: `…T10:00:00Z`),
 * not JavaScript's `…T10:00:00.000Z`.
 */
export function setupDataJson(data: unknown): string | undefined {
  return JSON.stringify(data, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Date && !Number.isNaN(raw.getTime()) ? goTime(raw.getTime()) : value;
  });
}
