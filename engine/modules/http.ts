// `import http from 'k6/http'`, on both kinds of VU: the requests themselves are made by the VU
// (on async VUs here, with ../http/; a synchronous VU blocks while the hub makes them).
import { moduleVU } from './module-vu.ts';

const http = moduleVU(import.meta.url).httpModule();

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
  OCSP_STATUS_UNKNOWN,
} = http;
