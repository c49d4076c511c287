// What to fetch from CloudWatch, as the CLI's --cw-* options say it. Validation happens here,
// before a run starts, so a typo is a sentence at the prompt rather than a warning after 30 min.

export interface CloudWatchOptions {
  /** Else the SDK's default chain (AWS_REGION, then the profile's region). */
  region?: string;
  /** EKS cluster: Container Insights node CPU, memory and network per node. */
  clusterName?: string;
  /** ALB ARN suffix `app/<name>/<id>`. */
  loadBalancer?: string;
  /** Target group ARN suffix `targetgroup/<name>/<id>`; scopes the ALB metrics to Connect. */
  targetGroup?: string;
  /** RDS instance identifier of Connect's database. */
  dbInstance?: string;
  /** EFS file system id `fs-…` of Connect's data directory. */
  fileSystemId?: string;
  /** Another CloudWatch endpoint (a local fake in tests, a VPC endpoint). */
  endpoint?: string;
}

export const cloudWatchHelp: string[] = [
  'CloudWatch node metrics (fetched for the run window after the run; 1-minute points;',
  'credentials from the AWS default chain; at least one of the targets turns it on):',
  '  --cw-cluster <name>          EKS cluster with Container Insights: CPU, memory, network per node',
  '  --cw-load-balancer <suffix>  ALB as app/<name>/<id> (or its ARN): requests, response time, 5XX',
  '  --cw-target-group <suffix>   target group as targetgroup/<name>/<id> (or its ARN): scopes the',
  '                               ALB metrics to Connect and adds healthy hosts; needs --cw-load-balancer',
  '  --cw-db-instance <id>        RDS instance identifier: CPU %, database connections',
  '  --cw-file-system <fs-id>     EFS file system id: client connections, % of I/O limit',
  '  --cw-region <region>         AWS region (default: AWS_REGION, then the profile)',
  '  --cw-endpoint <url>          CloudWatch endpoint to use instead of the regional one',
];

type Args = Record<string, string | undefined>;

/** The --cw-* options, without the dashes. */
export const CW_OPTION_NAMES = [
  'cw-cluster',
  'cw-load-balancer',
  'cw-target-group',
  'cw-db-instance',
  'cw-file-system',
  'cw-region',
  'cw-endpoint',
];

/** Reads the --cw-* options (keys without the dashes, as `util.parseArgs` gives them).
 *  Returns null when no CloudWatch target is given; throws an Error saying what to fix. */
export function cloudWatchOptionsFromArgs(
  args: Args,
  env: Record<string, string | undefined> = process.env,
): CloudWatchOptions | null {
  const get = (name: string) => {
    const value = args[name]?.trim();
    return value ? value : undefined;
  };
  // Without any --cw-* option CloudWatch is off, whatever AWS_REGION holds.
  if (!CW_OPTION_NAMES.some((name) => get(name))) return null;
  const options: CloudWatchOptions = {
    clusterName: check(
      '--cw-cluster',
      get('cw-cluster'),
      /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/,
      () => 'is not an EKS cluster name (letters, digits, - and _, up to 100 characters).',
    ),
    loadBalancer: arnSuffix(
      '--cw-load-balancer',
      get('cw-load-balancer'),
      'loadbalancer/',
      /^app\/[0-9A-Za-z-]{1,32}\/[0-9a-f]{8,}$/,
      () =>
        'must look like app/<name>/<id>, the end of the load balancer ARN, e.g. app/connect-alb/50dc6c495c0c9188.',
    ),
    targetGroup: arnSuffix(
      '--cw-target-group',
      get('cw-target-group'),
      '',
      /^targetgroup\/[0-9A-Za-z-]{1,32}\/[0-9a-f]{8,}$/,
      () =>
        'must look like targetgroup/<name>/<id>, the end of the target group ARN, e.g. targetgroup/connect/943f017f100becff.',
    ),
    dbInstance: check(
      '--cw-db-instance',
      get('cw-db-instance'),
      /^[A-Za-z][0-9A-Za-z-]{0,62}$/,
      () =>
        'is not an RDS DB instance identifier (a letter, then letters, digits and -, up to 63 characters).',
    ),
    fileSystemId: check(
      '--cw-file-system',
      get('cw-file-system'),
      /^fs-[0-9a-f]{8,17}$/,
      () => 'is not an EFS file system id; it looks like fs-0123456789abcdef0.',
    ),
    region: check(
      get('cw-region') ? '--cw-region' : 'AWS_REGION',
      get('cw-region') ?? (env.AWS_REGION?.trim() || undefined),
      /^[a-z]{2}(-[a-z]+)+-\d+$/,
      () => 'is not an AWS region name such as us-east-1.',
    ),
    endpoint: checkUrl(get('cw-endpoint')),
  };
  if (options.targetGroup && !options.loadBalancer) {
    throw new Error(
      '--cw-target-group needs --cw-load-balancer too: ALB publishes target-group metrics with both dimensions.',
    );
  }
  const targets = [options.clusterName, options.loadBalancer, options.dbInstance, options.fileSystemId];
  if (targets.every((t) => t === undefined)) {
    throw new Error(
      'CloudWatch options were given but nothing to fetch: add at least one of --cw-cluster, --cw-load-balancer, --cw-db-instance, --cw-file-system.',
    );
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as CloudWatchOptions;
}

function check(option: string, value: string | undefined, pattern: RegExp, problem: () => string) {
  if (value === undefined || pattern.test(value)) return value;
  throw new Error(`${option} "${value}" ${problem()}`);
}

/** Accepts the whole ARN too, since that is what the console shows: keeps the part CloudWatch uses. */
function arnSuffix(
  option: string,
  value: string | undefined,
  after: string,
  pattern: RegExp,
  problem: () => string,
) {
  if (value?.startsWith('arn:')) {
    const resource = value.split(':').slice(5).join(':');
    return check(
      option,
      resource.startsWith(after) ? resource.slice(after.length) : resource,
      pattern,
      problem,
    );
  }
  return check(option, value, pattern, problem);
}

function checkUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`--cw-endpoint "${value}" is not an http(s) URL, e.g. http://127.0.0.1:4566.`);
  }
  return value;
}
