// Secrets never reach a run record, a report or a log line: API keys, Authorization header
// values (`Key …`, `Bearer …`) and credentials inside URLs are replaced before anything is
// written.

const REDACTED = '[redacted]';

/** `https://user:pass@host/x?api_key=…` → `https://host/x?api_key=[redacted]`. */
export function scrubUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return scrubText(url);
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (/key|token|secret|password|auth/i.test(key)) parsed.searchParams.set(key, REDACTED);
  }
  return parsed.toString();
}

/**
 * Removes the given secret values and anything shaped like a credential: Authorization header
 * values, `Key <token>`, `CONNECT_API_KEY=…`, `--api-key …` and user:password in URLs.
 */
export function scrubText(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short values (empty, "1") would blank out unrelated text; keys are long.
    if (secret && secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(
      /(authorization["']?\s*[:=]\s*["']?)(?:key|bearer|basic|connect-bootstrap)?\s*[^\s"',}]+/gi,
      `$1${REDACTED}`,
    )
    .replace(/\b(Key|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`)
    .replace(
      /\b([A-Z0-9_]*(?:API_KEY|TOKEN|SECRET|PASSWORD)[A-Z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g,
      `$1=${REDACTED}`,
    )
    .replace(/(--[a-z-]*(?:api-key|token|secret|password)[a-z-]*)(=|\s+)(\S+)/gi, `$1$2${REDACTED}`)
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1');
}

/** Scrubs every string inside a JSON-like value (for options and messages written to run.json). */
export function scrubValue<T>(value: T, secrets: Array<string | undefined> = []): T {
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /api.?key|token|secret|password|authorization/i.test(k) ? REDACTED : scrubValue(v, secrets);
    }
    return out as T;
  }
  return value;
}
