// `k6/experimental/webcrypto` in a synchronous VU's thread: the async VUs' module (Node's WebCrypto).
export * from '../../modules/webcrypto.ts';
export { default } from '../../modules/webcrypto.ts';
