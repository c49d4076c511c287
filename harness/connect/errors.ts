// Connect API failures as sentences: what was asked, what Connect answered (HTTP status, its
// error code and message from the `{code, error, payload}` body) and what to do about it.

/** Advice for the Connect error codes a harness user can run into. */
const ADVICE: Record<number, string> = {
  4: 'the object does not exist (deleted, or a wrong GUID)',
  10: 'the API key does not own this content; use a key of its owner or an administrator',
  19: 'the API key lacks permission; use a publisher or administrator key',
  22: 'the API key has no user behind it; use a publisher or administrator key',
  24: 'the request needs authentication; set CONNECT_API_KEY',
  26: 'content with that name already exists',
  30: 'Connect did not accept the API key; check CONNECT_API_KEY',
  65: 'the Connect license does not allow APIs',
  141: 'the task is on another node: the load balancer needs sticky sessions',
};

export class ConnectError extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
    readonly code: number | null,
    readonly connectMessage: string,
  ) {
    const codeText = code === null ? '' : `, code ${code}`;
    const advice =
      code !== null && ADVICE[code] ? ` (${ADVICE[code]})` : status === 401 ? ' (check CONNECT_API_KEY)' : '';
    super(`${what} failed: HTTP ${status}${codeText}: ${connectMessage || 'no message'}${advice}.`);
    this.name = 'ConnectError';
  }
}

/** Builds the error from a response body, which may or may not be Connect's error shape. */
export function connectError(what: string, status: number, body: string): ConnectError {
  let code: number | null = null;
  let message = body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { code?: unknown; error?: unknown };
    if (typeof parsed.code === 'number') code = parsed.code;
    if (typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // Not JSON (a proxy's HTML page, say): the text itself is the best message there is.
  }
  return new ConnectError(what, status, code, message);
}
