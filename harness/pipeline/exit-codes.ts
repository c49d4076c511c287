// Exit codes of the harness commands (documented in --help).
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  verdict: 3,
  thresholds: 99,
  interrupted: 130,
} as const;
