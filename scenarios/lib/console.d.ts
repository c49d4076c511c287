// k6 provides `console` in every context, but @types/k6 leaves it to the DOM library, which these
// scripts must not see (no fetch, no window). Declare just what the scripts use.
declare const console: {
  log(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
};
