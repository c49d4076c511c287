// The constants k6/http exports (TLS versions, OCSP statuses), for both kinds of VU.
export const HTTP_CONSTANTS = {
  TLS_1_0: 'tls1.0',
  TLS_1_1: 'tls1.1',
  TLS_1_2: 'tls1.2',
  TLS_1_3: 'tls1.3',
  OCSP_STATUS_GOOD: 'good',
  OCSP_STATUS_REVOKED: 'revoked',
  OCSP_STATUS_UNKNOWN: 'unknown',
} as const;
