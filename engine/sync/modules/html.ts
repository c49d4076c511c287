// `k6/html` in a synchronous VU's thread: the async VUs' module (cheerio, loaded on first use).
export * from '../../modules/html.ts';
export { default } from '../../modules/html.ts';
