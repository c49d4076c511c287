// `k6/experimental/fs` in a synchronous VU's thread: the same module as on async VUs.
export * from '../../modules/fs.ts';
export { default } from '../../modules/fs.ts';
