// `k6/experimental/streams` in a synchronous VU's thread: the same module as on async VUs.
export * from '../../modules/streams.ts';
export { default } from '../../modules/streams.ts';
