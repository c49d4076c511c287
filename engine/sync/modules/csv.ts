// `k6/experimental/csv` in a synchronous VU's thread: the same module as on async VUs.
export * from '../../modules/csv.ts';
export { default } from '../../modules/csv.ts';
