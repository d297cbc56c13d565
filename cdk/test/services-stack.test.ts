import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SERVICES, FUNCTION_TIMEOUT_SECONDS, LIVE_ALIAS, REQUEST_TIMEOUT_SECONDS } from '../lib/services';
import { lambdaArtifact, loadFoundation, RDS_CA_BUNDLE } from '../lib/settings';
import { auroraMaxConnections } from '../lib/monitoring';
import { cdkContext, fixtureStack, FIXTURE_OUTPUTS } from './fixtures';

const template = Template.fromStack(fixtureStack());
const resources = (type: string) => template.findResources(type);

/**
 * Which service serves which paths behind the ALB: DESIGN.md §3's prefixes, plus groups and battles
 * (docs/ARCHITECTURE.md), each collection also bare (`/x/*` does not match `/x`).
 */
const ROUTES: Record<string, string[]> = {
  auth: ['/api/auth/*', '/.well-known/jwks.json'],
  matchmaking: ['/api/matchmaking/*', '/api/lobbies', '/api/lobbies/*', '/api/battles', '/api/battles/*'],
  profiles: [
    '/api/profiles/*',
    '/api/leaderboards',
    '/api/leaderboards/*',
    '/api/scores',
    '/api/scores/*',
    '/api/actions',
    '/api/actions/*',
    '/api/groups',
    '/api/groups/*',
  ],
  economy: ['/api/wallet', '/api/wallet/*', '/api/store', '/api/store/*', '/api/inventory', '/api/inventory/*'],
  admin: ['/api/admin/*', '/console', '/console/*'],
};

/** The service that answers each first path segment (the lambdas' routers). */
const SERVICE_OF_SEGMENT: Record<string, string> = {
  auth: 'auth',
  '.well-known': 'auth',
  matchmaking: 'matchmaking',
  lobbies: 'matchmaking',
  battles: 'matchmaking',
  profiles: 'profiles',
  leaderboards: 'profiles',
  scores: 'profiles',
  actions: 'profiles',
  groups: 'profiles',
  wallet: 'economy',
  store: 'economy',
  inventory: 'economy',
  admin: 'admin',
};

test('every operation of docs/openapi.json reaches the service that answers it through some ALB rule', () => {
  const doc = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8'));
  // ALB path patterns: `*` any characters (slashes too), `?` one character; case-sensitive.
  const glob = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const rules = Object.entries(ROUTES).flatMap(([service, patterns]) => patterns.map((p) => ({ service, re: glob(p) })));
  // Served by every function and node for the load balancer's health checks, and by the local
  // stack alone (the document and its page).
  const notRouted = new Set(['/healthz', '/readyz', '/api/openapi.json', '/api/docs']);
  let checked = 0;
  for (const template of Object.keys(doc.paths)) {
    if (notRouted.has(template)) continue;
    const concrete = template.replace(/\{[^}]+\}/g, 'x1');
    const segment = concrete.split('/').filter(Boolean)[concrete.startsWith('/api/') ? 1 : 0];
    const expected = SERVICE_OF_SEGMENT[segment];
    assert.ok(expected, `no service known for ${template}`);
    const hits = rules.filter((r) => r.re.test(concrete)).map((r) => r.service);
    assert.ok(hits.length > 0, `${template} matches no ALB rule`);
    assert.deepEqual([...new Set(hits)], [expected], `${template} must reach ${expected} only`);
    checked += 1;
  }
  assert.ok(checked >= 40, `checked only ${checked} paths`);
});

test('every service runs as arm64 provided.al2023 functions named after the environment', () => {
  template.resourceCountIs('AWS::Lambda::Function', Object.keys(ROUTES).length);
  for (const name of Object.keys(ROUTES)) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `whoosh-test-${name}`,
      Runtime: 'provided.al2023',
      Architectures: ['arm64'],
      Handler: 'bootstrap',
      Timeout: FUNCTION_TIMEOUT_SECONDS,
      VpcConfig: {
        SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'subnet-0aaaaaaaaaaaaaaa3'],
        SecurityGroupIds: ['sg-00000000000000001'],
      },
      LoggingConfig: { LogGroup: `/aws/lambda/whoosh-test-${name}` },
      KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    });
  }
});

test('only the auth function gets the Telegram webhook secret, and may read it', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/telegram-webhook-secret-YzAbCd';
  for (const spec of SERVICES) {
    const fn = Object.values(resources('AWS::Lambda::Function')).find(
      (r) => r['Properties']['FunctionName'] === `whoosh-test-${spec.name}`,
    );
    const source = fn?.['Properties']['Environment']['Variables']['TELEGRAM_WEBHOOK_SECRET_SOURCE'];
    assert.equal(source, spec.name === 'auth' ? `aws-secretsmanager:${arn}` : undefined, spec.name);
  }
  const readers = Object.values(resources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p['Properties']['PolicyDocument']).includes(arn),
  );
  assert.equal(readers.length, 1, 'one role may read the webhook secret');
  assert.match(JSON.stringify(readers[0]['Properties']['Roles']), /Auth/);
});

test('the function timeout leaves room for the service to answer its own 504', () => {
  assert.ok(FUNCTION_TIMEOUT_SECONDS > REQUEST_TIMEOUT_SECONDS);
});

test('every function reserves its concurrency, which bounds its database connections', () => {
  for (const spec of SERVICES) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `whoosh-test-${spec.name}`,
      ReservedConcurrentExecutions: spec.reservedConcurrency,
    });
  }
});

test('functions log in to Aurora as the application role with IAM tokens, verifying the server (no password anywhere)', () => {
  template.allResourcesProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        CLIENT_IP_SOURCE: 'peer',
        LOG_FORMAT: 'json',
        AUTH_KEYS_SOURCE: 'aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/auth-keys-AbCdEf',
        ELASTICACHE_REPLICATION_GROUP_ID: 'whoosh-test',
        DATABASE_MAX_CONNECTIONS: '3',
        HTTP_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_SECONDS}s`,
        WHOOSH_PUBLIC_URL: 'https://play.test.example',
        DATABASE_URL:
          'postgres://whoosh_app@whoosh-test.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com:5432/whoosh' +
          '?sslmode=verify-full&sslrootcert=%2Fvar%2Ftask%2Frds-global-bundle.pem',
        DATABASE_AUTH: 'iam',
        REDIS_AUTH_SOURCE: 'aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/redis-auth-StUvWx',
      }),
    },
  });
  // Each role may connect as the application role of this cluster, and as nothing else.
  const connect = 'arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/whoosh_app';
  const lambdaPolicies = Object.values(resources('AWS::IAM::Policy')).filter((p) =>
    SERVICES.some((s) => JSON.stringify(p['Properties']['Roles']).includes(`${s.name.charAt(0).toUpperCase()}${s.name.slice(1)}Role`)),
  );
  assert.equal(lambdaPolicies.length, SERVICES.length);
  for (const policy of lambdaPolicies) {
    const st = (policy['Properties']['PolicyDocument']['Statement'] as Record<string, unknown>[]).filter(
      (s) => ([] as unknown[]).concat(s['Action']).includes('rds-db:connect'),
    );
    assert.equal(st.length, 1);
    const resource = JSON.stringify(st[0]['Resource']);
    assert.ok(resource.endsWith(`${connect.replace('arn:aws', '')}"]]}`) && !resource.includes('*'), resource);
  }
  assert.ok(!JSON.stringify(template.toJSON()).includes('resolve:secretsmanager'), 'no secret is resolved into the template');
  for (const fn of Object.values(resources('AWS::Lambda::Function'))) {
    const vars = fn['Properties']['Environment']['Variables'] as Record<string, string>;
    assert.equal(vars['REDIS_URL'], undefined, 'REDIS_URL must stay unset so the endpoint is discovered');
    const hmac = 'aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/action-hmac-GhIjKl';
    const isProfiles = fn['Properties']['FunctionName'] === 'whoosh-test-profiles';
    assert.equal(vars['ACTION_KEY_SOURCE'], isProfiles ? hmac : undefined, 'only profiles signs and checks action tokens');
  }
});

test('each service gets a Lambda target group with a /healthz health check', () => {
  template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', Object.keys(ROUTES).length);
  template.allResourcesProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    TargetType: 'lambda',
    HealthCheckEnabled: true,
    HealthCheckPath: '/healthz',
  });
});

test('listener rules on the terraform-made HTTPS listener route exactly these paths', () => {
  const rules = Object.values(resources('AWS::ElasticLoadBalancingV2::ListenerRule'));
  const listenerArn =
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/whoosh-test/0123456789abcdef/fedcba9876543210';
  const groups = resources('AWS::ElasticLoadBalancingV2::TargetGroup');
  const targetOf = (tgLogicalId: string): string => {
    const alias = resources('AWS::Lambda::Alias')[groups[tgLogicalId]['Properties']['Targets'][0]['Id']['Ref'] as string];
    const fn = resources('AWS::Lambda::Function')[alias['Properties']['FunctionName']['Ref'] as string];
    return (fn['Properties']['FunctionName'] as string).replace('whoosh-test-', '');
  };

  const routed: Record<string, string[]> = {};
  const priorities = new Set<number>();
  for (const rule of rules) {
    const p = rule['Properties'];
    assert.equal(p['ListenerArn'], listenerArn);
    assert.ok(p['Priority'] >= 100, 'Lambda rules start at priority 100, after the edge rule');
    assert.ok(!priorities.has(p['Priority']), `priority ${p['Priority']} used twice`);
    priorities.add(p['Priority']);
    const values = p['Conditions'][0]['PathPatternConfig']['Values'] as string[];
    assert.ok(values.length <= 5, 'an ALB rule takes at most five values');
    const service = targetOf(p['Actions'][0]['TargetGroupArn']['Ref']);
    routed[service] = [...(routed[service] ?? []), ...values];
  }
  assert.deepEqual(routed, ROUTES);
  for (const paths of Object.values(routed)) {
    for (const p of paths) {
      assert.ok(!p.startsWith('/ws/') && !p.startsWith('/sse/'), 'edge paths belong to the edge target group');
    }
  }
});

test('only load balancers of the same account may invoke the functions, through their live alias', () => {
  const permissions = Object.values(resources('AWS::Lambda::Permission'));
  assert.equal(permissions.length, SERVICES.length);
  const aliases = resources('AWS::Lambda::Alias');
  for (const p of permissions) {
    assert.equal(p['Properties']['Principal'], 'elasticloadbalancing.amazonaws.com');
    assert.equal(p['Properties']['SourceAccount'], '123456789012');
    assert.ok(aliases[p['Properties']['FunctionName']['Ref']], 'the permission is on the alias, not the bare function');
  }
});

test('roles grant only what each service uses', () => {
  const policies = Object.values(resources('AWS::IAM::Policy'));
  // A role per function, and CodeDeploy's.
  assert.equal(policies.length, SERVICES.length + 1);
  template.resourceCountIs('AWS::IAM::Role', SERVICES.length + 1);
  for (const role of Object.values(resources('AWS::IAM::Role'))) {
    assert.equal(role['Properties']['ManagedPolicyArns'], undefined, 'no AWS managed policies');
  }
  const hmac = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/action-hmac-GhIjKl';
  let hmacReaders = 0;
  for (const policy of policies) {
    for (const st of policy['Properties']['PolicyDocument']['Statement']) {
      const actions = ([] as string[]).concat(st['Action']);
      const res = ([] as unknown[]).concat(st['Resource']);
      assert.ok(!actions.some((a) => a === '*' || a.endsWith(':*')), `wildcard action in ${JSON.stringify(st)}`);
      if (res.includes('*')) {
        assert.ok(
          actions.every((a) => a.startsWith('ec2:') || a === 'cloudwatch:DescribeAlarms'),
          `only ENI actions and DescribeAlarms may be unscoped: ${JSON.stringify(st)}`,
        );
      }
      if (actions.includes('secretsmanager:GetSecretValue')) {
        assert.ok(!JSON.stringify(res).includes('rds!cluster'), 'no function reads the Aurora master secret');
        if (res.includes(hmac)) hmacReaders++;
      }
    }
  }
  assert.equal(hmacReaders, 1, 'only the profiles service reads the action-token key');
});

test('the issue-required alarms exist and notify the alarm topic', () => {
  const names = Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a['Properties']['AlarmName'] as string);
  const required = [
    'score-update-p99',
    'leaderboard-drift',
    'rate-limited',
    'edge-connections-capacity',
    'action-token-rejects',
    'edge-tick-lag',
    'edge-outbox-depth',
    'edge-no-healthy-pods',
    'aurora-capacity',
    'aurora-connections',
    'aurora-replica-lag',
    'notification-backlog',
    'redis-cpu',
    'redis-memory',
    'redis-evictions',
    'redis-replication-lag',
    'alb-5xx',
    'edge-target-connection-errors',
    'edge-metrics-missing',
    'edge-postgres-unreachable',
    'edge-redis-unreachable',
    ...SERVICES.flatMap((s) => [
      `${s.name}-lambda-errors`,
      `${s.name}-lambda-throttles`,
      `${s.name}-lambda-duration`,
      `${s.name}-5xx`,
      `${s.name}-release-latency`,
    ]),
  ];
  for (const r of required) {
    assert.ok(names.includes(`whoosh-test-${r}`), `missing alarm whoosh-test-${r}`);
  }
  template.allResourcesProperties('AWS::CloudWatch::Alarm', {
    AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:whoosh-test-alarms'],
    OKActions: ['arn:aws:sns:eu-west-1:123456789012:whoosh-test-alarms'],
    AlarmDescription: Match.stringLikeRegexp('Runbook: docs/OPERATIONS.md'),
  });
  for (const alarm of Object.values(resources('AWS::CloudWatch::Alarm'))) {
    const metrics = alarm['Properties']['Metrics'] as unknown[] | undefined;
    assert.ok(!metrics || metrics.length <= 10, 'an alarm takes at most ten metrics');
  }
});

test('the alarms read the metrics the services emit as EMF (crates/http/src/emf.rs)', () => {
  // The names the Rust module documents (its table) are the names the alarms read.
  const emf = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'crates', 'http', 'src', 'emf.rs'), 'utf8');
  const emitted = [...emf.matchAll(/^\/\/! \| `(\w+)` \|/gm)].map((m) => m[1]);
  for (const name of ['Requests', 'Latency', 'ServerErrors', 'RateLimited', 'Errors', 'LeaderboardDrift', 'NotificationOldestDueAge']) {
    assert.ok(emitted.includes(name), `crates/http/src/emf.rs does not emit ${name}`);
  }
  assert.ok(emf.includes(`format!("{method} {route}")`), 'Route is "<METHOD> <template>"');
  template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  template.allResourcesProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ METRICS_NAMESPACE: 'Whoosh/test' }) },
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-score-update-p99',
    Namespace: 'Whoosh/test',
    MetricName: 'Latency',
    ExtendedStatistic: 'p99',
    Dimensions: Match.arrayWith([
      { Name: 'Route', Value: 'POST /api/scores' },
      { Name: 'Service', Value: 'profiles' },
    ]),
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-notification-backlog',
    Namespace: 'Whoosh/test',
    MetricName: 'NotificationOldestDueAge',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-leaderboard-drift',
    Namespace: 'Whoosh/test',
    MetricName: 'LeaderboardDrift',
  });
  const rejects = Object.values(resources('AWS::CloudWatch::Alarm')).find(
    (a) => a['Properties']['AlarmName'] === 'whoosh-test-action-token-rejects',
  );
  const codes = (rejects?.['Properties']['Metrics'] as Record<string, any>[])
    .filter((m) => m['MetricStat'])
    .map((m) => {
      const stat = m['MetricStat']['Metric'];
      assert.equal(stat['MetricName'], 'Errors');
      return stat['Dimensions'].find((d: Record<string, string>) => d['Name'] === 'Code')['Value'];
    });
  assert.deepEqual(codes.sort(), ['action_token_expired', 'action_token_wrong_user', 'invalid_action_token', 'score_over_cap']);
  for (const spec of SERVICES) {
    const alarm = Object.values(resources('AWS::CloudWatch::Alarm')).find(
      (a) => a['Properties']['AlarmName'] === `whoosh-test-${spec.name}-5xx`,
    );
    const names = (alarm?.['Properties']['Metrics'] as Record<string, any>[])
      .filter((m) => m['MetricStat'])
      .map((m) => m['MetricStat']['Metric']['MetricName']);
    assert.deepEqual(names.sort(), ['Requests', 'ServerErrors']);
  }
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

test('the edge alarms read the namespace the metrics agent writes (scripts/deploy sets it)', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-edge-tick-lag',
    Namespace: 'Whoosh/test/edge',
    MetricName: 'whoosh_edge_tick_lag_max_seconds',
  });
  const deploy = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'scripts', 'deploy'), 'utf8');
  assert.ok(deploy.includes('emf_processor.metric_namespace = `Whoosh/${env}/edge`'), 'scripts/deploy sets the edge namespace');
});

test('a bootstrap that is not an arm64 executable is refused unless it is a declared fixture', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whoosh-artifact-'));
  fs.mkdirSync(path.join(dir, 'whoosh-auth'));
  fs.writeFileSync(path.join(dir, 'whoosh-auth', RDS_CA_BUNDLE), '-----BEGIN CERTIFICATE-----\n');
  // An x86-64 ELF header (e_machine 0x3e).
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(0x3e, 18);
  fs.writeFileSync(path.join(dir, 'whoosh-auth', 'bootstrap'), header);
  assert.throws(() => lambdaArtifact(dir, 'whoosh-auth', false), /not an AArch64/);
  header.writeUInt16LE(0xb7, 18);
  fs.writeFileSync(path.join(dir, 'whoosh-auth', 'bootstrap'), header);
  assert.equal(lambdaArtifact(dir, 'whoosh-auth', false), path.join(dir, 'whoosh-auth'));
  assert.throws(() => lambdaArtifact(dir, 'whoosh-economy', false), /cargo lambda build --profile lambda --arm64/);
});

test('a missing terraform output is named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whoosh-outputs-'));
  const outputs = JSON.parse(fs.readFileSync(FIXTURE_OUTPUTS, 'utf8')) as Record<string, unknown>;
  delete outputs['https_listener_arn'];
  const file = path.join(dir, 'outputs.json');
  fs.writeFileSync(file, JSON.stringify(outputs));
  assert.throws(() => loadFoundation(file), /terraform output "https_listener_arn" is missing/);
});

test('the capacity alarm assumes the edge HPA maximum of edge/k8s', () => {
  const hpa = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'edge', 'k8s', 'hpa.yaml'), 'utf8');
  const max = /^\s*maxReplicas:\s*(\d+)/m.exec(hpa);
  assert.ok(max, 'edge/k8s/hpa.yaml has maxReplicas');
  assert.equal(Number(cdkContext()['edgeMaxReplicas']), Number(max[1]));
});

test('the fixture mirrors every output of terraform/outputs.tf, the contract scripts/deploy and this app read', () => {
  const tf = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'terraform', 'outputs.tf'), 'utf8');
  const declared = [...tf.matchAll(/^output "([a-z0-9_]+)"/gm)].map((m) => m[1]).sort();
  const fixture = Object.keys(JSON.parse(fs.readFileSync(FIXTURE_OUTPUTS, 'utf8')) as object).sort();
  assert.deepEqual(fixture, declared);
});

test('a restart marker reaches every function only when scripts/deploy --restart asks for it', () => {
  for (const fn of Object.values(resources('AWS::Lambda::Function'))) {
    assert.equal(fn['Properties']['Environment']['Variables']['WHOOSH_RESTARTED_AT'], undefined);
  }
  Template.fromStack(fixtureStack('2026-01-01T00:00:00Z')).allResourcesProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ WHOOSH_RESTARTED_AT: '2026-01-01T00:00:00Z' }) },
  });
});

test('every function the app defines is released blue-green: a version, the alias live on it, and a CodeDeploy group rolling back on its alarms', () => {
  const functions = resources('AWS::Lambda::Function');
  const aliases = Object.values(resources('AWS::Lambda::Alias'));
  const versions = resources('AWS::Lambda::Version');
  const groups = Object.values(resources('AWS::CodeDeploy::DeploymentGroup'));
  const alarms = resources('AWS::CloudWatch::Alarm');
  assert.ok(Object.keys(functions).length >= SERVICES.length);
  for (const [id, fn] of Object.entries(functions)) {
    const name = fn['Properties']['FunctionName'] as string;
    const alias = Object.entries(resources('AWS::Lambda::Alias')).find(([, a]) => a['Properties']['FunctionName']['Ref'] === id);
    assert.ok(alias, `${name} has no alias`);
    const [aliasId, a] = alias;
    assert.equal(a['Properties']['Name'], LIVE_ALIAS);
    const version = versions[a['Properties']['FunctionVersion']['Fn::GetAtt'][0] as string];
    assert.ok(version, `${name}: the alias must point at a published version`);
    // Kept when a newer version replaces it: what a rollback goes back to.
    const versionId = a['Properties']['FunctionVersion']['Fn::GetAtt'][0] as string;
    assert.equal(template.toJSON()['Resources'][versionId]['DeletionPolicy'], 'Retain', `${name}: old versions are retained`);
    const update = template.toJSON()['Resources'][aliasId]['UpdatePolicy']?.['CodeDeployLambdaAliasUpdate'];
    assert.ok(update, `${name}: the alias is shifted by CodeDeploy`);
  }
  assert.equal(groups.length, Object.keys(functions).length, 'one deployment group per function');
  assert.equal(aliases.length, Object.keys(functions).length);
  for (const g of groups) {
    const p = g['Properties'];
    assert.equal(p['DeploymentConfigName'], 'CodeDeployDefault.LambdaCanary10Percent5Minutes');
    assert.deepEqual([...p['AutoRollbackConfiguration']['Events']].sort(), [
      'DEPLOYMENT_FAILURE',
      'DEPLOYMENT_STOP_ON_ALARM',
      'DEPLOYMENT_STOP_ON_REQUEST',
    ]);
    assert.equal(p['AutoRollbackConfiguration']['Enabled'], true);
    assert.equal(p['AlarmConfiguration']['Enabled'], true);
    const watched = (p['AlarmConfiguration']['Alarms'] as Array<{ Name: { Ref: string } }>).map(
      (a) => alarms[a.Name.Ref]['Properties']['AlarmName'] as string,
    );
    const service = (p['DeploymentGroupName'] as string).replace('whoosh-test-', '');
    assert.deepEqual(watched.sort(), [
      `whoosh-test-${service}-5xx`,
      `whoosh-test-${service}-lambda-errors`,
      `whoosh-test-${service}-release-latency`,
    ]);
  }
  // CodeDeploy's role is written out narrowly: no AWS managed policy on it.
  const role = Object.values(resources('AWS::IAM::Role')).find((r) =>
    JSON.stringify(r['Properties']['AssumeRolePolicyDocument']).includes('codedeploy.amazonaws.com'),
  );
  assert.ok(role);
  assert.equal(role['Properties']['ManagedPolicyArns'], undefined);
  // The ALB invokes the alias, never $LATEST.
  for (const tg of Object.values(resources('AWS::ElasticLoadBalancingV2::TargetGroup'))) {
    const target = tg['Properties']['Targets'][0]['Id'];
    assert.ok(target['Ref'] && resources('AWS::Lambda::Alias')[target['Ref']], 'target groups target the live alias');
  }
});

test('every alarm decides how it treats missing data; silence alarms where it means something stopped reporting', () => {
  const byName = Object.fromEntries(
    Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => [
      (a['Properties']['AlarmName'] as string).replace('whoosh-test-', ''),
      a['Properties']['TreatMissingData'] as string,
    ]),
  );
  for (const [name, missing] of Object.entries(byName)) {
    assert.ok(['breaching', 'notBreaching'].includes(missing), `${name}: TreatMissingData ${missing}`);
  }
  // A dead metrics agent, notifier, drift check or data store must alarm, not go quiet.
  for (const name of [
    'edge-metrics-missing',
    'notification-backlog',
    'leaderboard-drift',
    'edge-no-healthy-pods',
    'aurora-capacity',
    'aurora-connections',
    'redis-cpu',
    'redis-memory',
  ]) {
    assert.equal(byName[name], 'breaching', name);
  }
});

test('the capacity alarm counts every kind of edge socket: lobbies, /ws/me and SSE', () => {
  const alarm = Object.values(resources('AWS::CloudWatch::Alarm')).find(
    (a) => a['Properties']['AlarmName'] === 'whoosh-test-edge-connections-capacity',
  );
  const kinds = (alarm?.['Properties']['Metrics'] as Record<string, any>[])
    .filter((m) => m['MetricStat'])
    .map((m) => m['MetricStat']['Metric']['Dimensions'].find((d: Record<string, string>) => d['Name'] === 'kind')['Value']);
  assert.deepEqual(kinds.sort(), ['me', 'sse', 'ws']);
  // The edge's own table of kinds (edge/src/metrics.rs) names the same three.
  const metrics = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'edge', 'src', 'metrics.rs'), 'utf8');
  for (const kind of ['ws', 'me', 'sse']) assert.ok(metrics.includes(`(\`${kind}\`)`), `edge/src/metrics.rs documents kind ${kind}`);
});

test('ElastiCache, ALB and Aurora alarms watch every node and the limits of the fixture', () => {
  const redisCpu = Object.values(resources('AWS::CloudWatch::Alarm')).find((a) => a['Properties']['AlarmName'] === 'whoosh-test-redis-cpu');
  const nodes = (redisCpu?.['Properties']['Metrics'] as Record<string, any>[])
    .filter((m) => m['MetricStat'])
    .map((m) => m['MetricStat']['Metric']['Dimensions'][0]['Value']);
  const fixture = JSON.parse(fs.readFileSync(FIXTURE_OUTPUTS, 'utf8'));
  assert.deepEqual(nodes.sort(), [...fixture['redis_member_clusters']['value']].sort());
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-alb-5xx',
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_ELB_5XX_Count',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-edge-target-connection-errors',
    MetricName: 'TargetConnectionErrorCount',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'whoosh-test-aurora-connections',
    MetricName: 'DatabaseConnections',
    Threshold: Math.floor(auroraMaxConnections(128) * 0.8),
  });
  assert.equal(auroraMaxConnections(128), 5000);
  assert.equal(auroraMaxConnections(8), 1802);
});

test('every alarm has a row in the runbook of docs/OPERATIONS.md', () => {
  const ops = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'OPERATIONS.md'), 'utf8');
  const runbook = ops.slice(ops.indexOf('## Alarms runbook'));
  // The first cell of each row names one alarm or several (`a`, `b`).
  const rows = new Set(
    [...runbook.matchAll(/^\| (`[a-z0-9<>-]+`(?:, `[a-z0-9<>-]+`)*) \|/gm)].flatMap((m) =>
      [...m[1].matchAll(/`([^`]+)`/g)].map((n) => n[1]),
    ),
  );
  for (const alarm of Object.values(resources('AWS::CloudWatch::Alarm'))) {
    const name = (alarm['Properties']['AlarmName'] as string).replace('whoosh-test-', '');
    const generic = SERVICES.reduce((n, s) => (n.startsWith(`${s.name}-`) ? `<service>-${n.slice(s.name.length + 1)}` : n), name);
    assert.ok(rows.has(name) || rows.has(generic), `no runbook row for ${name}`);
  }
});

test('the functions are packaged with the RDS CA bundle their DATABASE_URL names', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whoosh-artifact-'));
  fs.mkdirSync(path.join(dir, 'whoosh-auth'));
  fs.writeFileSync(path.join(dir, 'whoosh-auth', 'bootstrap'), 'x');
  assert.throws(() => lambdaArtifact(dir, 'whoosh-auth', true), new RegExp(RDS_CA_BUNDLE));
});

test('every edge metric an alarm reads is forwarded by the metrics agent, with the dimensions the alarm names', () => {
  const agent = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'edge', 'k8s', 'metrics', 'cloudwatch-agent.json'), 'utf8'),
  );
  const declarations = agent['logs']['metrics_collected']['prometheus']['emf_processor']['metric_declaration'] as Array<{
    dimensions: string[][];
    metric_selectors: string[];
  }>;
  let checked = 0;
  for (const alarm of Object.values(resources('AWS::CloudWatch::Alarm'))) {
    const p = alarm['Properties'];
    const stats: Record<string, any>[] = p['Metrics']
      ? (p['Metrics'] as Record<string, any>[]).filter((m) => m['MetricStat']).map((m) => m['MetricStat']['Metric'])
      : [{ Namespace: p['Namespace'], MetricName: p['MetricName'], Dimensions: p['Dimensions'] }];
    for (const m of stats) {
      if (m['Namespace'] !== 'Whoosh/test/edge') continue;
      const dims = (m['Dimensions'] as Array<{ Name: string }>).map((d) => d.Name).sort();
      const forwarded = declarations.some(
        (d) =>
          d.metric_selectors.some((sel) => new RegExp(sel).test(m['MetricName'])) &&
          d.dimensions.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(dims)),
      );
      assert.ok(forwarded, `${p['AlarmName']}: ${m['MetricName']} by ${dims.join(', ')} is not forwarded by the agent`);
      checked++;
    }
  }
  assert.ok(checked >= 6, `only ${checked} edge metrics checked`);
});
