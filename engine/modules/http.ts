// `import http from 'k6/http'` for one VU.
import { htmlOf } from '../api/html.ts';
import { createHttp } from '../http/api.ts';
import { useHtmlParser } from '../http/response.ts';
import { vuForModule } from '../registry.ts';

useHtmlParser(htmlOf);
const http = createHttp(vuForModule(import.meta.url));

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
