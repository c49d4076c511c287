// `npm run k6-operator -- manifests …`: the Kubernetes manifests of a distributed run, for users
// who apply them with their own tooling. The run itself (`--engine k6-operator` on scalability,
// load-soak and nightly) creates the same objects through kubectl. No Secret value is written.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FIXTURE_FLASK_CONTENT_NAME } from '../../scenarios/lib/inputs.ts';
import { normaliseServer } from '../connect/client.ts';
import {
  buildManifests,
  collectorName,
  k8sName,
  ManifestError,
  runnerInputs,
  secretName,
  toYaml,
} from '../k6-operator/index.ts';
import { EXIT_CODES } from '../pipeline/exit-codes.ts';
import { checkOutputFolder } from '../pipeline/input-files.ts';
import { planWorkload, scripts } from '../pipeline/workload.ts';
import { runId } from '../record/run-id.ts';
import type { Profile, RunKind } from '../record/types.ts';
import { k6OperatorHelp } from './help.ts';
import {
  checkedDuration,
  K6_OPERATOR_OPTIONS,
  k6OperatorFrom,
  oneOf,
  parse,
  UsageError,
  vusNumber,
} from './options.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function manifests(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = 'npm run k6-operator -- manifests';
  const { values, positionals } = parse(
    args,
    {
      out: { type: 'string' },
      kind: { type: 'string' },
      profile: { type: 'string' },
      vus: { type: 'string' },
      duration: { type: 'string' },
      'flask-content': { type: 'string' },
      ...K6_OPERATOR_OPTIONS,
    },
    command,
  );
  if (values.help) {
    process.stdout.write(`${k6OperatorHelp}\n`);
    return EXIT_CODES.ok;
  }
  if (positionals.length)
    throw new UsageError(`manifests takes no arguments, got '${positionals.join(' ')}'.`);
  if (values.keep) throw new UsageError('--keep is for a run (--engine k6-operator), not for manifests.');
  const str = (name: string) => (values[name] as string | undefined) || undefined;
  const outDir = str('out');
  if (!outDir) throw new UsageError(`manifests needs --out <dir>. Run \`${command} --help\`.`);
  await checkOutputFolder(outDir, '--out').catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const settings = k6OperatorFrom(values, str, true);
  if (!settings) throw new UsageError('--parallelism is required.');
  const kind: RunKind = oneOf('kind', str('kind'), ['load-soak', 'scalability']) ?? 'load-soak';
  const profile: Profile = oneOf('profile', str('profile'), ['reference', 'local', 'smoke']) ?? 'reference';
  const vusText = str('vus');
  const vus = vusText === undefined ? undefined : vusNumber(vusText);
  const duration = checkedDuration(str('duration'));
  if (!env.CONNECT_SERVER?.trim()) {
    throw new UsageError('Set CONNECT_SERVER to the Connect the runners load (a URL the cluster reaches).');
  }
  let server: string;
  try {
    server = normaliseServer(env.CONNECT_SERVER);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const given = str('flask-content') ?? env.FLASK_CONTENT_URL?.trim() ?? env.FLASK_CONTENT_GUID?.trim();
  // Unnamed, the runners look the Flask API up by the name the harness publishes it under
  // (--publish-fixtures, the stand-in), read-only, in their setup().
  const flask = given || FIXTURE_FLASK_CONTENT_NAME;
  if (!given) {
    log(
      `No --flask-content given: the runners use the content named '${FIXTURE_FLASK_CONTENT_NAME}' (deploy dist/bundles/flask-stock-api.tar.gz under that name, or pass --flask-content <guid or URL>).`,
    );
  }
  const flaskIsUrl = /^https?:\/\//.test(flask);
  if (given && !flaskIsUrl && !/^[A-Za-z0-9-]{8,64}$/.test(flask)) {
    throw new UsageError(`--flask-content must be a content GUID or its URL, got '${flask}'.`);
  }
  if (!existsSync(scripts[kind])) {
    log(`The scenario bundle ${scripts[kind]} is missing; run \`npm run build\` first.`);
    return EXIT_CODES.usage;
  }

  const workload = await planWorkload(
    {
      kind,
      engine: 'k6-operator',
      profile,
      vus,
      duration,
      outDir,
      failOnBaseline: false,
      publishFixtures: false,
      sourceOptions: {},
      k6Out: [],
    },
    {
      kind: 'connect',
      url: server,
      apiKey: '',
      flaskUrl: flaskIsUrl ? flask.replace(/\/*$/, '/') : '',
      processes: () => [],
      close: async () => {},
    },
    log,
  );
  const runnerEnv: Record<string, string> = { ...workload.env };
  // Without the harness there is no one-time lookup: each runner's setup() resolves a GUID itself
  // (read-only) and nothing is deleted in teardown (PUBLISH_CLEANUP is not set).
  if (!flaskIsUrl) {
    delete runnerEnv.FLASK_CONTENT_URL;
    if (given) runnerEnv.FLASK_CONTENT_GUID = flask;
    else runnerEnv.FLASK_CONTENT_NAME = flask;
  }
  const id = runId(new Date(), kind);
  const name = k8sName(id);
  const inputs = await runnerInputs(runnerEnv);
  let built: ReturnType<typeof buildManifests>;
  try {
    built = buildManifests({
      name,
      namespace: settings.namespace,
      runId: id,
      parallelism: settings.parallelism,
      script: { name: basename(workload.script), bytes: await readFile(workload.script) },
      files: inputs.files,
      env: inputs.env,
      apiKeySecret: secretName(name),
      image: settings.image,
      storageClass: settings.storageClass,
      storageSize: settings.storageSize,
      collectorSeconds: 24 * 3600,
    });
  } catch (error) {
    if (error instanceof ManifestError) throw new UsageError(error.message);
    throw error;
  }
  await mkdir(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    [
      'pvc.yaml',
      toYaml(built.pvc, 'ReadWriteMany claim the runners write their NDJSON to (one file per runner pod)'),
    ],
    [
      'configmap.yaml',
      toYaml(built.configMap, `The ${kind} bundle and the Plumber fixture it opens (mounted at /test)`),
    ],
    [
      'testrun.yaml',
      toYaml(
        built.testRun,
        `k6-operator TestRun: ${settings.parallelism} runners; the API key comes from Secret ${secretName(name)}`,
      ),
    ],
    [
      'collector-pod.yaml',
      toYaml(built.collector, `Mounts the claim so the runners' files can be copied out after the run`),
    ],
  ];
  for (const [file, text] of files) await writeFile(join(outDir, file), text);
  const ns = settings.namespace;
  const ctx = settings.kubeContext ? ` --context ${settings.kubeContext}` : '';
  process.stdout.write(
    [
      `Wrote ${files.map(([f]) => join(outDir, f)).join(', ')}.`,
      '',
      'Run it (bash; the key goes through a pipe, never a command line or a file):',
      `  kubectl${ctx} -n ${ns} create secret generic ${secretName(name)} --from-env-file=<(printf 'CONNECT_API_KEY=%s\\n' "$CONNECT_API_KEY")`,
      `  kubectl${ctx} -n ${ns} apply -f ${join(outDir, 'pvc.yaml')} -f ${join(outDir, 'configmap.yaml')} -f ${join(outDir, 'testrun.yaml')}`,
      `  kubectl${ctx} -n ${ns} get testrun ${name} -w        # until the stage is finished`,
      `  kubectl${ctx} -n ${ns} apply -f ${join(outDir, 'collector-pod.yaml')}`,
      `  kubectl${ctx} -n ${ns} wait --for=condition=Ready pod/${collectorName(name)}`,
      `  mkdir -p runners && kubectl${ctx} -n ${ns} exec ${collectorName(name)} -- tar -C ${built.resultsPath} -cf - . | tar -xf - -C runners`,
      `  npm run ingest -- runners/*.ndjson.gz --kind ${kind}`,
      `  kubectl${ctx} -n ${ns} delete testrun/${name} configmap/${name} pod/${collectorName(name)} pvc/${name} secret/${secretName(name)}`,
      '',
    ].join('\n'),
  );
  return EXIT_CODES.ok;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'manifests') return manifests(args, process.env);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${k6OperatorHelp}\n`);
    return EXIT_CODES.ok;
  }
  throw new UsageError(
    `Unknown command '${command}': the one command is \`npm run k6-operator -- manifests\`.`,
  );
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  log((error as Error).message ?? String(error));
  process.exitCode = error instanceof UsageError ? EXIT_CODES.usage : EXIT_CODES.failed;
}
