// `k6/timers`, on both kinds of VU: the VU's own timers, which the
// end of an iteration waits for as k6 does.
import { moduleVU } from './module-vu.ts';

const timers = moduleVU(import.meta.url).timers;

export const { setTimeout, clearTimeout, setInterval, clearInterval } = timers;

export default timers;
