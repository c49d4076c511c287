// A stand-in with the Flask fixture published on it, the way the harness publishes it: what the
// k6-operator tests load. One per test file (its before/after hooks).
import { createConnectClient } from '../../harness/connect/client.ts';
import { publishFlask } from '../../harness/pipeline/target.ts';
import { type Standin, startStandin } from '../../standin/index.ts';

export async function standinWithFlask(apiKey: string): Promise<{ standin: Standin; flaskUrl: string }> {
  const standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
  try {
    const flask = await publishFlask(createConnectClient({ server: standin.url, apiKey }), () => {});
    return { standin, flaskUrl: flask.url };
  } catch (err) {
    await standin.stop();
    throw err;
  }
}
