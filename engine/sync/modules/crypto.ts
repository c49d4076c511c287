// `k6/crypto` in a synchronous VU's thread: the async VUs' module, which is pure.
export * from '../../modules/crypto.ts';
export { default } from '../../modules/crypto.ts';
