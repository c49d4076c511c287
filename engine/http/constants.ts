// The constants k6/http exports (TLS versions, OCSP statuses and revocation reasons), for both
// kinds of VU: the names and values of grafana/k6 lib/netext/tls.go, which js/modules/k6/http
// exports. The engine makes no OCSP checks (Response.ocsp is refused), but a script that names
// these constants loads as on k6.
export const HTTP_CONSTANTS = {
  TLS_1_0: 'tls1.0',
  TLS_1_1: 'tls1.1',
  TLS_1_2: 'tls1.2',
  TLS_1_3: 'tls1.3',
  OCSP_STATUS_GOOD: 'good',
  OCSP_STATUS_REVOKED: 'revoked',
  OCSP_STATUS_SERVER_FAILED: 'server_failed',
  OCSP_STATUS_UNKNOWN: 'unknown',
  OCSP_REASON_UNSPECIFIED: 'unspecified',
  OCSP_REASON_KEY_COMPROMISE: 'key_compromise',
  OCSP_REASON_CA_COMPROMISE: 'ca_compromise',
  OCSP_REASON_AFFILIATION_CHANGED: 'affiliation_changed',
  OCSP_REASON_SUPERSEDED: 'superseded',
  OCSP_REASON_CESSATION_OF_OPERATION: 'cessation_of_operation',
  OCSP_REASON_CERTIFICATE_HOLD: 'certificate_hold',
  OCSP_REASON_REMOVE_FROM_CRL: 'remove_from_crl',
  OCSP_REASON_PRIVILEGE_WITHDRAWN: 'privilege_withdrawn',
  OCSP_REASON_AA_COMPROMISE: 'aa_compromise',
} as const;
