import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SERVICES, FUNCTION_TIMEOUT_SECONDS, REQUEST_TIMEOUT_SECONDS } from '../lib/services';
import { lambdaArtifact, loadFoundation } from '../lib/settings';
import { cdkContext, fixtureStack, FIXTURE_OUTPUTS, FIXTURE_SECRET_VERSION } from './fixtures';

const template = Template.fromStack(fixtureStack());
const resources = (type: string) => template.findResources(type);

/** DESIGN.md §3: which service serves which paths behind the ALB. */
const ROUTES: Record<string, string[]> = {
  auth: ['/api/auth/*', '/.well-known/jwks.json'],
  matchmaking: ['/api/matchmaking/*', '/api/lobbies/*', '/api/battles', '/api/battles/*'],
  profiles: ['/api/profiles/*', '/api/leaderboards/*', '/api/scores/*', '/api/actions/*', '/api/groups', '/api/groups/*'],
  economy: ['/api/wallet/*', '/api/store/*', '/api/inventory/*'],
};

test('the four services run as arm64 provided.al2023 functions named after the environment', () => {
  template.resourceCountIs('AWS::Lambda::Function', 4);
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

test('functions are configured for Lambda behind the ALB, with DATABASE_URL resolved from its secret version', () => {
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
          '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/database-url-MnOpQr' +
          `:SecretString:::${FIXTURE_SECRET_VERSION}}}`,
      }),
    },
  });
  for (const fn of Object.values(resources('AWS::Lambda::Function'))) {
    const vars = fn['Properties']['Environment']['Variables'] as Record<string, string>;
    assert.equal(vars['REDIS_URL'], undefined, 'REDIS_URL must stay unset so the endpoint is discovered');
    const hmac = 'aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/action-hmac-GhIjKl';
    const isProfiles = fn['Properties']['FunctionName'] === 'whoosh-test-profiles';
    assert.equal(vars['ACTION_KEY_SOURCE'], isProfiles ? hmac : undefined, 'only profiles signs and checks action tokens');
  }
});

test('each service gets a Lambda target group with a /healthz health check', () => {
  template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 4);
  template.allResourcesProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    TargetType: 'lambda',
    HealthCheckEnabled: true,
    HealthCheckPath: '/healthz',
  });
});

test('listener rules on the terraform-made HTTPS listener route exactly the DESIGN.md paths', () => {
  const rules = Object.values(resources('AWS::ElasticLoadBalancingV2::ListenerRule'));
  const listenerArn =
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/whoosh-test/0123456789abcdef/fedcba9876543210';
  const groups = resources('AWS::ElasticLoadBalancingV2::TargetGroup');
  const targetOf = (tgLogicalId: string): string => {
    const arn = groups[tgLogicalId]['Properties']['Targets'][0]['Id']['Fn::GetAtt'][0] as string;
    const fn = resources('AWS::Lambda::Function')[arn];
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

test('only load balancers of the same account may invoke the functions', () => {
  const permissions = Object.values(resources('AWS::Lambda::Permission'));
  assert.equal(permissions.length, 4);
  for (const p of permissions) {
    assert.equal(p['Properties']['Principal'], 'elasticloadbalancing.amazonaws.com');
    assert.equal(p['Properties']['SourceAccount'], '123456789012');
  }
});

test('roles grant only what each service uses', () => {
  const policies = Object.values(resources('AWS::IAM::Policy'));
  assert.equal(policies.length, 4);
  template.resourceCountIs('AWS::IAM::Role', 4);
  for (const role of Object.values(resources('AWS::IAM::Role'))) {
    assert.equal(role['Properties']['ManagedPolicyArns'], undefined, 'no AWS managed policies');
  }
  const hmac = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/action-hmac-GhIjKl';
  const dbUrl = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:whoosh-test/database-url-MnOpQr';
  let hmacReaders = 0;
  for (const policy of policies) {
    for (const st of policy['Properties']['PolicyDocument']['Statement']) {
      const actions = ([] as string[]).concat(st['Action']);
      const res = ([] as unknown[]).concat(st['Resource']);
      assert.ok(!actions.some((a) => a === '*' || a.endsWith(':*')), `wildcard action in ${JSON.stringify(st)}`);
      if (res.includes('*')) {
        assert.ok(actions.every((a) => a.startsWith('ec2:')), `only ENI actions may be unscoped: ${JSON.stringify(st)}`);
      }
      if (actions.includes('secretsmanager:GetSecretValue')) {
        assert.ok(!res.includes(dbUrl), 'DATABASE_URL is resolved by CloudFormation, never read by a function');
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
    ...SERVICES.flatMap((s) => [`${s.name}-lambda-errors`, `${s.name}-lambda-throttles`, `${s.name}-lambda-duration`, `${s.name}-5xx`]),
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

test('metric filters read the services JSON request lines', () => {
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    LogGroupName: '/aws/lambda/whoosh-test-profiles',
    FilterPattern: Match.stringLikeRegexp('\\$\\.span\\.route = "/api/scores\\*"'),
    MetricTransformations: [Match.objectLike({ MetricName: 'ScoreUpdateLatency', MetricValue: '$.latency_ms' })],
  });
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    LogGroupName: '/aws/lambda/whoosh-test-profiles',
    FilterPattern: Match.stringLikeRegexp('\\$\\.code = "invalid_action_token" \\|\\| \\$\\.code = "action_token_expired"'),
    MetricTransformations: [Match.objectLike({ MetricName: 'ActionTokenRejects' })],
  });
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    LogGroupName: '/aws/lambda/whoosh-test-profiles',
    FilterPattern: '{ $.message = "leaderboard drift check" && $.drift > 0 }',
    MetricTransformations: [Match.objectLike({ MetricName: 'LeaderboardDriftCorrected', MetricValue: '$.drift' })],
  });
  for (const spec of SERVICES) {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: `/aws/lambda/whoosh-test-${spec.name}`,
      FilterPattern: '{ $.message = "request" && $.status = 429 }',
    });
  }
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

test('a bootstrap that is not an arm64 executable is refused unless it is a declared fixture', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whoosh-artifact-'));
  fs.mkdirSync(path.join(dir, 'whoosh-auth'));
  // An x86-64 ELF header (e_machine 0x3e).
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(0x3e, 18);
  fs.writeFileSync(path.join(dir, 'whoosh-auth', 'bootstrap'), header);
  assert.throws(() => lambdaArtifact(dir, 'whoosh-auth', false), /not an AArch64/);
  header.writeUInt16LE(0xb7, 18);
  fs.writeFileSync(path.join(dir, 'whoosh-auth', 'bootstrap'), header);
  assert.equal(lambdaArtifact(dir, 'whoosh-auth', false), path.join(dir, 'whoosh-auth'));
  assert.throws(() => lambdaArtifact(dir, 'whoosh-economy', false), /cargo lambda build --release --arm64/);
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
