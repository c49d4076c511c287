// The params argument of k6/http's request functions, as this engine reads it.
import type { CookieJar } from './cookies.ts';
import type { ExpectedStatuses } from './expected-statuses.ts';
import type { ResponseType } from './response.ts';

export interface Params {
  /** 'basic' (the default for credentials in the URL) or 'digest'. */
  auth?: string;
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number | boolean>;
  timeout?: string | number;
  /** Request body compression: 'gzip', 'deflate', 'br' (also several, comma-separated). */
  compression?: string;
  /** Overrides the throw option for this request. */
  throw?: boolean;
  redirects?: number;
  responseType?: ResponseType;
  responseCallback?: ExpectedStatuses | null;
  jar?: CookieJar | null;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
}
