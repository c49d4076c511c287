// `import secrets from 'k6/secrets'` in a synchronous VU's thread: the hub reads the secret from
// the test's sources (and redacts it from the test's log lines from then on); get() returns a
// Promise as in k6, already settled.
import { block } from '../channel.ts';

function sourceNamed(name: string) {
  return {
    get(key: string): Promise<string> {
      try {
        return Promise.resolve(block({ op: 'secret', source: name, key: String(key) }) as string);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

export default { ...sourceNamed('default'), source: (name: string) => sourceNamed(String(name)) };
