// `import http from 'k6/http'`, on both kinds of VU: the requests themselves are made by the VU
// (on async VUs here, with ../http/; a synchronous VU blocks while the hub makes them).
import { moduleVU } from './module-vu.ts';

const vu = moduleVU(import.meta.url);
const own = vu.httpModule() as Record<string, (...args: unknown[]) => unknown>;

/** k6 refuses requests made by init code (grafana/k6 js/modules/k6/http/request.go). */
function notInInit<A extends unknown[], R>(fn: (...args: A) => R, what: string): (...args: A) => R {
  return (...args: A): R => {
    if (vu.phase === 'init') throw new Error(`${what} in the init context is not supported`);
    return fn(...args);
  };
}

const http: Record<string, unknown> = {
  ...own,
  asyncRequest: notInInit(own.asyncRequest, 'Making http requests'),
  request: notInInit(own.request, 'Making http requests'),
  get: notInInit(own.get, 'Making http requests'),
  head: notInInit(own.head, 'Making http requests'),
  post: notInInit(own.post, 'Making http requests'),
  put: notInInit(own.put, 'Making http requests'),
  patch: notInInit(own.patch, 'Making http requests'),
  del: notInInit(own.del, 'Making http requests'),
  options: notInInit(own.options, 'Making http requests'),
  batch: notInInit(own.batch, 'Using batch'),
};

export default http;
export const {
  asyncRequest,
  request,
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  batch,
  file,
  cookieJar,
  CookieJar,
  expectedStatuses,
  setResponseCallback,
  url,
  TLS_1_0,
  TLS_1_1,
  TLS_1_2,
  TLS_1_3,
  OCSP_STATUS_GOOD,
  OCSP_STATUS_REVOKED,
  OCSP_STATUS_SERVER_FAILED,
  OCSP_STATUS_UNKNOWN,
  OCSP_REASON_UNSPECIFIED,
  OCSP_REASON_KEY_COMPROMISE,
  OCSP_REASON_CA_COMPROMISE,
  OCSP_REASON_AFFILIATION_CHANGED,
  OCSP_REASON_SUPERSEDED,
  OCSP_REASON_CESSATION_OF_OPERATION,
  OCSP_REASON_CERTIFICATE_HOLD,
  OCSP_REASON_REMOVE_FROM_CRL,
  OCSP_REASON_PRIVILEGE_WITHDRAWN,
  OCSP_REASON_AA_COMPROMISE,
} = http;
