// `k6/x-engine-jslib` in a synchronous VU's thread: silent, because the async import of the
// script that reads its options (on the VU thread, before these threads start) has already
// written the run's info line (./notice.ts).
export function offline(_library: string, _url: string, _why: string, _standIn: string): void {}
