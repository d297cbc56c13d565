/**
 * The Lambda side of Whoosh: one function per service, in the VPC, behind the terraform-made ALB
 * through its own target group and path rules, plus the alarms and dashboard (monitoring.ts).
 *
 * Releases are blue-green: every function the app defines is published as a version and served
 * through its alias `live`, which the ALB target group invokes. A changed function gets a new
 * version, and CodeDeploy shifts the alias to it (RELEASE_SHIFT: a tenth of the traffic first),
 * rolling back by itself when one of the service's release alarms fires. Old versions are kept,
 * so a rollback points the alias back without a rebuild (scripts/deploy --rollback).
 */
import * as cdk from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { metricsNamespace, Monitoring } from './monitoring';
import {
  FIRST_RULE_PRIORITY,
  FUNCTION_TIMEOUT_SECONDS,
  LAMBDA_DATABASE_POOL,
  MAX_PATHS_PER_RULE,
  LIVE_ALIAS,
  RELEASE_SHIFT,
  REQUEST_TIMEOUT_SECONDS,
  SERVICES,
  ServiceSpec,
} from './services';
import { Foundation, lambdaArtifact, RDS_CA_BUNDLE_PATH } from './settings';

export interface ServicesStackProps extends cdk.StackProps {
  foundation: Foundation;
  /** cargo lambda's output directory (`target/lambda`), holding `<binary>/bootstrap`. */
  artifactsDir: string;
  /** Only test fixtures: accept bootstraps that are not AArch64 executables. */
  allowPlaceholderArtifacts?: boolean;
  /** Edge pods the HPA may run (edge/k8s/hpa.yaml maxReplicas), for connection capacity. */
  edgeMaxReplicas: number;
  /** Connections one edge pod is sized for (the HPA's per-pod target is below it). */
  edgeConnectionsPerPod: number;
  /**
   * Set by `scripts/deploy --restart` (a timestamp). A changed value changes every function's
   * configuration, so Lambda serves later requests from new execution environments, which load
   * the keyring and secrets afresh (key rotation). The services ignore the variable itself.
   */
  restartedAt?: string;
}

/** Records in the template why a checkov check does not apply to `resource` (scripts/test-infra runs checkov on it). */
function checkovSkip(resource: cdk.CfnResource, skips: Array<{ id: string; comment: string }>) {
  resource.addMetadata('checkov', { skip: skips });
}

export class ServicesStack extends cdk.Stack {
  readonly functions: Record<string, lambda.Function> = {};
  readonly aliases: Record<string, lambda.Alias> = {};

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const f = props.foundation;

    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: f.vpcId,
      availabilityZones: f.availabilityZones,
      privateSubnetIds: f.privateSubnetIds,
      privateSubnetRouteTableIds: f.privateRouteTableIds,
    });
    // Terraform owns the security groups and their rules; nothing here may add to them.
    const lambdaSg = ec2.SecurityGroup.fromSecurityGroupId(this, 'LambdaSg', f.lambdaSecurityGroupId, { mutable: false });
    const albSg = ec2.SecurityGroup.fromSecurityGroupId(this, 'AlbSg', f.albSecurityGroupId, { mutable: false });
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(this, 'HttpsListener', {
      listenerArn: f.httpsListenerArn,
      securityGroup: albSg,
    });
    const key = kms.Key.fromKeyArn(this, 'Key', f.kmsKeyArn);

    // No password anywhere: the services log in as the application role with an IAM
    // authentication token made per connection (DATABASE_AUTH=iam), so RDS rotating the master
    // password changes nothing here, and verify the server against the RDS CA bundle.
    const databaseUrl = databaseUrlOf(f, RDS_CA_BUNDLE_PATH);

    let priority = FIRST_RULE_PRIORITY;
    for (const spec of SERVICES) {
      const fn = this.service(spec, {
        foundation: f,
        vpc,
        lambdaSg,
        key,
        databaseUrl,
        code: lambdaArtifact(props.artifactsDir, spec.binary, props.allowPlaceholderArtifacts ?? false),
        restartedAt: props.restartedAt,
      });
      this.functions[spec.name] = fn;
      // The published version of this configuration; earlier versions are retained for rollback.
      const alias = new lambda.Alias(this, `${pascal(spec.name)}Live`, {
        aliasName: LIVE_ALIAS,
        version: fn.currentVersion,
        description: `The version of ${spec.name} that serves the ALB; CodeDeploy moves it`,
      });
      this.aliases[spec.name] = alias;

      const targetGroup = new elbv2.ApplicationTargetGroup(this, `${pascal(spec.name)}Targets`, {
        targetGroupName: `${f.namePrefix}-${spec.name}`.slice(0, 32),
        targetType: elbv2.TargetType.LAMBDA,
        targets: [new AlbInvokedAlias(alias)],
        // One invocation a minute per target group of /healthz, which answers whenever the
        // function can answer at all (its configuration and keys loaded): dependency health is
        // in the alarms, and a PostgreSQL blip must not mark every function unhealthy.
        healthCheck: {
          enabled: true,
          path: '/healthz',
          interval: cdk.Duration.seconds(60),
          timeout: cdk.Duration.seconds(30),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
      });

      for (let i = 0; i < spec.paths.length; i += MAX_PATHS_PER_RULE) {
        new elbv2.ApplicationListenerRule(this, `${pascal(spec.name)}Rule${i / MAX_PATHS_PER_RULE}`, {
          listener,
          priority: priority++,
          conditions: [elbv2.ListenerCondition.pathPatterns(spec.paths.slice(i, i + MAX_PATHS_PER_RULE))],
          targetGroups: [targetGroup],
        });
      }
      // Room for a service to gain rules without renumbering the others.
      priority = Math.ceil(priority / 10) * 10;
    }

    const monitoring = new Monitoring(this, 'Monitoring', {
      foundation: f,
      functions: this.functions,
      edgeMaxReplicas: props.edgeMaxReplicas,
      edgeConnectionsPerPod: props.edgeConnectionsPerPod,
    });

    this.releases(f, monitoring);

    for (const spec of SERVICES) {
      new cdk.CfnOutput(this, `${pascal(spec.name)}FunctionName`, {
        value: this.functions[spec.name].functionName,
        description: `Lambda function of the ${spec.name} service`,
      });
    }
  }

  /**
   * A CodeDeploy deployment group for the alias of every function in `this.functions`, with the
   * service's release alarms (5xx share, failed invocations, p99 latency) as automatic rollback.
   * One role serves them all, with only what a Lambda deployment needs.
   */
  private releases(f: Foundation, monitoring: Monitoring) {
    const application = new codedeploy.LambdaApplication(this, 'Releases', {
      applicationName: `${f.namePrefix}-services`,
    });
    const role = new iam.Role(this, 'ReleaseRole', {
      roleName: `${f.namePrefix}-codedeploy`,
      description: 'CodeDeploy: shifts the live aliases of the Whoosh functions and reads their release alarms',
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ShiftLiveAliases',
        actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
        resources: [`arn:${cdk.Aws.PARTITION}:lambda:${f.region}:${f.accountId}:function:${f.namePrefix}-*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadReleaseAlarms',
        // DescribeAlarms supports no resource-level permissions.
        actions: ['cloudwatch:DescribeAlarms'],
        resources: ['*'],
      }),
    );
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as cdk.CfnResource | undefined;
    if (policy) {
      checkovSkip(policy, [{ id: 'CKV_AWS_111', comment: 'Only cloudwatch:DescribeAlarms is unscoped; it supports no resource-level permissions.' }]);
    }
    // The role is complete as written: CodeDeploy's managed policy (every function, every S3
    // object) must not be attached on top.
    const fixedRole = role.withoutPolicyUpdates();
    for (const [name, alias] of Object.entries(this.aliases)) {
      new codedeploy.LambdaDeploymentGroup(this, `${pascal(name)}Release`, {
        application,
        deploymentGroupName: `${f.namePrefix}-${name}`,
        alias,
        role: fixedRole,
        deploymentConfig: RELEASE_SHIFT,
        alarms: monitoring.releaseAlarms(name),
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
    }
  }

  private service(
    spec: ServiceSpec,
    ctx: {
      foundation: Foundation;
      vpc: ec2.IVpc;
      lambdaSg: ec2.ISecurityGroup;
      key: kms.IKey;
      databaseUrl: string;
      code: string;
      restartedAt?: string;
    },
  ): lambda.Function {
    const f = ctx.foundation;
    const functionName = `${f.namePrefix}-${spec.name}`;
    const logGroupName = f.lambdaLogGroupNames[spec.name];
    if (logGroupName === undefined) {
      throw new Error(`terraform output lambda_log_group_names has no entry for "${spec.name}"`);
    }
    const logGroup = logs.LogGroup.fromLogGroupName(this, `${pascal(spec.name)}Logs`, logGroupName);

    // A role per function with exactly what it uses; no AWS managed policy, whose log and
    // network permissions reach every log group of the account.
    const role = new iam.Role(this, `${pascal(spec.name)}Role`, {
      roleName: `${functionName}-lambda`,
      description: `Execution role of the Whoosh ${spec.name} Lambda function`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`arn:${cdk.Aws.PARTITION}:logs:${f.region}:${f.accountId}:log-group:${logGroupName}:*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        // The ENI calls Lambda makes for a function in a VPC have no resource-level scoping.
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ConnectAsApplicationRole',
        actions: ['rds-db:connect'],
        resources: [
          `arn:${cdk.Aws.PARTITION}:rds-db:${f.region}:${f.accountId}:dbuser:${f.auroraClusterResourceId}/${f.databaseAppUser}`,
        ],
      }),
    );
    const secrets = [
      f.authKeysSecretArn,
      f.redisAuthSecretArn,
      ...(spec.readsActionKey ? [f.actionHmacSecretArn] : []),
      ...(spec.readsTelegramWebhookSecret ? [f.telegramWebhookSecretArn] : []),
    ];
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptSecretsAndEnvironment',
        actions: ['kms:Decrypt'],
        resources: [f.kmsKeyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': [`secretsmanager.${f.region}.amazonaws.com`, `lambda.${f.region}.amazonaws.com`],
          },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DiscoverRedis',
        actions: ['elasticache:DescribeReplicationGroups'],
        resources: [f.redisReplicationGroupArn],
      }),
    );

    const fn = new lambda.Function(this, pascal(spec.name), {
      functionName,
      description: `Whoosh ${spec.name} service (${spec.binary}): ${spec.paths.join(' ')}`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(ctx.code),
      memorySize: spec.memoryMiB,
      timeout: cdk.Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      reservedConcurrentExecutions: spec.reservedConcurrency,
      role,
      vpc: ctx.vpc,
      vpcSubnets: { subnets: ctx.vpc.privateSubnets },
      securityGroups: [ctx.lambdaSg],
      logGroup,
      environmentEncryption: ctx.key,
      // A release replaces the version the alias serves; the old one stays, for the rollback.
      currentVersionOptions: { removalPolicy: cdk.RemovalPolicy.RETAIN },
      environment: {
        DATABASE_URL: ctx.databaseUrl,
        DATABASE_AUTH: 'iam',
        DATABASE_MAX_CONNECTIONS: String(LAMBDA_DATABASE_POOL),
        // Unset REDIS_URL: the endpoint, cluster mode and TLS are read from the replication group.
        ELASTICACHE_REPLICATION_GROUP_ID: f.redisReplicationGroupId,
        REDIS_AUTH_SOURCE: `aws-secretsmanager:${f.redisAuthSecretArn}`,
        AUTH_KEYS_SOURCE: `aws-secretsmanager:${f.authKeysSecretArn}`,
        // Under Lambda, `peer` is the address the ALB appended to X-Forwarded-For.
        CLIENT_IP_SOURCE: 'peer',
        HTTP_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_SECONDS}s`,
        WHOOSH_PUBLIC_URL: f.publicUrl,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        // Metrics as EMF lines on stdout (METRICS_EMF=auto under Lambda), read by the alarms.
        METRICS_NAMESPACE: metricsNamespace(f.environment),
        ...(spec.readsActionKey ? { ACTION_KEY_SOURCE: `aws-secretsmanager:${f.actionHmacSecretArn}` } : {}),
        ...(spec.readsTelegramWebhookSecret
          ? { TELEGRAM_WEBHOOK_SECRET_SOURCE: `aws-secretsmanager:${f.telegramWebhookSecretArn}` }
          : {}),
        ...(ctx.restartedAt ? { WHOOSH_RESTARTED_AT: ctx.restartedAt } : {}),
      },
    });

    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    checkovSkip(cfn, [
      {
        id: 'CKV_AWS_116',
        comment: 'Invoked synchronously by the ALB; a failed request is answered to the client, there is no event to dead-letter.',
      },
    ]);
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as cdk.CfnResource | undefined;
    if (policy) {
      checkovSkip(policy, [
        {
          id: 'CKV_AWS_111',
          comment: 'Only the VPC network-interface actions Lambda needs are unscoped; they support no resource-level permissions.',
        },
      ]);
    }
    return fn;
  }
}

/**
 * A Lambda alias as the target, with an invoke permission limited to load balancers of this
 * account. It cannot name the target group itself: CloudFormation registers the alias while
 * creating the group, which needs the permission to exist first.
 */
class AlbInvokedAlias implements elbv2.IApplicationLoadBalancerTarget {
  constructor(private readonly alias: lambda.Alias) {}

  attachToApplicationTargetGroup(targetGroup: elbv2.IApplicationTargetGroup): elbv2.LoadBalancerTargetProps {
    this.alias.addPermission('AlbInvoke', {
      principal: new iam.ServicePrincipal('elasticloadbalancing.amazonaws.com'),
      sourceAccount: cdk.Stack.of(this.alias).account,
    });
    targetGroup.node.addDependency(this.alias.node.findChild('AlbInvoke'));
    return { targetType: elbv2.TargetType.LAMBDA, targetJson: { id: this.alias.functionArn } };
  }
}

/**
 * The services' DATABASE_URL: the application role at the writer, TLS verified against the RDS
 * CA bundle at `caBundle`. It carries no password (DATABASE_AUTH=iam), so it is no secret.
 */
export function databaseUrlOf(f: Foundation, caBundle: string): string {
  const e = encodeURIComponent;
  return (
    `postgres://${e(f.databaseAppUser)}@${f.auroraWriterEndpoint}:${f.auroraPort}/${e(f.databaseName)}` +
    `?sslmode=verify-full&sslrootcert=${e(caBundle)}`
  );
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
