// The synchronous VU's side of its link to the hub (./hub.ts): blocking calls wait on the shared
// control word until the hub has posted the reply; everything else is posted and not waited for.
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { InterruptedError } from '../vu.ts';
import { type FromSyncVu, INTERRUPT, REPLY, type SyncCall, type SyncReply } from './protocol.ts';

let control: Int32Array<ArrayBufferLike> = new Int32Array(2);
let replies: MessagePort | null = null;

/** Where the VU's code stands: metrics are created only in the init context; the group it is in. */
export const state = { init: true, group: '' };

export function connect(shared: SharedArrayBuffer, port: MessagePort): void {
  control = new Int32Array(shared);
  replies = port;
}

export function post(msg: FromSyncVu): void {
  parentPort?.postMessage(msg);
}

export function interrupted(): boolean {
  return Atomics.load(control, INTERRUPT) === 1;
}

/** Sends `call` to the hub and blocks this thread until its reply is in. */
export function block(call: SyncCall): unknown {
  if (interrupted()) throw new InterruptedError();
  const seen = Atomics.load(control, REPLY);
  post({ t: 'call', call });
  Atomics.wait(control, REPLY, seen);
  const reply = receiveMessageOnPort(replies as MessagePort)?.message as SyncReply | undefined;
  if (!reply) throw new Error('the engine lost the reply to a blocking call');
  if (!reply.ok) throw reply.interrupted ? new InterruptedError() : new Error(reply.error);
  return reply.value;
}

/** sleep(): waits on the interrupt word, so that the end of a scenario wakes it. */
export function pause(ms: number): void {
  if (Atomics.wait(control, INTERRUPT, 0, ms) !== 'timed-out' && interrupted()) throw new InterruptedError();
}

/** A k6 call the synchronous mode cannot make yet: the hub stops the test with exit 107. */
export function unsupported(what: string): never {
  post({ t: 'unsupported', what });
  throw new Error(`${what} is not supported in synchronous mode yet`);
}
