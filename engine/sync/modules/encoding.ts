// `k6/encoding` in a synchronous VU's thread: the async VUs' module, which is pure.
export * from '../../modules/encoding.ts';
export { default } from '../../modules/encoding.ts';
