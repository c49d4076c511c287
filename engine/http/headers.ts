// Header names the way k6 (Go's net/http) shows them: `content-type` → `Content-Type`; repeated
// headers joined with ", ".

const canonicalCache = new Map<string, string>();

export function canonicalHeaderName(name: string): string {
  let out = canonicalCache.get(name);
  if (out === undefined) {
    out = name
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (canonicalCache.size < 1000) canonicalCache.set(name, out);
  }
  return out;
}

/**
 * A response's headers as k6's `res.headers`. Go's net/http takes Transfer-Encoding out of the
 * header map (into Response.TransferEncoding), so k6 never shows it.
 */
export function headersObject(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = canonicalHeaderName(raw[i]);
    if (name === 'Transfer-Encoding') continue;
    const value = raw[i + 1];
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** Values of one header (lower-case name) in raw response headers (name, value, name, value…). */
export function headerValues(raw: string[], lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === lowerName.length && n.toLowerCase() === lowerName) out.push(raw[i + 1]);
  }
  return out;
}
