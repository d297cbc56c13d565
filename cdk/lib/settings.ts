/**
 * What the CDK app is given: the foundation's `terraform output -json` and the directory of Lambda
 * artifacts built by `cargo lambda build --profile lambda --arm64` (each with the RDS CA bundle beside
 * its bootstrap). Everything is checked here, before any construct exists, so a
 * wrong input stops synth with a message naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The terraform outputs this app reads (terraform/outputs.tf). */
export interface Foundation {
  environment: string;
  region: string;
  accountId: string;
  namePrefix: string;
  vpcId: string;
  availabilityZones: string[];
  privateSubnetIds: string[];
  privateRouteTableIds: string[];
  lambdaSecurityGroupId: string;
  albArnSuffix: string;
  albSecurityGroupId: string;
  httpsListenerArn: string;
  edgeTargetGroupArnSuffix: string;
  auroraClusterId: string;
  /** The cluster's resource id (cluster-...), which IAM database authentication grants name. */
  auroraClusterResourceId: string;
  auroraWriterEndpoint: string;
  auroraPort: number;
  auroraMaxAcu: number;
  databaseName: string;
  /** The PostgreSQL role the services log in as (IAM authentication, DML only). */
  databaseAppUser: string;
  redisReplicationGroupId: string;
  redisReplicationGroupArn: string;
  /** The replication group's nodes (cache cluster ids), for the per-node alarms. */
  redisMemberClusters: string[];
  /** The services' ElastiCache RBAC user name and password (REDIS_AUTH_SOURCE). */
  redisAuthSecretArn: string;
  authKeysSecretArn: string;
  actionHmacSecretArn: string;
  telegramWebhookSecretArn: string;
  kmsKeyArn: string;
  lambdaLogGroupNames: Record<string, string>;
  edgeLogGroupName: string;
  alarmTopicArn: string;
  publicUrl: string;
  eksClusterName: string;
  edgeNamespace: string;
}

type TerraformOutputs = Record<string, { value: unknown }>;

function output<T>(outputs: TerraformOutputs, name: string, check: (v: unknown) => v is T, what: string): T {
  const entry = outputs[name];
  if (entry === undefined) {
    throw new Error(`terraform output "${name}" is missing: apply terraform/ first (scripts/deploy --only terraform)`);
  }
  if (!check(entry.value)) {
    throw new Error(`terraform output "${name}" must be ${what}, got ${JSON.stringify(entry.value)}`);
  }
  return entry.value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isString);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString);

/** Reads the file written by `terraform output -json`. */
export function loadFoundation(file: string): Foundation {
  let outputs: TerraformOutputs;
  try {
    outputs = JSON.parse(fs.readFileSync(file, 'utf8')) as TerraformOutputs;
  } catch (e) {
    throw new Error(`cannot read the terraform outputs at ${file} (terraform output -json > ${file}): ${(e as Error).message}`);
  }
  const s = (name: string) => output(outputs, name, isString, 'a non-empty string');
  const list = (name: string) => output(outputs, name, isStringList, 'a non-empty list of strings');
  const n = (name: string) => output(outputs, name, isNumber, 'a positive number');
  return {
    environment: s('environment'),
    region: s('region'),
    accountId: s('account_id'),
    namePrefix: s('name_prefix'),
    vpcId: s('vpc_id'),
    availabilityZones: list('availability_zones'),
    privateSubnetIds: list('private_subnet_ids'),
    privateRouteTableIds: list('private_route_table_ids'),
    lambdaSecurityGroupId: s('lambda_security_group_id'),
    albArnSuffix: s('alb_arn_suffix'),
    albSecurityGroupId: s('alb_security_group_id'),
    httpsListenerArn: s('https_listener_arn'),
    edgeTargetGroupArnSuffix: s('edge_target_group_arn_suffix'),
    auroraClusterId: s('aurora_cluster_id'),
    auroraClusterResourceId: s('aurora_cluster_resource_id'),
    auroraWriterEndpoint: s('aurora_writer_endpoint'),
    auroraPort: n('aurora_port'),
    auroraMaxAcu: n('aurora_max_acu'),
    databaseName: s('database_name'),
    databaseAppUser: s('database_app_user'),
    redisReplicationGroupId: s('redis_replication_group_id'),
    redisReplicationGroupArn: s('redis_replication_group_arn'),
    redisMemberClusters: list('redis_member_clusters'),
    redisAuthSecretArn: s('redis_auth_secret_arn'),
    authKeysSecretArn: s('auth_keys_secret_arn'),
    actionHmacSecretArn: s('action_hmac_secret_arn'),
    telegramWebhookSecretArn: s('telegram_webhook_secret_arn'),
    kmsKeyArn: s('kms_key_arn'),
    lambdaLogGroupNames: output(outputs, 'lambda_log_group_names', isStringMap, 'a map of service name to log group'),
    edgeLogGroupName: s('edge_log_group_name'),
    alarmTopicArn: s('alarm_topic_arn'),
    publicUrl: s('public_url'),
    eksClusterName: s('eks_cluster_name'),
    edgeNamespace: s('edge_namespace'),
  };
}

/**
 * The RDS certificate bundle the functions verify Aurora's certificate with
 * (sslmode=verify-full): scripts/deploy puts it beside each bootstrap, so it is at this path in
 * the function's package.
 */
export const RDS_CA_BUNDLE = 'rds-global-bundle.pem';
export const RDS_CA_BUNDLE_PATH = `/var/task/${RDS_CA_BUNDLE}`;

/** ELF machine number of AArch64, the architecture the functions run on. */
const EM_AARCH64 = 0xb7;

/**
 * Finds `<artifactsDir>/<binary>/bootstrap` (cargo lambda's layout) and checks that it is an
 * AArch64 ELF executable, so that an x86_64 build or a stray file is never deployed. Test fixtures
 * pass `allowPlaceholder` to synthesize without a Rust cross build; deploys never do.
 */
export function lambdaArtifact(artifactsDir: string, binary: string, allowPlaceholder: boolean): string {
  const dir = path.resolve(artifactsDir, binary);
  const bootstrap = path.join(dir, 'bootstrap');
  if (!fs.existsSync(bootstrap)) {
    throw new Error(
      `no Lambda artifact at ${bootstrap}: build with \`cargo lambda build --profile lambda --arm64\` ` +
        '(scripts/deploy --only lambdas) and pass its output directory as -c artifactsDir=<dir>',
    );
  }
  if (!fs.existsSync(path.join(dir, RDS_CA_BUNDLE))) {
    throw new Error(
      `no ${RDS_CA_BUNDLE} beside ${bootstrap}: the functions verify Aurora's certificate with it ` +
        '(scripts/deploy --only lambdas downloads it from https://truststore.pki.rds.amazonaws.com)',
    );
  }
  if (!allowPlaceholder) {
    const header = Buffer.alloc(20);
    const fd = fs.openSync(bootstrap, 'r');
    try {
      fs.readSync(fd, header, 0, header.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    const isElf = header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    if (!isElf || header.readUInt16LE(18) !== EM_AARCH64) {
      throw new Error(`${bootstrap} is not an AArch64 (arm64) executable: build with \`cargo lambda build --profile lambda --arm64\``);
    }
  }
  return dir;
}
