// `k6/timers` (and `k6/experimental/timers`) for one VU: the VU's own timers, which the end of
// an iteration waits for as k6 does.
import { vuForModule } from '../registry.ts';
import { timersOf } from '../vu-timers.ts';

const timers = timersOf(vuForModule(import.meta.url));

export const { setTimeout, clearTimeout, setInterval, clearInterval } = timers;

export default timers;
