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
