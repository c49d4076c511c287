// The manifests of a distributed run, validated against k6-operator's published TestRun CRD
// (vendored as test data with its Apache-2.0 notice in test/data/k6-operator/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import {
  buildManifests,
  k8sName,
  ManifestError,
  type ManifestInput,
  runnerInputs,
  secretManifest,
} from '../harness/k6-operator/index.ts';
import { bundlePaths } from '../harness/pipeline/target.ts';
import { scripts } from '../harness/pipeline/workload.ts';
import { cliArgs } from './helpers/cli.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CRD = join(import.meta.dirname, 'data', 'k6-operator', 'k6.io_testruns.yaml');

type Schema = Record<string, unknown>;

/**
 * kubectl validates custom resources strictly (unknown fields are errors), so every object in the
 * schema that lists its properties gets additionalProperties: false unless it keeps unknown fields.
 */
function strict(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (
    copy.properties &&
    copy.additionalProperties === undefined &&
    !copy['x-kubernetes-preserve-unknown-fields']
  ) {
    copy.additionalProperties = false;
  }
  for (const key of ['properties', 'patternProperties']) {
    if (copy[key]) {
      copy[key] = Object.fromEntries(
        Object.entries(copy[key] as Record<string, Schema>).map(([k, v]) => [k, strict(v)]),
      );
    }
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (copy[key] && typeof copy[key] === 'object') copy[key] = strict(copy[key] as Schema);
  }
  for (const key of ['anyOf', 'allOf', 'oneOf']) {
    if (Array.isArray(copy[key])) copy[key] = (copy[key] as Schema[]).map(strict);
  }
  return copy;
}

let validateTestRun: ((data: unknown) => boolean) & { errors?: unknown };
let dir: string;
let plumber: Buffer;
let script: Buffer;

before(async () => {
  const [crd] = parseAllDocuments(await readFile(CRD, 'utf8')).map((d) => d.toJSON());
  assert.equal(crd.spec.names.kind, 'TestRun');
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  validateTestRun = ajv.compile(strict(version.schema.openAPIV3Schema));
  dir = await mkdtemp(join(tmpdir(), 'k6op-manifests-'));
  plumber = await readFile(bundlePaths.plumber);
  script = await readFile(scripts['load-soak']);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    name: 'perf-load-soak-20261130-101500',
    namespace: 'perf',
    runId: '2026-11-30T10-15-00Z-load-soak',
    parallelism: 4,
    script: { name: 'load-soak.js', bytes: script },
    files: [{ name: 'plumber-stock-api.tar.gz', bytes: plumber }],
    env: { CONNECT_SERVER: 'https://connect.example.com', PROFILE: 'reference' },
    apiKeySecret: 'perf-load-soak-20261130-101500-key',
    image: 'grafana/k6:1.4.0',
    storageClass: 'efs-sc',
    storageSize: '10Gi',
    collectorSeconds: 7200,
    ...overrides,
  };
}

type Env = { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> };

describe('k6-operator manifests', () => {
  it('derive Kubernetes names from run ids', () => {
    assert.equal(k8sName('2026-11-30T10-15-00Z-load-soak'), 'perf-load-soak-20261130-101500');
    assert.equal(k8sName('2026-11-30T10-15-00Z-2-scalability'), 'perf-scalability-20261130-101500-2');
    assert.throws(() => k8sName('../etc'), ManifestError);
  });

  it('build a TestRun that the published CRD schema accepts', () => {
    const m = buildManifests(input());
    const ok = validateTestRun(m.testRun);
    assert.ok(ok, JSON.stringify(validateTestRun.errors, null, 2));
    const spec = m.testRun.spec as Record<string, unknown> & {
      runner: { env: Env[]; volumeMounts: unknown[] };
    };
    assert.equal(m.testRun.apiVersion, 'k6.io/v1alpha1');
    assert.equal(spec.parallelism, 4);
    assert.deepEqual(spec.script, { configMap: { name: m.configMap.metadata.name, file: 'load-soak.js' } });
    assert.deepEqual(spec.args, [
      '--out',
      'json=/results/2026-11-30T10-15-00Z-load-soak/$(RUNNER_POD).ndjson.gz',
    ]);
    assert.deepEqual(spec.runner.volumeMounts, [
      { name: 'results', mountPath: '/results/2026-11-30T10-15-00Z-load-soak' },
    ]);
    const key = spec.runner.env.find((e) => e.name === 'CONNECT_API_KEY');
    assert.deepEqual(key, {
      name: 'CONNECT_API_KEY',
      valueFrom: { secretKeyRef: { name: 'perf-load-soak-20261130-101500-key', key: 'CONNECT_API_KEY' } },
    });
    const initializer = spec.initializer as { env: Env[] };
    assert.deepEqual(
      initializer.env.find((e) => e.name === 'CONNECT_API_KEY'),
      { name: 'CONNECT_API_KEY', value: 'not-used-by-the-initializer' },
      'k6-operator puts the initializer env on a command line: no key there',
    );
    assert.deepEqual(
      spec.runner.env.find((e) => e.name === 'RUNNER_POD')?.valueFrom,
      { fieldRef: { fieldPath: 'metadata.name' } },
      'the file name comes from the pod name, one file per runner',
    );
  });

  it('the validation bites: a misspelt field or a wrong type is refused', () => {
    const m = buildManifests(input());
    const spec = m.testRun.spec as Record<string, unknown>;
    assert.equal(validateTestRun({ ...m.testRun, spec: { ...spec, paralelism: 4 } }), false);
    assert.equal(validateTestRun({ ...m.testRun, spec: { ...spec, parallelism: '4' } }), false);
    const { parallelism: _p, ...withoutParallelism } = spec;
    assert.equal(validateTestRun({ ...m.testRun, spec: withoutParallelism }), false);
  });

  it('put the bundle and the Plumber fixture into the ConfigMap, under the 1 MiB limit', () => {
    const m = buildManifests(input());
    const data = m.configMap.data as Record<string, string>;
    const binary = m.configMap.binaryData as Record<string, string>;
    assert.equal(data['load-soak.js'], script.toString('utf8'));
    assert.ok(Buffer.from(binary['plumber-stock-api.tar.gz'], 'base64').equals(plumber));
    assert.ok(JSON.stringify(m.configMap).length < 1024 * 1024);
    const big = { name: 'big.tar.gz', bytes: new Uint8Array(800_000) };
    assert.throws(() => buildManifests(input({ files: [big] })), /over Kubernetes' 1 MiB object limit/);
  });

  it('ask for a ReadWriteMany claim in the given storage class', () => {
    const m = buildManifests(input());
    assert.deepEqual(m.pvc.spec, {
      accessModes: ['ReadWriteMany'],
      storageClassName: 'efs-sc',
      resources: { requests: { storage: '10Gi' } },
    });
    assert.equal(
      (buildManifests(input({ storageClass: undefined })).pvc.spec as Record<string, unknown>)
        .storageClassName,
      undefined,
    );
  });

  it('never take the API key into the runner environment in clear', async () => {
    assert.throws(
      () => buildManifests(input({ env: { CONNECT_API_KEY: 'k' } })),
      /must not be part of the runner environment/,
    );
    const inputs = await runnerInputs({
      CONNECT_API_KEY: 'k',
      PLUMBER_BUNDLE: bundlePaths.plumber,
      PROFILE: 'smoke',
    });
    assert.deepEqual(inputs.env, { PLUMBER_BUNDLE: '/test/plumber-stock-api.tar.gz', PROFILE: 'smoke' });
    assert.equal(inputs.files[0].name, 'plumber-stock-api.tar.gz');
    assert.deepEqual(secretManifest('n', 'perf', 'k').stringData, { CONNECT_API_KEY: 'k' });
  });

  it('pass --k6-out outputs to every runner, their variables only through the Secret', () => {
    const { testRun } = buildManifests(
      input({
        outputs: {
          out: ['experimental-prometheus-rw', 'influxdb=http://influx:8086/k6'],
          envNames: ['K6_PROMETHEUS_RW_SERVER_URL', 'K6_INFLUXDB_PASSWORD'],
        },
      }),
    );
    const spec = testRun.spec as {
      args: string[];
      runner: {
        env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }>;
      };
    };
    assert.deepEqual(spec.args.slice(2), [
      '--out',
      'experimental-prometheus-rw',
      '--out',
      'influxdb=http://influx:8086/k6',
    ]);
    for (const name of ['K6_PROMETHEUS_RW_SERVER_URL', 'K6_INFLUXDB_PASSWORD']) {
      const entry = spec.runner.env.find((e) => e.name === name);
      assert.equal(entry?.value, undefined, `${name} has no value in the manifest`);
      assert.equal(entry?.valueFrom?.secretKeyRef?.key, name);
    }
    assert.deepEqual(secretManifest('n', 'perf', 'k', { K6_INFLUXDB_PASSWORD: 'pw' }).stringData, {
      K6_INFLUXDB_PASSWORD: 'pw',
      CONNECT_API_KEY: 'k',
    });
  });

  it('refuse a bad namespace and parallelism with a sentence', () => {
    assert.throws(() => buildManifests(input({ namespace: 'Perf_NS' })), /--namespace must be a Kubernetes/);
    assert.throws(() => buildManifests(input({ parallelism: 0 })), /--parallelism must be/);
  });
});

describe('npm run k6-operator -- manifests', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, [...cliArgs('k6-operator'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const key = 'secret-key-that-must-not-be-written-0123';

  it('writes manifests whose TestRun validates, with no Secret value on disk', async () => {
    const out = join(dir, 'm');
    const result = await cli(
      ['manifests', '--parallelism', '4', '--out', out, '--namespace', 'perf', '--storage-class', 'efs-sc'],
      {
        CONNECT_SERVER: 'https://connect.example.com',
        CONNECT_API_KEY: key,
        FLASK_CONTENT_URL: 'https://connect.example.com/content/0a1b2c3d/',
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const files = (await readdir(out)).sort();
    assert.deepEqual(files, ['collector-pod.yaml', 'configmap.yaml', 'pvc.yaml', 'testrun.yaml']);
    for (const file of files) {
      const text = await readFile(join(out, file), 'utf8');
      assert.ok(!text.includes(key), `${file} holds no API key`);
      assert.ok(!/kind: Secret/.test(text), `${file} is no Secret`);
    }
    assert.ok(!result.stdout.includes(key) && !result.stderr.includes(key));
    const testRun = parse(await readFile(join(out, 'testrun.yaml'), 'utf8'));
    assert.ok(validateTestRun(testRun), JSON.stringify(validateTestRun.errors));
    assert.equal(testRun.spec.parallelism, 4);
    const configMap = parse(await readFile(join(out, 'configmap.yaml'), 'utf8'));
    assert.equal(configMap.metadata.name, testRun.spec.script.configMap.name);
    assert.equal(configMap.data['load-soak.js'], script.toString('utf8'), 'the built load-soak bundle');
    assert.match(testRun.spec.args[1], /^json=\/results\/[^/]+-load-soak\/\$\(RUNNER_POD\)\.ndjson\.gz$/);
    const env = Object.fromEntries(
      (testRun.spec.runner.env as Env[]).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
    assert.equal(env.FLASK_CONTENT_URL, 'https://connect.example.com/content/0a1b2c3d/');
    assert.equal(env.PUBLISH_CLEANUP, undefined, 'no runner deletes content in teardown');
    assert.match(result.stdout, /--from-env-file=<\(printf/);
  });

  it('without a Flask content, the runners look up the fixture by its name', async () => {
    const out = join(dir, 'by-name');
    const result = await cli(['manifests', '--parallelism', '4', '--out', out], {
      CONNECT_SERVER: 'https://connect.example.com',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /the runners use the content named 'perf-flask-stock-api'/);
    const testRun = parse(await readFile(join(out, 'testrun.yaml'), 'utf8'));
    assert.ok(validateTestRun(testRun), JSON.stringify(validateTestRun.errors));
    assert.equal(testRun.spec.parallelism, 4);
    const env = Object.fromEntries(
      (testRun.spec.runner.env as Env[]).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
    assert.equal(env.FLASK_CONTENT_NAME, 'perf-flask-stock-api');
    assert.equal(env.FLASK_CONTENT_URL, undefined);
    const keyRef = env.CONNECT_API_KEY as Record<string, Record<string, string>> | undefined;
    assert.ok(keyRef?.secretKeyRef?.name, 'the API key only as a Secret reference');
  });

  it('says what is missing, exit 2', async () => {
    const noServer = await cli(['manifests', '--parallelism', '2', '--out', join(dir, 'x')], {});
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /^Set CONNECT_SERVER/);
    const noParallelism = await cli(['manifests', '--out', join(dir, 'x')], {
      CONNECT_SERVER: 'https://c.example.com',
    });
    assert.equal(noParallelism.code, 2);
    assert.match(noParallelism.stderr, /needs --parallelism/);
  });
});
