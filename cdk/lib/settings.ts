/**
 * What the CDK app is given: the foundation's `terraform output -json`, the directory of Lambda
 * artifacts built by `cargo lambda build --profile lambda --arm64`, and the version of the DATABASE_URL
 * secret that scripts/deploy wrote. Everything is checked here, before any construct exists, so a
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
  redisReplicationGroupId: string;
  redisReplicationGroupArn: string;
  authKeysSecretArn: string;
  actionHmacSecretArn: string;
  telegramWebhookSecretArn: string;
  databaseUrlSecretArn: string;
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
    redisReplicationGroupId: s('redis_replication_group_id'),
    redisReplicationGroupArn: s('redis_replication_group_arn'),
    authKeysSecretArn: s('auth_keys_secret_arn'),
    actionHmacSecretArn: s('action_hmac_secret_arn'),
    telegramWebhookSecretArn: s('telegram_webhook_secret_arn'),
    databaseUrlSecretArn: s('database_url_secret_arn'),
    kmsKeyArn: s('kms_key_arn'),
    lambdaLogGroupNames: output(outputs, 'lambda_log_group_names', isStringMap, 'a map of service name to log group'),
    edgeLogGroupName: s('edge_log_group_name'),
    alarmTopicArn: s('alarm_topic_arn'),
    publicUrl: s('public_url'),
    eksClusterName: s('eks_cluster_name'),
    edgeNamespace: s('edge_namespace'),
  };
}

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
