// `k6/timers` (and `k6/experimental/timers`) in a synchronous VU's thread: the same timers as the
// thread's globals, which the end of an iteration waits for.
import { timers } from '../timers.ts';

export const { setTimeout, clearTimeout, setInterval, clearInterval } = timers;

export default timers;
