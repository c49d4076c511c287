// Turning a failed Connect call into a sentence. Pure, so it is tested without k6. Everything the
// server or the network said passes through `redact`, so the API key never shows even if a proxy
// echoes request headers back in an error body.

/** Connect's error body: `{code, error, payload}`. */
export interface ConnectErrorBody {
  code: number;
  error: string;
}

export class ConnectApiError extends Error {
  readonly status: number;
  /** Connect's error code, when the body had one (e.g. 26 = name already exists). */
  readonly code: number | undefined;

  constructor(message: string, status: number, code: number | undefined) {
    super(message);
    this.name = 'ConnectApiError';
    this.status = status;
    this.code = code;
  }
}

/** The `{code, error}` of a Connect error body, or undefined when the body is not one. */
export function parseConnectError(body: string | null): ConnectErrorBody | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; error?: unknown };
    if (typeof parsed.code === 'number' && typeof parsed.error === 'string') {
      return { code: parsed.code, error: parsed.error };
    }
  } catch {
    // Not JSON (a proxy's HTML error page, for instance): described by its status and text.
  }
  return undefined;
}

/**
 * The error for a response that was not what `requestName` expects.
 * `status` 0 means the request never got an answer (`networkError` says why).
 */
export function describeFailure(
  requestName: string,
  status: number,
  body: string | null,
  networkError: string,
  secret: string,
): ConnectApiError {
  if (status === 0) {
    const why = redact(networkError, secret) || 'no response';
    return new ConnectApiError(
      `${requestName} got no answer from Connect (${why}); check CONNECT_SERVER and that Connect is up.`,
      0,
      undefined,
    );
  }
  const connectError = parseConnectError(body);
  const detail = connectError
    ? `Connect error ${connectError.code}: ${connectError.error}`
    : snippet(body) || 'no error body';
  const hint = hintFor(status, connectError?.code);
  return new ConnectApiError(
    `${requestName} failed with HTTP ${status}, ${redact(detail, secret)}${hint ? ` (${hint})` : ''}.`,
    status,
    connectError?.code,
  );
}

/** `text` with every occurrence of `secret` replaced; a no-op for an empty secret. */
export function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

function hintFor(status: number, code: number | undefined): string {
  if (status === 401) return 'check CONNECT_API_KEY';
  if (code === 141) return 'the load balancer must use sticky sessions and the client must keep its cookies';
  if (status === 403) return 'the API key needs the publisher or administrator role';
  return '';
}

function snippet(body: string | null): string {
  const text = (body ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
