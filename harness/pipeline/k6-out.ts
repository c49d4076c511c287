// --k6-out: outputs the user adds to the engine's own (the harness always writes its json), e.g.
// `experimental-prometheus-rw` or `influxdb=http://influx:8086/k6` to watch a long soak live in
// Grafana, or `csv=<file>` for a spreadsheet. They reach the embedded engine, the k6 binary and
// the k6-operator runners alike. Their settings and credentials come from the environment:
// exactly the K6_PROMETHEUS_RW_*, K6_INFLUXDB_* or K6_CSV_* variables of the outputs named are
// handed to the engine, nothing else.

/** The outputs that can be named, with the prefix of the variables that configure them (k6's). */
export const K6_OUTPUTS: Record<string, { envPrefix: string | null; usage: string }> = {
  json: { envPrefix: null, usage: 'json=<file>' },
  'experimental-prometheus-rw': {
    envPrefix: 'K6_PROMETHEUS_RW_',
    usage: 'experimental-prometheus-rw (endpoint in K6_PROMETHEUS_RW_SERVER_URL)',
  },
  influxdb: { envPrefix: 'K6_INFLUXDB_', usage: 'influxdb=http://host:8086/<db>' },
  csv: { envPrefix: 'K6_CSV_', usage: 'csv=<file>' },
};

/** Checks one --k6-out value; throws a sentence saying what to write instead. */
export function checkK6Out(value: string): string {
  const text = value.trim();
  const eq = text.indexOf('=');
  const type = eq === -1 ? text : text.slice(0, eq);
  const target = eq === -1 ? '' : text.slice(eq + 1);
  const known = Object.values(K6_OUTPUTS)
    .map((o) => o.usage)
    .join(', ');
  if (!Object.hasOwn(K6_OUTPUTS, type))
    throw new Error(`--k6-out '${type}' is not an output the harness passes on; use ${known}.`);
  if (type === 'json' && target === '')
    throw new Error(
      '--k6-out json needs a file, json=<file> (the run folder already has samples.ndjson.gz).',
    );
  // Without a file k6 writes file.csv into the folder it runs in, which the harness chooses.
  if (type === 'csv' && target === '') throw new Error('--k6-out csv needs a file, csv=<file>.');
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(target))
    throw new Error(
      `--k6-out ${type} must not carry credentials in its URL (command lines end up in logs and run.json); set ${K6_OUTPUTS[type].envPrefix}USERNAME and ${K6_OUTPUTS[type].envPrefix}PASSWORD instead.`,
    );
  return text;
}

/** The variables of `env` that configure the named outputs; nothing for outputs without any. */
export function k6OutEnv(outs: string[], env: Record<string, string | undefined>): Record<string, string> {
  const prefixes = new Set<string>();
  for (const out of outs) {
    const prefix = K6_OUTPUTS[out.split('=')[0]]?.envPrefix;
    if (prefix) prefixes.add(prefix);
  }
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    for (const prefix of prefixes) if (name.startsWith(prefix)) picked[name] = value;
  }
  return picked;
}

/** Values of those variables that are secrets, to scrub from anything written. */
export function k6OutSecrets(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name]) => /(PASSWORD|TOKEN|USERNAME|_HEADERS_|HTTP_HEADERS)/.test(name))
    .map(([, value]) => value)
    .filter((v) => v.length >= 4);
}
