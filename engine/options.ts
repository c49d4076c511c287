// The script's options merged with the CLI's, turned into scenarios the way k6 does
// (k6 docs: https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/), and checked. Every mistake is an InvalidOptionsError (exit code 104).
import { checkCount, checkDuration, checkPlannedLength, LIMITS } from './limits.ts';
import { InvalidOptionsError } from './metrics/errors.ts';
import { parseDuration } from './metrics/time.ts';
import { DEFAULT_SUMMARY_TREND_STATS } from './metrics/trend-stats.ts';
import {
  parseSegment,
  parseSequence,
  resegment,
  type Stripe,
  scaleBy,
  scaleInt,
  segmentText,
  sequenceText,
  stripeOf,
  type Tuple,
  tupleOf,
} from './segments.ts';

export interface Stage {
  durationMs: number;
  target: number;
}

interface Common {
  name: string;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
  /**
   * With an execution segment (segmentScenarios): `vus` is the stripe of the test's VUs (and of
   * the iteration numbers of constant-vus, per-vu-iterations and ramping-vus) that is this
   * instance's; `work` the stripe of the iterations (shared-iterations) or arrivals (arrival-rate
   * executors) that are. Counts in the config are then this instance's share already, except the
   * stages of ramping-vus, which the executor scales step by step.
   */
  segment?: { vus: Stripe; work: Stripe };
}

export type ScenarioConfig = Common &
  (
    | { executor: 'shared-iterations'; vus: number; iterations: number; maxDurationMs: number }
    | { executor: 'per-vu-iterations'; vus: number; iterations: number; maxDurationMs: number }
    | { executor: 'constant-vus'; vus: number; durationMs: number }
    | { executor: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDownMs: number }
    | {
        executor: 'constant-arrival-rate';
        rate: number;
        timeUnitMs: number;
        durationMs: number;
        preAllocatedVUs: number;
        maxVUs: number;
      }
    | {
        executor: 'ramping-arrival-rate';
        startRate: number;
        timeUnitMs: number;
        stages: Stage[];
        preAllocatedVUs: number;
        maxVUs: number;
      }
  );

/**
 * Options given on the command line or in K6_* variables (or to runTest); they win over the
 * script's options, which win over `config` (a --config file's options) — k6's order of
 * precedence (https://grafana.com/docs/k6/latest/using-k6/k6-options/how-to/).
 */
export interface OptionOverrides {
  vus?: number;
  duration?: string;
  iterations?: number;
  stages?: Array<{ duration: string; target: number }>;
  tags?: Record<string, string>;
  summaryTrendStats?: string[];
  summaryTimeUnit?: string;
  insecureSkipTLSVerify?: boolean;
  throw?: boolean;
  userAgent?: string;
  maxRedirects?: number;
  discardResponseBodies?: boolean;
  noConnectionReuse?: boolean;
  noVUConnectionReuse?: boolean;
  noCookiesReset?: boolean;
  batch?: number;
  batchPerHost?: number;
  /** `--http-debug` ('headers') or `--http-debug=full`. */
  httpDebug?: string;
  systemTags?: string[];
  setupTimeout?: string;
  teardownTimeout?: string;
  handleSummaryTimeout?: string;
  minIterationDuration?: string;
  blockHostnames?: string[];
  blacklistIPs?: string[];
  /** `paused` (-p/--paused): initialise the VUs, then wait to be resumed through the REST API. */
  paused?: boolean;
  /** Options asked for that the engine refuses when merged (dns, localIPs, rps, linger…). */
  dns?: string;
  localIPs?: string;
  rps?: number;
  linger?: boolean;
  /** --execution-segment / --execution-segment-sequence, as given (checked when merged). */
  executionSegment?: string;
  executionSegmentSequence?: string;
  /** A --config file's options: below the script's and the others. */
  config?: Raw;
}

type Raw = Record<string, unknown>;

const OVERRIDE_KEYS: Array<keyof OptionOverrides> = [
  'vus',
  'duration',
  'iterations',
  'stages',
  'tags',
  'summaryTrendStats',
  'summaryTimeUnit',
  'insecureSkipTLSVerify',
  'throw',
  'userAgent',
  'maxRedirects',
  'discardResponseBodies',
  'noConnectionReuse',
  'noVUConnectionReuse',
  'noCookiesReset',
  'batch',
  'batchPerHost',
  'httpDebug',
  'systemTags',
  'setupTimeout',
  'teardownTimeout',
  'handleSummaryTimeout',
  'minIterationDuration',
  'blockHostnames',
  'blacklistIPs',
  'dns',
  'localIPs',
  'rps',
  'paused',
  'linger',
  'executionSegment',
  'executionSegmentSequence',
  'config',
];

/** The option overrides among a caller's settings (what crosses to the VU thread). */
export function overridesOf(o: OptionOverrides): OptionOverrides {
  const picked: Raw = {};
  for (const k of OVERRIDE_KEYS) if (o[k] !== undefined) picked[k] = o[k];
  return picked as OptionOverrides;
}

const EXECUTORS = [
  'shared-iterations',
  'per-vu-iterations',
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
];

/** The keys of which a layer that sets any replaces all of the lower layers' (k6's Options.Apply). */
const SHORTCUTS = ['scenarios', 'duration', 'iterations', 'stages'];

/** `layer` over `base`: set keys win; one execution shortcut or scenarios replaces the others. */
function applyLayer(base: Raw, layer: Raw): Raw {
  const merged: Raw = { ...base };
  const set = (k: string) => layer[k] !== undefined && layer[k] !== null;
  if (SHORTCUTS.some(set)) for (const key of SHORTCUTS) delete merged[key];
  for (const [k, v] of Object.entries(layer)) {
    if (v === undefined) continue;
    // Test-wide tags: a layer with any replaces the lower layers' whole set, as k6's
    // Options.Apply does (lib/options.go: RunTags); one with none changes nothing.
    if (k === 'tags' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (Object.keys(v).length > 0) merged.tags = { ...(v as Record<string, string>) };
    } else merged[k] = v;
  }
  return merged;
}

/**
 * The names of k6's options as its JSON has them (grafana/k6 lib/options.go, the `json` tags of
 * Options; `localIPs`, `consoleOutput` and `linger` are not among them: k6 takes those only from
 * flags and K6_* variables).
 */
const OPTION_NAMES = [
  'paused',
  'vus',
  'duration',
  'iterations',
  'stages',
  'scenarios',
  'executionSegment',
  'executionSegmentSequence',
  'noSetup',
  'setupTimeout',
  'noTeardown',
  'teardownTimeout',
  'handleSummaryTimeout',
  'rps',
  'dns',
  'maxRedirects',
  'userAgent',
  'batch',
  'batchPerHost',
  'httpDebug',
  'insecureSkipTLSVerify',
  'tlsCipherSuites',
  'tlsVersion',
  'tlsAuth',
  'throw',
  'thresholds',
  'blacklistIPs',
  'blockHostnames',
  'hosts',
  'noConnectionReuse',
  'noVUConnectionReuse',
  'minIterationDuration',
  'cloud',
  'ext',
  'summaryTrendStats',
  'summaryTimeUnit',
  'systemTags',
  'tags',
  'metricSamplesBufferSize',
  'noCookiesReset',
  'discardResponseBodies',
  'features',
];

/** A scenario's fields, any executor's (grafana/k6 lib/executor/*.go, the configs' `json` tags). */
const SCENARIO_NAMES = [
  'executor',
  'startTime',
  'gracefulStop',
  'env',
  'exec',
  'tags',
  'options',
  'vus',
  'iterations',
  'maxDuration',
  'duration',
  'startVUs',
  'stages',
  'gracefulRampDown',
  'rate',
  'timeUnit',
  'preAllocatedVUs',
  'maxVUs',
  'startRate',
];

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An object's keys as Go's encoding/json matches them to a struct's fields, which is how k6 reads
 * options (the script's are marshalled to JSON, so in Go's sorted key order, then decoded): a key
 * names the field spelled the same or, failing that, the field whose name matches it ignoring
 * case (`discardresponsebodies` is `discardResponseBodies`); of two keys for one field the later
 * wins. Keys that name no field are left out and given to `unknown`, in that order.
 */
function fieldsOf(obj: Raw, names: string[], unknown?: (key: string) => void): Raw {
  const out: Raw = {};
  const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const lower = key.toLowerCase();
    const name = names.includes(key) ? key : names.find((n) => n.toLowerCase() === lower);
    if (name === undefined) unknown?.(key);
    else out[name] = obj[key];
  }
  return out;
}

/** A layer of options (the script's, a config file's) with k6's names, nested ones too. */
function canonicalOptions(layer: Raw, unknown: (key: string) => void): Raw {
  const o = fieldsOf(layer, OPTION_NAMES, unknown);
  const stagesOf = (v: unknown) =>
    Array.isArray(v) ? v.map((st) => (isObject(st) ? fieldsOf(st, ['duration', 'target']) : st)) : v;
  if (o.stages !== undefined) o.stages = stagesOf(o.stages);
  if (isObject(o.scenarios)) {
    o.scenarios = Object.fromEntries(
      Object.entries(o.scenarios).map(([name, s]) => {
        if (!isObject(s)) return [name, s];
        const fields = fieldsOf(s, SCENARIO_NAMES);
        if (fields.stages !== undefined) fields.stages = stagesOf(fields.stages);
        return [name, fields];
      }),
    );
  }
  if (isObject(o.thresholds)) {
    // Each threshold is a string or {threshold, abortOnFail, delayAbortEval} (lib/thresholds.go).
    const one = (t: unknown) =>
      isObject(t) ? fieldsOf(t, ['threshold', 'abortOnFail', 'delayAbortEval']) : t;
    o.thresholds = Object.fromEntries(
      Object.entries(o.thresholds).map(([m, list]) => [m, Array.isArray(list) ? list.map(one) : list]),
    );
  }
  if (Array.isArray(o.tlsAuth))
    o.tlsAuth = o.tlsAuth.map((a) => (isObject(a) ? fieldsOf(a, ['domains', 'cert', 'key', 'password']) : a));
  if (isObject(o.tlsVersion)) o.tlsVersion = fieldsOf(o.tlsVersion, ['min', 'max']);
  return o;
}

/**
 * The --config file's options, the script's exported `options` over them, then the overrides.
 * Both layers are read as k6 decodes them (canonicalOptions); `warn` gets k6's warning for the
 * script's first key that is no option, which k6 then ignores (grafana/k6 internal/js/bundle.go).
 */
export function mergeOptions(
  scriptLayer: Raw,
  overrides: OptionOverrides,
  warn: (message: string, fields?: Record<string, string>) => void = () => {},
): Raw {
  const { config: configLayer, ...rest } = overrides;
  let first: string | undefined;
  const script = canonicalOptions(scriptLayer, (key) => {
    first ??= key;
  });
  if (first !== undefined)
    warn('There were unknown fields in the options exported in the script', {
      error: `json: unknown field ${JSON.stringify(first)}`,
    });
  // Feature flags come only from the command line, K6_FEATURES and the config file; k6 warns
  // about them in the script (grafana/k6 internal/cmd/features.go, warnOnScriptOptionsFeatures).
  if (Array.isArray(script.features) && script.features.length > 0)
    warn(
      'Feature flags in script options are not supported; use --features, K6_FEATURES, or the JSON config',
      { source: 'options' },
    );
  delete script.features;
  // A config file's other keys are k6's run settings (linger, out…), which the CLI has taken out
  // or refused already; they stay for the checks below.
  let config: Raw | undefined;
  if (configLayer) {
    const others: Raw = {};
    config = canonicalOptions(configLayer, (key) => {
      others[key] = configLayer[key];
    });
    config = { ...others, ...config };
  }
  const merged = applyLayer(config ? applyLayer(config, script) : { ...script }, rest as Raw);
  checkSupported(merged);
  // Written as k6 writes them back (exec.test.options, inspect): "1/4:1/2", "0,1/4,1/2,3/4,1".
  if (typeof merged.executionSegment === 'string' && merged.executionSegment !== '')
    merged.executionSegment = segmentText(parseSegment(merged.executionSegment));
  if (typeof merged.executionSegmentSequence === 'string' && merged.executionSegmentSequence !== '')
    merged.executionSegmentSequence = sequenceText(parseSequence(merged.executionSegmentSequence) ?? []);
  return merged;
}

const FOR_K6 = 'run this script with the k6 binary (--engine k6)';

/** Options this engine cannot honour as k6 would: each one sentence, exit 104, never ignored. */
function checkSupported(o: Raw): void {
  const refuse = (what: string) => {
    throw new InvalidOptionsError(`${what} is not supported by the node engine; ${FOR_K6}.`);
  };
  const on = (k: string) => o[k] !== undefined && o[k] !== null && o[k] !== false && o[k] !== '';
  if (on('dns')) refuse('the dns option (K6_DNS, --dns: DNS caching and address selection)');
  if (on('localIPs')) refuse('the localIPs option (K6_LOCAL_IPS, --local-ips)');
  if (on('rps') && o.rps !== 0) refuse('the rps option (K6_RPS, --rps: a global request-rate limit)');
  if (on('linger')) refuse('linger (-l/--linger: keeping the REST API up after the test ends)');
  // k6 skips setup() or teardown() when these are true (its --no-setup and --no-teardown).
  if (on('noSetup')) refuse('the noSetup option (skipping setup())');
  if (on('noTeardown')) refuse('the noTeardown option (skipping teardown())');
  if (on('executionSegment') || on('executionSegmentSequence')) executionTuple(o);
  if (on('tlsCipherSuites')) refuse('the tlsCipherSuites option');
  if (o.tags !== undefined && o.tags !== null) checkTags(o.tags);
  if (on('tlsVersion')) checkTlsVersion(o.tlsVersion);
  if (on('blacklistIPs') && !Array.isArray(o.blacklistIPs))
    throw new InvalidOptionsError('blacklistIPs must be a list of IP ranges such as "10.0.0.0/8".');
  if (o.systemTags !== undefined && o.systemTags !== null) checkSystemTags(o.systemTags);
  if (on('httpDebug') && o.httpDebug !== 'headers' && o.httpDebug !== 'full' && o.httpDebug !== true)
    throw new InvalidOptionsError(
      `httpDebug must be "headers" or "full"; got ${JSON.stringify(o.httpDebug)}.`,
    );
  if (on('hosts')) checkHosts(o.hosts);
  if (on('minIterationDuration')) checkDuration(o.minIterationDuration as string, 'minIterationDuration');
  if (on('blockHostnames') && !Array.isArray(o.blockHostnames))
    throw new InvalidOptionsError('blockHostnames must be a list of host names or "*." patterns.');
}

/** `tags` (test-wide tags): names to string values, as k6's map[string]string. */
function checkTags(tags: unknown): void {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags))
    throw new InvalidOptionsError(
      'tags must be an object of tag names to string values, e.g. { team: "perf" }.',
    );
  for (const [name, value] of Object.entries(tags)) {
    if (typeof value !== 'string')
      throw new InvalidOptionsError(
        `tags: the value of "${name}" must be a string; got ${JSON.stringify(value)}.`,
      );
  }
}

/** The system tags a sample carries when options.systemTags is not set (k6's DefaultSystemTagSet). */
export const DEFAULT_SYSTEM_TAGS = [
  'proto',
  'subproto',
  'status',
  'method',
  'url',
  'name',
  'group',
  'check',
  'error',
  'error_code',
  'tls_version',
  'scenario',
  'service',
  'expected_response',
];

/** k6's system tags; `ocsp_status` needs OCSP stapling checks, which this engine does not make. */
export const SYSTEM_TAGS = [...DEFAULT_SYSTEM_TAGS, 'vu', 'iter', 'ip'];

function checkSystemTags(tags: unknown): void {
  if (!Array.isArray(tags)) throw new InvalidOptionsError('systemTags must be a list of tag names.');
  for (const t of tags) {
    if (t === 'ocsp_status')
      throw new InvalidOptionsError(
        `the system tag "ocsp_status" is not supported by the node engine; ${FOR_K6}.`,
      );
    if (!SYSTEM_TAGS.includes(String(t)))
      throw new InvalidOptionsError(
        `systemTags: "${t}" is not a k6 system tag (one of ${SYSTEM_TAGS.join(', ')}, ocsp_status).`,
      );
  }
}

const TLS_NAMES = ['tls1.0', 'tls1.1', 'tls1.2', 'tls1.3'];

/** tlsVersion: `http.TLS_1_2` & co., or `{ min, max }` of them. */
function checkTlsVersion(v: unknown): void {
  const valid = (x: unknown) => x === undefined || TLS_NAMES.includes(x as string);
  const ok =
    typeof v === 'string'
      ? TLS_NAMES.includes(v)
      : typeof v === 'object' && v !== null && valid((v as Raw).min) && valid((v as Raw).max);
  if (!ok)
    throw new InvalidOptionsError(
      `tlsVersion must be one of ${TLS_NAMES.join(', ')} (http.TLS_1_0 …) or { min, max } of them; got ${JSON.stringify(v)}.`,
    );
}

/** `hosts`: names (optionally `*.` wildcards, optionally `:port`) to an address, optionally `:port`. */
function checkHosts(hosts: unknown): void {
  if (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts))
    throw new InvalidOptionsError('options.hosts must be an object of host names to addresses.');
  for (const [name, to] of Object.entries(hosts)) {
    if (typeof to !== 'string' || to === '')
      throw new InvalidOptionsError(
        `options.hosts["${name}"] must be an address such as "1.2.3.4" or "1.2.3.4:8443".`,
      );
    if (name.includes('*') && !/^\*\.[^*]+$/.test(name))
      throw new InvalidOptionsError(
        `options.hosts["${name}"]: a wildcard may only be a leading "*." (e.g. "*.example.com").`,
      );
  }
}

/** A VU count (or stage target). */
function vuCount(value: unknown, what: string, min: number): number {
  return checkCount(value, what, min, LIMITS.maxVUs);
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError(`${what} must be a number ≥ 0; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function duration(value: unknown, what: string, fallback?: string): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new InvalidOptionsError(`${what} is required (for example "30s").`);
    return checkDuration(fallback, what);
  }
  return checkDuration(value as string | number, what);
}

/** Iteration starts per second of `rate` per `timeUnitMs`, within the engine's limit. */
function rateWithin(rate: number, timeUnitMs: number, what: string): number {
  if ((rate * 1000) / timeUnitMs > LIMITS.maxRatePerSecond) {
    throw new InvalidOptionsError(
      `${what} asks for ${(rate * 1000) / timeUnitMs} iterations per second; this engine starts at most ${LIMITS.maxRatePerSecond} per second.`,
    );
  }
  return rate;
}

function stages(value: unknown, what: string, maxTarget: number = LIMITS.maxVUs): Stage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidOptionsError(`${what} must be a non-empty list of {duration, target}.`);
  }
  return value.map((s: Raw, i) => ({
    durationMs: duration(s?.duration, `${what}[${i}].duration`),
    target: checkCount(s?.target, `${what}[${i}].target`, 0, maxTarget),
  }));
}

function strings(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(`${what} must be an object of names to strings.`);
  }
  return Object.fromEntries(Object.entries(value as Raw).map(([k, v]) => [k, String(v)]));
}

/**
 * The scenarios a test runs, derived from merged options; `warn` gets k6's warnings for options
 * it overrides or ignores.
 */
export function deriveScenarios(options: Raw, warn: (message: string) => void = () => {}): ScenarioConfig[] {
  const set = (k: string) => options[k] !== undefined && options[k] !== null;
  // k6's conflicts and sentences (grafana/k6 lib/executor/execution_config_shortcuts.go,
  // DeriveScenariosFromShortcuts): iterations may be combined with duration (the maximum
  // duration of the shared-iterations scenario), not with stages or scenarios; `stages: []`
  // counts as not set.
  const hasStages = Array.isArray(options.stages) ? options.stages.length > 0 : set('stages');
  const shortcuts = ['iterations', 'duration', 'stages'].filter((k) => (k === 'stages' ? hasStages : set(k)));
  const first = shortcuts[0];
  if (first !== undefined && first !== 'stages' && hasStages) {
    throw new InvalidOptionsError(`using \`${first}\` and \`stages\` options simultaneously is not allowed`);
  }
  // `vus` with no other shortcut (and no `stages` key at all) runs `vus` iterations on `vus` VUs
  // and overrides scenarios, with k6's warning (k6 ≥ 2.1; an explicit `stages: []` keeps it out).
  const base = { gracefulStop: '30s' };
  if (set('vus') && first === undefined && !set('stages')) {
    if (set('scenarios')) warn(`\`vus=${options.vus}\` overrides scenarios configuration`);
    return [
      scenario('default', {
        ...base,
        executor: 'shared-iterations',
        vus: options.vus,
        iterations: options.vus,
      }),
    ];
  }
  const emptyScenarios =
    set('scenarios') &&
    typeof options.scenarios === 'object' &&
    Object.keys(options.scenarios as Raw).length === 0;
  if (set('scenarios') && !(emptyScenarios && first === undefined)) {
    if (first !== undefined) {
      throw new InvalidOptionsError(
        `using \`${first}\` and \`scenarios\` options simultaneously is not allowed`,
      );
    }
    const scenarios = options.scenarios as Record<string, Raw>;
    if (typeof scenarios !== 'object' || Object.keys(scenarios).length === 0) {
      throw new InvalidOptionsError('options.scenarios must be an object with at least one scenario.');
    }
    return Object.entries(scenarios).map(([name, s]) => scenario(name, s ?? {}));
  }
  if (set('iterations')) {
    return [
      scenario('default', {
        ...base,
        executor: 'shared-iterations',
        vus: options.vus ?? 1,
        iterations: options.iterations,
        maxDuration: options.duration ?? '10m',
      }),
    ];
  }
  if (set('duration')) {
    const d = duration(options.duration, 'options.duration');
    if (d === 0) throw new InvalidOptionsError('options.duration must be longer than 0s.');
    return [
      scenario('default', {
        ...base,
        executor: 'constant-vus',
        vus: options.vus ?? 1,
        duration: options.duration,
      }),
    ];
  }
  if (hasStages) {
    return [
      scenario('default', {
        ...base,
        executor: 'ramping-vus',
        startVUs: options.vus ?? 1,
        stages: options.stages,
      }),
    ];
  }
  if (Array.isArray(options.stages) && options.stages.length === 0) {
    warn('`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU');
  }
  if (emptyScenarios) {
    warn('`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU');
  }
  return [scenario('default', { ...base, executor: 'per-vu-iterations', vus: 1, iterations: 1 })];
}

function scenario(name: string, s: Raw): ScenarioConfig {
  const config = buildScenario(name, s);
  checkPlannedLength(
    config.startTimeMs + plannedDurationMs(config) + config.gracefulStopMs,
    `scenario "${name}"`,
  );
  return config;
}

function buildScenario(name: string, s: Raw): ScenarioConfig {
  const at = `scenario "${name}"`;
  if (!/^[0-9A-Za-z_-]+$/.test(name)) {
    throw new InvalidOptionsError(`${at}: names may only use letters, digits, "_" and "-".`);
  }
  const executor = s.executor;
  // k6's sentence for a scenario without one (grafana/k6 lib/executors.go, UnmarshalJSON).
  if (executor === undefined || executor === null || executor === '') {
    throw new InvalidOptionsError(`scenario '${name}' doesn't have a specified executor type`);
  }
  if (typeof executor !== 'string' || !EXECUTORS.includes(executor)) {
    throw new InvalidOptionsError(
      `${at}: executor ${JSON.stringify(executor)} is not supported; use one of ${EXECUTORS.join(', ')}.`,
    );
  }
  const common: Common = {
    name,
    startTimeMs: duration(s.startTime, `${at} startTime`, '0s'),
    gracefulStopMs: duration(s.gracefulStop, `${at} gracefulStop`, '30s'),
    exec: s.exec === undefined ? 'default' : String(s.exec),
    env: strings(s.env, `${at} env`),
    tags: strings(s.tags, `${at} tags`),
  };
  switch (executor) {
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = vuCount(s.vus ?? 1, `${at} vus`, 1);
      const iterations = checkCount(s.iterations ?? 1, `${at} iterations`, 1, LIMITS.maxIterations);
      if (executor === 'shared-iterations' && iterations < vus) {
        throw new InvalidOptionsError(
          `${at}: iterations (${iterations}) must be at least vus (${vus}) for shared-iterations; lower vus or raise iterations.`,
        );
      }
      return {
        ...common,
        executor,
        vus,
        iterations,
        maxDurationMs: atLeastOneSecond(
          duration(s.maxDuration, `${at} maxDuration`, '10m'),
          at,
          'maxDuration',
        ),
      };
    }
    case 'constant-vus':
      return {
        ...common,
        executor,
        vus: vuCount(s.vus ?? 1, `${at} vus`, 1),
        durationMs: atLeastOneSecond(
          positive(duration(s.duration, `${at} duration`), `${at} duration`),
          at,
          'duration',
        ),
      };
    case 'ramping-vus': {
      const startVUs = vuCount(s.startVUs ?? 1, `${at} startVUs`, 0);
      const vuStages = stages(s.stages, `${at} stages`);
      // k6 refuses a ramp with no VU at any point (lib/executor/ramping_vus.go, Validate).
      if (Math.max(startVUs, ...vuStages.map((st) => st.target)) === 0)
        throw new InvalidOptionsError(
          `${at}: either startVUs or one of the stages' target values must be greater than 0.`,
        );
      return {
        ...common,
        executor,
        startVUs,
        stages: vuStages,
        gracefulRampDownMs: duration(s.gracefulRampDown, `${at} gracefulRampDown`, '30s'),
      };
    }
    case 'constant-arrival-rate': {
      const preAllocatedVUs = vuCount(s.preAllocatedVUs, `${at} preAllocatedVUs`, 0);
      const timeUnitMs = positive(duration(s.timeUnit, `${at} timeUnit`, '1s'), `${at} timeUnit`);
      return {
        ...common,
        executor,
        rate: rateWithin(positive(num(s.rate, `${at} rate`), `${at} rate`), timeUnitMs, `${at} rate`),
        timeUnitMs,
        durationMs: atLeastOneSecond(
          positive(duration(s.duration, `${at} duration`), `${at} duration`),
          at,
          'duration',
        ),
        preAllocatedVUs,
        maxVUs: maxVUs(s.maxVUs, preAllocatedVUs, at),
      };
    }
    default: {
      const preAllocatedVUs = vuCount(s.preAllocatedVUs, `${at} preAllocatedVUs`, 0);
      const timeUnitMs = positive(duration(s.timeUnit, `${at} timeUnit`, '1s'), `${at} timeUnit`);
      const rateStages = stages(s.stages, `${at} stages`, LIMITS.maxIterations);
      for (const st of rateStages) rateWithin(st.target, timeUnitMs, `${at} stages target`);
      return {
        ...common,
        executor: 'ramping-arrival-rate',
        startRate: rateWithin(num(s.startRate ?? 0, `${at} startRate`), timeUnitMs, `${at} startRate`),
        timeUnitMs,
        stages: rateStages,
        preAllocatedVUs,
        maxVUs: maxVUs(s.maxVUs, preAllocatedVUs, at),
      };
    }
  }
}

/**
 * k6's shortest duration and maxDuration of a scenario (grafana/k6 lib/executor/constant_vus.go,
 * minDuration; checked by constant-vus, constant-arrival-rate, shared- and per-vu-iterations).
 */
function atLeastOneSecond(ms: number, at: string, what: string): number {
  if (ms < 1000)
    throw new InvalidOptionsError(`${at}: the ${what} must be at least 1s, but is ${goDuration(ms)}.`);
  return ms;
}

function positive(n: number, what: string): number {
  if (n <= 0) throw new InvalidOptionsError(`${what} must be greater than 0.`);
  return n;
}

function maxVUs(value: unknown, preAllocated: number, at: string): number {
  if (value === undefined || value === null) return preAllocated;
  const n = vuCount(value, `${at} maxVUs`, 0);
  if (n < preAllocated) {
    throw new InvalidOptionsError(`${at}: maxVUs (${n}) must be at least preAllocatedVUs (${preAllocated}).`);
  }
  return n;
}

/** VUs a scenario needs initialised before it starts. */
export function initialVUs(s: ScenarioConfig): number {
  switch (s.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
    case 'constant-vus':
      return s.vus;
    case 'ramping-vus': {
      const most = Math.max(s.startVUs, ...s.stages.map((st) => st.target));
      return s.segment ? scaleBy(s.segment.vus, most) : most;
    }
    default:
      return s.preAllocatedVUs;
  }
}

/** How long a scenario is planned to run, without its gracefulStop. */
export function plannedDurationMs(s: ScenarioConfig): number {
  switch (s.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
      return s.maxDurationMs;
    case 'constant-vus':
    case 'constant-arrival-rate':
      return s.durationMs;
    default:
      return s.stages.reduce((sum, st) => sum + st.durationMs, 0);
  }
}

/** The options' execution segment in its sequence (k6's options executionSegment, executionSegmentSequence). */
export function executionTuple(o: Raw): Tuple {
  const text = (key: string): string => {
    const v = o[key];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string')
      throw new InvalidOptionsError(`${key} must be a string such as "1/4:2/4"; got ${JSON.stringify(v)}.`);
    return v;
  };
  const segment = text('executionSegment');
  const sequence = parseSequence(text('executionSegmentSequence'));
  return tupleOf(segment === '' ? null : parseSegment(segment), sequence);
}

/**
 * Each scenario as this instance runs it: its share of VUs, iterations and arrivals, as k6 splits
 * them between the segments of the sequence; a scenario with no work here is left out, as k6
 * leaves out an executor without work. Without a segment the scenarios are returned unchanged.
 */
export function segmentScenarios(scenarios: ScenarioConfig[], options: Raw): ScenarioConfig[] {
  const t = executionTuple(options);
  if (t.sequence.length === 1) return scenarios;
  const vus = stripeOf(t);
  const out: ScenarioConfig[] = [];
  for (const s of scenarios) {
    const mine = (work: Tuple) => ({ vus, work: stripeOf(work) });
    switch (s.executor) {
      case 'shared-iterations': {
        // The iterations are cut along the VUs: an instance without a VU has none.
        const cut = resegment(t, s.vus);
        const local = scaleInt(t, s.vus);
        const iterations = cut ? scaleInt(cut, s.iterations) : 0;
        if (cut && local > 0 && iterations > 0)
          out.push({ ...s, vus: local, iterations, segment: mine(cut) });
        break;
      }
      case 'per-vu-iterations':
      case 'constant-vus': {
        // Per-VU iterations stay as they are: each VU still runs all of its own.
        const local = scaleInt(t, s.vus);
        if (local > 0) out.push({ ...s, vus: local, segment: mine(t) });
        break;
      }
      case 'ramping-vus': {
        const most = Math.max(s.startVUs, ...s.stages.map((st) => st.target));
        if (scaleBy(vus, most) > 0) out.push({ ...s, segment: mine(t) });
        break;
      }
      default: {
        // Arrivals are cut along maxVUs, the VUs of the executor.
        const cut = resegment(t, s.maxVUs);
        const maxVUs = scaleInt(t, s.maxVUs);
        if (cut && maxVUs > 0)
          out.push({ ...s, preAllocatedVUs: scaleInt(t, s.preAllocatedVUs), maxVUs, segment: mine(cut) });
      }
    }
  }
  return out;
}

/** A duration in Go's `time.Duration.String()` form, as k6 writes durations in JSON ("1m30s", "500ms", "0s"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) {
    if (rest >= 1) return `${sign}${+rest.toFixed(6)}ms`;
    if (rest * 1000 >= 1) return `${sign}${+(rest * 1000).toFixed(3)}µs`;
    return `${sign}${Math.round(rest * 1e6)}ns`;
  }
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${+(rest / 1000).toFixed(9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/**
 * exec.test.options as k6 gives it (grafana/k6 internal/js/modules/k6/execution/execution.go,
 * optionsAsObject: the test's lib.Options as JSON): every option in k6's order, null when not set,
 * without the shortcuts `vus`, `iterations`, `duration` and `stages`, with `scenarios` as k6
 * derived them (a shortcut becomes the `default` scenario), durations in Go's form, thresholds as
 * {threshold, abortOnFail, delayAbortEval}, and the defaults k6 fills in before the run
 * (internal/cmd/config.go, applyDefault: systemTags, summaryTrendStats, dns), then `consoleOutput`
 * and `localIPs`.
 */
export function k6TestOptions(options: Raw, scenarios: ScenarioConfig[]): Raw {
  const { vus: _v, iterations: _i, duration: _d, stages: _s, ...rest } = options;
  const stagesOf = (stages: Stage[]) =>
    stages.map((st) => ({ duration: goDuration(st.durationMs), target: st.target }));
  // Which fields the script gave: k6 marshals each scenario config with null for every field left
  // at its default (null.Int and NullDuration that are not Valid), and a shortcut sets only some
  // (lib/executor/execution_config_shortcuts.go).
  const given = (o: unknown, k: string) => isObject(o) && o[k] !== undefined && o[k] !== null;
  const stagesSet = Array.isArray(options.stages) && options.stages.length > 0;
  const vusOnly =
    given(options, 'vus') &&
    !('stages' in options) &&
    !given(options, 'iterations') &&
    !given(options, 'duration');
  const shortcut = given(options, 'iterations') || given(options, 'duration') || stagesSet || vusOnly;
  const rawScenarios = isObject(options.scenarios) ? options.scenarios : {};
  const explicit = (c: ScenarioConfig): ((k: string) => boolean) => {
    if (!shortcut) return (k) => given(rawScenarios[c.name], k);
    const fields =
      c.executor === 'shared-iterations'
        ? vusOnly
          ? ['vus', 'iterations']
          : [
              'iterations',
              ...(given(options, 'vus') ? ['vus'] : []),
              ...(given(options, 'duration') ? ['maxDuration'] : []),
            ]
        : c.executor === 'constant-vus'
          ? ['duration', ...(given(options, 'vus') ? ['vus'] : [])]
          : c.executor === 'ramping-vus'
            ? ['stages', ...(given(options, 'vus') ? ['startVUs'] : [])]
            : [];
    return (k) => fields.includes(k);
  };
  const view: Record<string, Raw> = {};
  for (const c of scenarios) {
    const has = explicit(c);
    const or = <T>(k: string, v: T) => (has(k) ? v : null);
    const base = {
      executor: c.executor,
      startTime: or('startTime', goDuration(c.startTimeMs)),
      gracefulStop: or('gracefulStop', goDuration(c.gracefulStopMs)),
      env: or('env', c.env),
      exec: or('exec', c.exec),
      tags: or('tags', c.tags),
    };
    switch (c.executor) {
      case 'shared-iterations':
      case 'per-vu-iterations':
        view[c.name] = {
          ...base,
          vus: or('vus', c.vus),
          iterations: or('iterations', c.iterations),
          maxDuration: or('maxDuration', goDuration(c.maxDurationMs)),
        };
        break;
      case 'constant-vus':
        view[c.name] = { ...base, vus: or('vus', c.vus), duration: or('duration', goDuration(c.durationMs)) };
        break;
      case 'ramping-vus':
        view[c.name] = {
          ...base,
          startVUs: or('startVUs', c.startVUs),
          stages: or('stages', stagesOf(c.stages)),
          gracefulRampDown: or('gracefulRampDown', goDuration(c.gracefulRampDownMs)),
        };
        break;
      case 'constant-arrival-rate':
        view[c.name] = {
          ...base,
          rate: or('rate', c.rate),
          timeUnit: or('timeUnit', goDuration(c.timeUnitMs)),
          duration: or('duration', goDuration(c.durationMs)),
          preAllocatedVUs: or('preAllocatedVUs', c.preAllocatedVUs),
          maxVUs: or('maxVUs', c.maxVUs),
        };
        break;
      case 'ramping-arrival-rate':
        view[c.name] = {
          ...base,
          startRate: or('startRate', c.startRate),
          timeUnit: or('timeUnit', goDuration(c.timeUnitMs)),
          stages: or('stages', stagesOf(c.stages)),
          preAllocatedVUs: or('preAllocatedVUs', c.preAllocatedVUs),
          maxVUs: or('maxVUs', c.maxVUs),
        };
        break;
    }
  }
  const set = (k: string) => rest[k] !== undefined && rest[k] !== null;
  const value = (k: string) => (set(k) ? rest[k] : null);
  const dur = (k: string) => {
    if (!set(k)) return null;
    const v = rest[k];
    return typeof v === 'number' || typeof v === 'string' ? goDuration(parseDuration(v, k)) : v;
  };
  const thresholds = set('thresholds')
    ? Object.fromEntries(
        Object.entries(rest.thresholds as Record<string, unknown>).map(([metric, list]) => [
          metric,
          (Array.isArray(list) ? list : [list]).map((t) => {
            const o = (typeof t === 'object' && t !== null ? t : { threshold: t }) as Raw;
            const delay = o.delayAbortEval;
            return {
              threshold: String(o.threshold),
              abortOnFail: o.abortOnFail === true,
              delayAbortEval:
                delay === undefined || delay === null
                  ? null
                  : goDuration(parseDuration(delay as string, 'delayAbortEval')),
            };
          }),
        ]),
      )
    : null;
  const tlsVersion = set('tlsVersion')
    ? typeof rest.tlsVersion === 'string'
      ? { min: rest.tlsVersion, max: rest.tlsVersion }
      : { min: (rest.tlsVersion as Raw).min ?? '', max: (rest.tlsVersion as Raw).max ?? '' }
    : null;
  const out: Raw = {
    paused: value('paused'),
    scenarios: view,
    executionSegment: value('executionSegment'),
    executionSegmentSequence: value('executionSegmentSequence'),
    noSetup: value('noSetup'),
    setupTimeout: dur('setupTimeout'),
    noTeardown: value('noTeardown'),
    teardownTimeout: dur('teardownTimeout'),
    handleSummaryTimeout: dur('handleSummaryTimeout'),
    rps: value('rps'),
    dns: { ttl: '5m', select: 'random', policy: 'preferIPv4' },
    maxRedirects: value('maxRedirects'),
    userAgent: value('userAgent'),
    batch: value('batch'),
    batchPerHost: value('batchPerHost'),
    httpDebug: value('httpDebug'),
    insecureSkipTLSVerify: value('insecureSkipTLSVerify'),
    tlsCipherSuites: value('tlsCipherSuites'),
    tlsVersion,
    tlsAuth: value('tlsAuth'),
    throw: value('throw'),
    thresholds,
    blacklistIPs: value('blacklistIPs'),
    blockHostnames: value('blockHostnames'),
    hosts: value('hosts'),
    noConnectionReuse: value('noConnectionReuse'),
    noVUConnectionReuse: value('noVUConnectionReuse'),
    minIterationDuration: dur('minIterationDuration'),
  };
  if (set('cloud')) out.cloud = rest.cloud;
  Object.assign(out, {
    ext: value('ext'),
    summaryTrendStats: set('summaryTrendStats') ? rest.summaryTrendStats : [...DEFAULT_SUMMARY_TREND_STATS],
    summaryTimeUnit: value('summaryTimeUnit'),
    systemTags: [...((set('systemTags') ? rest.systemTags : DEFAULT_SYSTEM_TAGS) as string[])].sort(),
    tags: set('tags') && Object.keys(rest.tags as Raw).length > 0 ? rest.tags : null,
    metricSamplesBufferSize: value('metricSamplesBufferSize'),
    noCookiesReset: value('noCookiesReset'),
    discardResponseBodies: value('discardResponseBodies'),
    features: value('features'),
    consoleOutput: null,
    localIPs: null,
  });
  return out;
}
