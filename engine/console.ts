// How VU console output and runtime errors are written: k6's logfmt-like lines on stderr
// (`time="…" level=info msg="…" source=console`).
/**
 * One console argument as k6 (v1.6 and later, grafana/k6 internal/js/console.go) prints it: a
 * string as it is, other primitives as their string, an Error as `Name: message`, a function as
 * `[object Function]`, and any other object traversed: `{ key: value, … }`, `[ a, b ]`, strings
 * inside quoted (not escaped), null and undefined inside as `null`, a Date as its quoted ISO
 * string, `[Circular]` for a loop, ArrayBuffers and typed arrays like Node's inspect.
 */
function formatArg(a: unknown): string {
  if (typeof a === 'function') return FUNCTION;
  if (a === null || typeof a !== 'object') return String(a);
  if (a instanceof Error) return String(a);
  const out: string[] = [];
  traverse(out, a, new Set());
  return out.join('');
}

const FUNCTION = '[object Function]';

/**
 * An engine object whose fields k6 shows are not all its own properties (the Response decodes
 * headers, body and cookies on first use) gives console.log what to traverse under this key.
 */
export const CONSOLE_VIEW = Symbol('console view');

function traverse(out: string[], v: unknown, seen: Set<object>): void {
  const view = (v as { [CONSOLE_VIEW]?: () => unknown } | null)?.[CONSOLE_VIEW];
  if (typeof view === 'function') {
    traverse(out, view.call(v), seen);
    return;
  }
  if (v === null || v === undefined) {
    out.push('null');
    return;
  }
  if (typeof v === 'function') {
    out.push(FUNCTION);
    return;
  }
  if (typeof v !== 'object') {
    out.push(typeof v === 'string' ? `"${v}"` : String(v));
    return;
  }
  if (seen.has(v)) {
    out.push('[Circular]');
    return;
  }
  seen.add(v);
  try {
    if (v instanceof Error) out.push(String(v));
    else if (v instanceof ArrayBuffer) out.push(arrayBuffer(v));
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out.push(typedArray(v));
    else if (Array.isArray(v)) {
      if (v.length === 0) out.push('[]');
      else {
        out.push('[ ');
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out.push(', ');
          traverse(out, v[i], seen);
        }
        out.push(' ]');
      }
    } else {
      const keys = Object.keys(v);
      if (keys.length === 0) out.push(v instanceof Date ? date(v) : '{}');
      else {
        out.push('{ ');
        keys.forEach((k, i) => {
          if (i > 0) out.push(', ');
          out.push(`${k}: `);
          traverse(out, (v as Record<string, unknown>)[k], seen);
        });
        out.push(' }');
      }
    }
  } finally {
    seen.delete(v);
  }
}

function date(d: Date): string {
  return Number.isNaN(d.getTime()) ? '{}' : `"${d.toISOString()}"`;
}

function arrayBuffer(b: ArrayBuffer): string {
  const hex = Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `ArrayBuffer { [Uint8Contents]: <${hex}>, byteLength: ${b.byteLength} }`;
}

function typedArray(a: ArrayBufferView): string {
  const items = Array.from(a as unknown as ArrayLike<number | bigint>, (x) => String(x));
  // k6 cannot tell a Uint8ClampedArray from a Uint8Array.
  const name = a instanceof Uint8ClampedArray ? 'Uint8Array' : a.constructor.name;
  return items.length === 0 ? `${name}(0) []` : `${name}(${items.length}) [ ${items.join(', ')} ]`;
}

export function formatConsoleArgs(args: unknown[]): string {
  return args.map(formatArg).join(' ');
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Go's time.RFC3339 of a local time, the timestamp logrus writes when no TimestampFormat is set,
 * as k6 sets it (grafana/k6 internal/cmd/root.go): `2006-01-02T15:04:05Z07:00`, no fraction.
 */
function rfc3339(d: Date): string {
  const local = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const offset = -d.getTimezoneOffset();
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset > 0 ? '+' : '-'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * One log line in logrus' text format, which k6 uses: `time=… level=… msg="…"`, then the fields
 * in sorted order (`error="…"`, `source=console`, `url=…`); a value is quoted when it holds more
 * than letters, digits and `-._/@^+` (an empty one is not: `group=`).
 */
export function logLine(
  level: string,
  text: string,
  source?: string,
  fields?: Record<string, string>,
): string {
  const time = rfc3339(new Date());
  const msg = JSON.stringify(text);
  const all: Record<string, string> = { ...fields };
  if (source) all.source = source;
  let tail = '';
  for (const k of Object.keys(all).sort()) {
    const v = all[k];
    tail += ` ${k}=${/^[A-Za-z0-9\-._/@^+]*$/.test(v) ? v : JSON.stringify(v)}`;
  }
  return `time="${time}" level=${level} msg=${msg}${tail}\n`;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'debug';

/** A VU's `console` (either kind of VU): each call becomes one line of the test's log. */
export function vuConsole(log: (level: LogLevel, text: string) => void) {
  const write =
    (level: LogLevel) =>
    (...args: unknown[]): void =>
      log(level, formatConsoleArgs(args));
  return {
    log: write('info'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
  };
}
