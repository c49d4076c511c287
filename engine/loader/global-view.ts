// The global object as a script module sees it (its `globalThis` and k6's `global`, bound by the
// loader's prelude): Node's globals that k6 does not have are not on it (NODE_ONLY_GLOBALS; the
// module's bare names are hidden by the prelude too), and a VU's own names read as the VU's.
import { NotOnThisEngineError } from '../vu-errors.ts';
import { NODE_ONLY_GLOBALS } from './require-prelude.ts';

const hidden = new Set<string | symbol>(NODE_ONLY_GLOBALS);
const isHidden = (key: string | symbol): boolean => hidden.has(key);

/**
 * A view of `target` for one VU. `own`: names that read as the VU's own (their getters);
 * replacing one would change what the script's bare name means in k6, and the VU's modules bind
 * those names once, so it is refused rather than half done. A hidden name a script sets on the
 * view is kept in the view, the VU's alone, and never replaces Node's, which the engine uses.
 */
export function scriptGlobalView(
  target: typeof globalThis,
  own: Readonly<Record<string, () => unknown>> = {},
): typeof globalThis {
  const isOwn = (key: string | symbol): key is string => typeof key === 'string' && Object.hasOwn(own, key);
  const refuse = (key: string): never => {
    throw new NotOnThisEngineError(`replacing globalThis.${key}`);
  };
  const put = new Map<string | symbol, PropertyDescriptor>();
  return new Proxy(target, {
    get: (t, key, receiver) => {
      if (isOwn(key)) return own[key]();
      if (isHidden(key)) return put.get(key)?.value;
      return Reflect.get(t, key, receiver);
    },
    set: (t, key, value) => {
      if (isOwn(key)) return refuse(key);
      if (!isHidden(key)) return Reflect.set(t, key, value);
      put.set(key, { value, writable: true, enumerable: true, configurable: true });
      return true;
    },
    has: (t, key) => isOwn(key) || (isHidden(key) ? put.has(key) : Reflect.has(t, key)),
    deleteProperty: (t, key) => {
      if (isOwn(key)) return refuse(key);
      if (!isHidden(key)) return Reflect.deleteProperty(t, key);
      put.delete(key);
      return true;
    },
    defineProperty: (t, key, descriptor) => {
      if (isOwn(key)) return refuse(key);
      if (!isHidden(key)) return Reflect.defineProperty(t, key, descriptor);
      put.set(key, { ...put.get(key), ...descriptor });
      return true;
    },
    getOwnPropertyDescriptor: (t, key) => {
      if (isOwn(key)) return { value: own[key](), writable: true, enumerable: false, configurable: true };
      return isHidden(key) ? put.get(key) : Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys: (t) => [
      ...new Set([...Reflect.ownKeys(t).filter((key) => !isHidden(key)), ...put.keys(), ...Object.keys(own)]),
    ],
  });
}
