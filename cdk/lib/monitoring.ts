/**
 * Alarms and the dashboard. Every alarm is named `whoosh-<env>-<what>` and has a section of the
 * same name in docs/OPERATIONS.md (Alarms runbook); each notifies the terraform-made alarm topic
 * when it fires and when it recovers.
 *
 * Where the numbers come from:
 * - the services' Embedded Metric Format lines (crates/http/src/emf.rs): `Requests`, `Latency`,
 *   `ServerErrors`, `RateLimited` by `Service` (and `Route`), `Errors` by `Service` and `Code`,
 *   and `LeaderboardDrift` from the drift check, in the namespace `Whoosh/<env>`;
 * - the edge's Prometheus metrics, shipped as Embedded Metric Format by the agent in edge/k8s
 *   (namespace `Whoosh/<env>/edge`, dimensions ClusterName and Namespace, plus `kind` for
 *   connections);
 * - AWS's own metrics of Lambda, the ALB, Aurora and ElastiCache.
 *
 * Every alarm states how it treats missing data. Where silence can only mean that something
 * stopped reporting (the metrics agent, the notifier, the drift check, a data store), missing data
 * breaches; where it means no traffic, it does not.
 */
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS, SERVICES } from './services';
import { Foundation } from './settings';

export interface MonitoringProps {
  foundation: Foundation;
  functions: Record<string, lambda.Function>;
  edgeMaxReplicas: number;
  edgeConnectionsPerPod: number;
}

/** Error codes with which the profiles service refuses an action token (crates/core ErrorCode). */
export const ACTION_TOKEN_REJECT_CODES = [
  'invalid_action_token',
  'action_token_expired',
  'action_token_wrong_user',
  'score_over_cap',
] as const;

/** The route of score submissions, as the services name it in their metrics (`Route`). */
export const SCORE_ROUTE = 'POST /api/scores';

/** The namespace of the services' and jobs' EMF metrics (their METRICS_NAMESPACE). */
export const metricsNamespace = (env: string) => `Whoosh/${env}`;

/** The namespace into which the metrics agent forwards the edge's Prometheus metrics (scripts/deploy sets it). */
export const edgeMetricsNamespace = (env: string) => `Whoosh/${env}/edge`;

/** Thresholds, named so the runbook and the alarms say the same thing. */
export const THRESHOLDS = {
  /** p99 of score submissions, ms. */
  scoreUpdateP99Ms: 500,
  /** Share of API requests answered 429, percent, once there is real traffic. */
  rateLimitedPercent: 5,
  /** API requests in 5 minutes below which the 429 and 5xx shares are not judged. */
  minRequestsForRatios: 200,
  /** Share of a service's requests answered 5xx, percent. */
  serverErrorPercent: 2,
  /** Action tokens refused in 5 minutes. */
  actionTokenRejects: 50,
  /** Edge connections as a share of what the edge fleet at full scale is sized for, percent. */
  edgeConnectionsPercent: 80,
  /** Lag of the 1 Hz lobby tick, seconds. */
  tickLagSeconds: 0.25,
  /** Lambda p99 duration as a share of the function timeout, percent. */
  durationPercentOfTimeout: 80,
  /** Age of the oldest notification waiting to be sent, seconds. */
  notificationAgeSeconds: 300,
  /** Aurora Serverless v2 capacity in use, percent of the maximum ACU. */
  auroraAcuPercent: 90,
  /** Aurora connections, percent of max_connections at the maximum ACU. */
  auroraConnectionsPercent: 80,
  /** Aurora replica lag, ms. */
  auroraReplicaLagMs: 2000,
  /** ElastiCache engine CPU of the busiest node, percent (Redis runs commands on one core). */
  redisEngineCpuPercent: 75,
  /** ElastiCache memory in use of the fullest node, percent of maxmemory. */
  redisMemoryPercent: 80,
  /** Keys evicted in 5 minutes (volatile-ttl: snapshots, throttles, heartbeats go first). */
  redisEvictions: 100,
  /** ElastiCache replication lag of the slowest replica, seconds. */
  redisReplicationLagSeconds: 5,
  /** Load balancer-generated 5xx (no target answered) in 5 minutes. */
  albGenerated5xx: 20,
  /** Connections the ALB could not open to an edge pod in 5 minutes. */
  edgeTargetConnectionErrors: 20,
  /** p99 latency of a service during a release, ms: above it, CodeDeploy rolls back. */
  releaseLatencyP99Ms: 1000,
} as const;

/** ElastiCache nodes one alarm watches (an alarm takes at most ten metrics). */
const NODES_PER_ALARM = 10;

/**
 * Aurora PostgreSQL's max_connections at `acu` ACUs: LEAST(DBInstanceClassMemory / 9531392, 5000),
 * with 2 GiB of memory per ACU.
 */
export function auroraMaxConnections(acu: number): number {
  return Math.min(5000, Math.floor((acu * 2 * 1024 ** 3) / 9531392));
}

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly release: Record<string, cloudwatch.Alarm[]> = {};
  private readonly env: string;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const f = props.foundation;
    this.env = f.environment;
    this.topic = sns.Topic.fromTopicArn(this, 'AlarmTopic', f.alarmTopicArn);
    const fiveMinutes = cdk.Duration.minutes(5);

    // --- The services' own metrics: EMF lines on stdout (crates/http/src/emf.rs), which Lambda
    // turns into metrics of the namespace METRICS_NAMESPACE with no metric filter or API call ---
    const ns = metricsNamespace(this.env);
    const serviceMetric = (
      service: string,
      metricName: string,
      statistic: string,
      extra: Record<string, string> = {},
      period: cdk.Duration = fiveMinutes,
    ) => new cloudwatch.Metric({ namespace: ns, metricName, statistic, period, dimensionsMap: { Service: service, ...extra } });
    const api: Record<string, { requests: cloudwatch.Metric; limited: cloudwatch.Metric; errors5xx: cloudwatch.Metric }> = {};
    for (const spec of SERVICES) {
      api[spec.name] = {
        requests: serviceMetric(spec.name, 'Requests', 'Sum'),
        limited: serviceMetric(spec.name, 'RateLimited', 'Sum'),
        errors5xx: serviceMetric(spec.name, 'ServerErrors', 'Sum'),
      };
    }
    const scoreP99 = serviceMetric('profiles', 'Latency', 'p99', { Route: SCORE_ROUTE });
    // A score submission refused for its action token: forged or malformed, expired, another
    // player's, or over its cap (the error codes of docs/API.md), counted by code.
    const actionTokenRejects = new cloudwatch.MathExpression({
      expression: ACTION_TOKEN_REJECT_CODES.map((_, i) => `FILL(c${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        ACTION_TOKEN_REJECT_CODES.map((code, i) => [`c${i}`, serviceMetric('profiles', 'Errors', 'Sum', { Code: code })]),
      ),
      label: 'Action tokens refused',
      period: fiveMinutes,
    });
    // Positions that differed between the Redis index and PostgreSQL (and were then rebuilt), from
    // every run of the drift check: the CronJob sends it through the metrics agent's EMF listener.
    const drift = new cloudwatch.Metric({
      namespace: ns,
      metricName: 'LeaderboardDrift',
      statistic: 'Sum',
      period: cdk.Duration.minutes(15),
    });

    // The notifier's backlog, sent each minute by every `whoosh notifier` replica through the
    // metrics agent (Maximum: the replicas report the same queue).
    const notificationAge = new cloudwatch.Metric({
      namespace: ns,
      metricName: 'NotificationOldestDueAge',
      statistic: 'Maximum',
      period: fiveMinutes,
    });
    const notificationBacklog = new cloudwatch.Metric({
      namespace: ns,
      metricName: 'NotificationBacklog',
      statistic: 'Maximum',
      period: fiveMinutes,
    });

    // --- Edge metrics (Prometheus via EMF) ---
    const edgeNs = edgeMetricsNamespace(this.env);
    const edgeDims = { ClusterName: f.eksClusterName, Namespace: f.edgeNamespace };
    const edgeMetric = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: edgeNs,
        metricName,
        statistic,
        period: cdk.Duration.minutes(1),
        dimensionsMap: { ...edgeDims, ...extra },
      });
    // Each pod's gauge is one data point per scrape (every 60 s): the per-minute Sum is the fleet.
    const wsConnections = edgeMetric('whoosh_edge_connections', 'Sum', { kind: 'ws' });
    const meConnections = edgeMetric('whoosh_edge_connections', 'Sum', { kind: 'me' });
    const sseConnections = edgeMetric('whoosh_edge_connections', 'Sum', { kind: 'sse' });
    const capacity = props.edgeMaxReplicas * props.edgeConnectionsPerPod;
    // Every kind of socket holds a connection slot of a pod: lobby sockets, players' own channels
    // (/ws/me) and SSE streams.
    const connectionsShare = new cloudwatch.MathExpression({
      expression: `100 * (FILL(ws, 0) + FILL(me, 0) + FILL(sse, 0)) / ${capacity}`,
      usingMetrics: { ws: wsConnections, me: meConnections, sse: sseConnections },
      label: `WS + /ws/me + SSE connections, % of ${capacity} (${props.edgeMaxReplicas} pods x ${props.edgeConnectionsPerPod})`,
      period: cdk.Duration.minutes(1),
    });
    const tickLag = edgeMetric('whoosh_edge_tick_lag_max_seconds', 'Maximum');
    // Written by every pod at every scrape: no sample in a minute means the metrics agent (or
    // every pod) is gone, and every other edge alarm would be blind.
    const edgeSamples = edgeMetric('whoosh_edge_tick_lag_max_seconds', 'SampleCount');
    // Each pod's view of PostgreSQL and Redis, from its readiness checks (1 up, 0 down).
    const dependencyUp = (dependency: string) => edgeMetric('whoosh_dependency_up', 'Minimum', { dependency });
    const outboxDepth = edgeMetric('whoosh_edge_outbox_depth', 'Maximum');
    const edgeTargetConnectionErrors = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetConnectionErrorCount',
      statistic: 'Sum',
      period: fiveMinutes,
      dimensionsMap: { LoadBalancer: f.albArnSuffix, TargetGroup: f.edgeTargetGroupArnSuffix },
    });
    const albGenerated5xx = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_ELB_5XX_Count',
      statistic: 'Sum',
      period: fiveMinutes,
      dimensionsMap: { LoadBalancer: f.albArnSuffix },
    });
    const edgeHealthyPods = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      statistic: 'Minimum',
      period: cdk.Duration.minutes(1),
      dimensionsMap: { LoadBalancer: f.albArnSuffix, TargetGroup: f.edgeTargetGroupArnSuffix },
    });

    // --- Alarms ---
    const quiet = cloudwatch.TreatMissingData.NOT_BREACHING;
    const silenceAlarms = cloudwatch.TreatMissingData.BREACHING;
    this.alarm('score-update-p99', {
      metric: scoreP99,
      threshold: THRESHOLDS.scoreUpdateP99Ms,
      evaluationPeriods: 3,
      treatMissingData: quiet,
      description: `p99 of score submissions (${SCORE_ROUTE}) above ${THRESHOLDS.scoreUpdateP99Ms} ms for 15 minutes.`,
    });

    // The CronJob reports every 5 minutes, drift or not: a quarter hour without a report means the
    // check stopped running.
    this.alarm('leaderboard-drift', {
      metric: drift,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: silenceAlarms,
      description: 'The leaderboard drift check found the Redis index different from PostgreSQL and rebuilt it, or has not reported for 15 minutes.',
    });

    // Every notifier replica reports its backlog each minute: silence means no notifier is running.
    this.alarm('notification-backlog', {
      metric: notificationAge,
      threshold: THRESHOLDS.notificationAgeSeconds,
      evaluationPeriods: 2,
      treatMissingData: silenceAlarms,
      description: `The oldest notification due has waited more than ${THRESHOLDS.notificationAgeSeconds} s for 10 minutes (notifier down, or Telegram refusing), or no notifier has reported for 10 minutes.`,
    });

    // One expression over the eight per-service counts: an alarm takes at most ten metrics.
    // The players' API: the operator console (admin) is a handful of authenticated operators, and
    // an alarm takes at most ten metrics.
    const playerServices = SERVICES.filter((s) => s.name !== 'admin');
    const limited = Object.fromEntries(playerServices.map((s, i) => [`l${i}`, api[s.name].limited]));
    const requests = Object.fromEntries(playerServices.map((s, i) => [`r${i}`, api[s.name].requests]));
    const total = (ids: string[]) => `(${ids.map((id) => `FILL(${id}, 0)`).join(' + ')})`;
    this.alarm('rate-limited', {
      metric: new cloudwatch.MathExpression({
        expression:
          `IF(${total(Object.keys(requests))} >= ${THRESHOLDS.minRequestsForRatios}, ` +
          `100 * ${total(Object.keys(limited))} / ${total(Object.keys(requests))}, 0)`,
        usingMetrics: { ...limited, ...requests },
        label: 'API requests answered 429, %',
        period: fiveMinutes,
      }),
      threshold: THRESHOLDS.rateLimitedPercent,
      evaluationPeriods: 3,
      treatMissingData: quiet,
      description: `More than ${THRESHOLDS.rateLimitedPercent}% of API requests answered 429 for 15 minutes.`,
    });

    for (const spec of SERVICES) {
      const m = api[spec.name];
      const fn = props.functions[spec.name];
      const release: cloudwatch.Alarm[] = [];
      release.push(
        this.alarm(`${spec.name}-5xx`, {
          metric: new cloudwatch.MathExpression({
            expression: `IF(requests >= ${THRESHOLDS.minRequestsForRatios}, 100 * errors / requests, 0)`,
            usingMetrics: { errors: m.errors5xx, requests: m.requests },
            label: `${spec.name}: requests answered 5xx, %`,
            period: fiveMinutes,
          }),
          threshold: THRESHOLDS.serverErrorPercent,
          evaluationPeriods: 2,
          treatMissingData: quiet,
          description: `More than ${THRESHOLDS.serverErrorPercent}% of ${spec.name} requests answered 5xx for 10 minutes.`,
        }),
      );
      release.push(
        this.alarm(`${spec.name}-lambda-errors`, {
          metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 5,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: quiet,
          description: `The ${spec.name} function failed 5 or more invocations (crash, timeout, out of memory) in 5 minutes.`,
        }),
      );
      // Judged per minute so that it can stop a release within its five-minute canary.
      release.push(
        this.alarm(`${spec.name}-release-latency`, {
          metric: serviceMetric(spec.name, 'Latency', 'p99', {}, cdk.Duration.minutes(1)),
          threshold: THRESHOLDS.releaseLatencyP99Ms,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: quiet,
          description: `p99 latency of ${spec.name} above ${THRESHOLDS.releaseLatencyP99Ms} ms in 2 of 3 minutes; during a release CodeDeploy rolls the live alias back.`,
        }),
      );
      this.release[spec.name] = release;
      this.alarm(`${spec.name}-lambda-throttles`, {
        metric: fn.metricThrottles({ period: cdk.Duration.minutes(1), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: quiet,
        description: `The ${spec.name} function hit its reserved concurrency (${spec.reservedConcurrency}); the ALB answered 503 to the excess.`,
      });
      const limitMs = (FUNCTION_TIMEOUT_SECONDS * 1000 * THRESHOLDS.durationPercentOfTimeout) / 100;
      this.alarm(`${spec.name}-lambda-duration`, {
        metric: fn.metricDuration({ period: fiveMinutes, statistic: 'p99' }),
        threshold: limitMs,
        evaluationPeriods: 3,
        treatMissingData: quiet,
        description: `p99 duration of the ${spec.name} function above ${limitMs} ms (${THRESHOLDS.durationPercentOfTimeout}% of its timeout) for 15 minutes.`,
      });
    }

    this.alarm('action-token-rejects', {
      metric: actionTokenRejects,
      threshold: THRESHOLDS.actionTokenRejects,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: quiet,
      description: `More than ${THRESHOLDS.actionTokenRejects} action tokens refused in 5 minutes, twice in 15 minutes.`,
    });

    this.alarm('edge-connections-capacity', {
      metric: connectionsShare,
      threshold: THRESHOLDS.edgeConnectionsPercent,
      evaluationPeriods: 3,
      treatMissingData: quiet,
      description: `Edge WebSocket, /ws/me and SSE connections above ${THRESHOLDS.edgeConnectionsPercent}% of what the fleet holds at its maximum size, for 3 minutes.`,
    });

    this.alarm('edge-metrics-missing', {
      metric: edgeSamples,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: silenceAlarms,
      description: 'No edge metrics for 5 minutes: the metrics agent (or every edge pod) is down, and the other edge alarms cannot see.',
    });

    this.alarm('edge-tick-lag', {
      metric: tickLag,
      threshold: THRESHOLDS.tickLagSeconds,
      evaluationPeriods: 3,
      treatMissingData: quiet,
      description: `Some edge pod's lobby tick lagged more than ${THRESHOLDS.tickLagSeconds} s for 3 minutes.`,
    });

    this.alarm('edge-outbox-depth', {
      metric: outboxDepth,
      threshold: 0,
      evaluationPeriods: 10,
      treatMissingData: quiet,
      description: 'Game results have waited in an edge outbox (PostgreSQL not taking them) for 10 minutes.',
    });

    for (const dependency of ['postgres', 'redis']) {
      this.alarm(`edge-${dependency}-unreachable`, {
        metric: dependencyUp(dependency),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: quiet,
        description: `Some edge pod's readiness checks could not reach ${dependency} for 3 minutes (pods stay ready; see the runbook).`,
      });
    }

    this.alarm('edge-no-healthy-pods', {
      metric: edgeHealthyPods,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: silenceAlarms,
      description: 'No healthy edge pod behind the ALB for 2 minutes: /ws/* and /sse/* fail.',
    });

    this.alarm('edge-target-connection-errors', {
      metric: edgeTargetConnectionErrors,
      threshold: THRESHOLDS.edgeTargetConnectionErrors,
      evaluationPeriods: 2,
      treatMissingData: quiet,
      description: `The ALB failed to open more than ${THRESHOLDS.edgeTargetConnectionErrors} connections to edge pods in 5 minutes, twice.`,
    });

    this.alarm('alb-5xx', {
      metric: albGenerated5xx,
      threshold: THRESHOLDS.albGenerated5xx,
      evaluationPeriods: 2,
      treatMissingData: quiet,
      description: `The ALB itself answered more than ${THRESHOLDS.albGenerated5xx} requests 5xx in 5 minutes, twice (no healthy target, a Lambda throttled or failed, a timeout).`,
    });

    const auroraMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        statistic,
        period: fiveMinutes,
        dimensionsMap: { DBClusterIdentifier: f.auroraClusterId },
      });
    const auroraAcu = auroraMetric('ACUUtilization', 'Maximum');
    // RDS reports these every minute while the cluster lives: silence is a lost cluster.
    this.alarm('aurora-capacity', {
      metric: auroraAcu,
      threshold: THRESHOLDS.auroraAcuPercent,
      evaluationPeriods: 3,
      treatMissingData: silenceAlarms,
      description: `Aurora at more than ${THRESHOLDS.auroraAcuPercent}% of its maximum capacity for 15 minutes.`,
    });
    const auroraConnections = auroraMetric('DatabaseConnections', 'Maximum');
    const maxConnections = auroraMaxConnections(f.auroraMaxAcu);
    const connectionsLimit = Math.floor((maxConnections * THRESHOLDS.auroraConnectionsPercent) / 100);
    this.alarm('aurora-connections', {
      metric: auroraConnections,
      threshold: connectionsLimit,
      evaluationPeriods: 2,
      treatMissingData: silenceAlarms,
      description: `More than ${connectionsLimit} Aurora connections (${THRESHOLDS.auroraConnectionsPercent}% of max_connections ${maxConnections} at ${f.auroraMaxAcu} ACU) for 10 minutes.`,
    });
    const auroraLag = auroraMetric('AuroraReplicaLagMaximum', 'Maximum');
    this.alarm('aurora-replica-lag', {
      metric: auroraLag,
      threshold: THRESHOLDS.auroraReplicaLagMs,
      evaluationPeriods: 3,
      treatMissingData: quiet,
      description: `An Aurora reader lagged the writer by more than ${THRESHOLDS.auroraReplicaLagMs} ms for 15 minutes (it is the failover target).`,
    });

    // ElastiCache reports per node: the alarms watch the worst node, ten nodes per alarm.
    const redisWorst = (metricName: string, statistic: string, nodes: string[]) =>
      new cloudwatch.MathExpression({
        expression: `MAX([${nodes.map((_, i) => `n${i}`).join(', ')}])`,
        usingMetrics: Object.fromEntries(
          nodes.map((node, i) => [
            `n${i}`,
            new cloudwatch.Metric({
              namespace: 'AWS/ElastiCache',
              metricName,
              statistic,
              period: fiveMinutes,
              dimensionsMap: { CacheClusterId: node },
            }),
          ]),
        ),
        label: `${metricName}, worst node`,
        period: fiveMinutes,
      });
    const redisAlarms: Array<{ name: string; metric: string; statistic: string; threshold: number; missing: cloudwatch.TreatMissingData; what: string }> = [
      { name: 'redis-cpu', metric: 'EngineCPUUtilization', statistic: 'Maximum', threshold: THRESHOLDS.redisEngineCpuPercent, missing: silenceAlarms, what: `engine CPU above ${THRESHOLDS.redisEngineCpuPercent}%` },
      { name: 'redis-memory', metric: 'DatabaseMemoryUsagePercentage', statistic: 'Maximum', threshold: THRESHOLDS.redisMemoryPercent, missing: silenceAlarms, what: `memory above ${THRESHOLDS.redisMemoryPercent}% of maxmemory` },
      { name: 'redis-evictions', metric: 'Evictions', statistic: 'Sum', threshold: THRESHOLDS.redisEvictions, missing: quiet, what: `more than ${THRESHOLDS.redisEvictions} keys evicted in 5 minutes` },
      { name: 'redis-replication-lag', metric: 'ReplicationLag', statistic: 'Maximum', threshold: THRESHOLDS.redisReplicationLagSeconds, missing: quiet, what: `a replica more than ${THRESHOLDS.redisReplicationLagSeconds} s behind its primary` },
    ];
    const nodeGroups: string[][] = [];
    for (let i = 0; i < f.redisMemberClusters.length; i += NODES_PER_ALARM) {
      nodeGroups.push(f.redisMemberClusters.slice(i, i + NODES_PER_ALARM));
    }
    const redisCpu: cloudwatch.IMetric[] = [];
    for (const spec of redisAlarms) {
      nodeGroups.forEach((nodes, g) => {
        const metric = redisWorst(spec.metric, spec.statistic, nodes);
        if (spec.name === 'redis-cpu') redisCpu.push(metric);
        this.alarm(nodeGroups.length === 1 ? spec.name : `${spec.name}-${g + 1}`, {
          metric,
          threshold: spec.threshold,
          evaluationPeriods: 3,
          treatMissingData: spec.missing,
          description: `ElastiCache ${spec.what} on some node (${nodes.join(', ')}) for 15 minutes.`,
        });
      });
    }

    // --- Dashboard ---
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `whoosh-${this.env}`,
      defaultInterval: cdk.Duration.hours(3),
    });
    const perService = (pick: (m: (typeof api)[string]) => cloudwatch.IMetric) =>
      SERVICES.map((s) => pick(api[s.name]));
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Whoosh ${this.env}\nAlarms and what to do: docs/OPERATIONS.md, section *Alarms runbook*.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph('API requests by service (5 min)', perService((m) => m.requests)),
      graph('429 answers by service (5 min)', perService((m) => m.limited)),
      graph('5xx answers by service (5 min)', perService((m) => m.errors5xx)),
      graph('Score submissions p99 (ms)', [scoreP99], [THRESHOLDS.scoreUpdateP99Ms]),
    );
    const fns = SERVICES.map((s) => props.functions[s.name]);
    dashboard.addWidgets(
      graph('Lambda errors', fns.map((fn) => fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }))),
      graph('Lambda throttles', fns.map((fn) => fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }))),
      graph('Lambda duration p99 (ms)', fns.map((fn) => fn.metricDuration({ period: fiveMinutes, statistic: 'p99' }))),
      graph(
        'Lambda concurrent executions',
        fns.map((fn) => fn.metric('ConcurrentExecutions', { period: fiveMinutes, statistic: 'Maximum' })),
      ),
    );
    dashboard.addWidgets(
      graph('Edge connections vs capacity (%)', [connectionsShare], [THRESHOLDS.edgeConnectionsPercent]),
      graph('Edge connections', [wsConnections, meConnections, sseConnections]),
      graph('Edge tick lag, worst pod (s)', [tickLag], [THRESHOLDS.tickLagSeconds]),
      graph('Edge outbox depth, worst pod', [outboxDepth]),
    );
    dashboard.addWidgets(
      graph('Healthy edge pods behind the ALB', [edgeHealthyPods]),
      graph('Action tokens refused (5 min)', [actionTokenRejects], [THRESHOLDS.actionTokenRejects]),
      graph('Leaderboard entries corrected by the drift check', [drift]),
      graph('Notifications due, and the oldest one\'s age (s)', [notificationBacklog, notificationAge], [THRESHOLDS.notificationAgeSeconds]),
      graph('Aurora capacity used (%)', [auroraAcu], [THRESHOLDS.auroraAcuPercent]),
    );
    dashboard.addWidgets(
      graph('Aurora connections', [auroraConnections], [connectionsLimit]),
      graph('Aurora replica lag (ms)', [auroraLag], [THRESHOLDS.auroraReplicaLagMs]),
      graph('Redis engine CPU, worst node (%)', redisCpu, [THRESHOLDS.redisEngineCpuPercent]),
      graph('ALB-generated 5xx, edge connection errors (5 min)', [albGenerated5xx, edgeTargetConnectionErrors]),
      graph('Edge pods reaching PostgreSQL and Redis (min)', [dependencyUp('postgres'), dependencyUp('redis')]),
    );
  }

  /** The alarms whose firing rolls a release of `service` back (CodeDeploy). */
  releaseAlarms(service: string): cloudwatch.Alarm[] {
    const alarms = this.release[service];
    if (alarms === undefined) throw new Error(`no release alarms for the service "${service}"`);
    return alarms;
  }

  private alarm(
    name: string,
    opts: {
      metric: cloudwatch.IMetric;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      comparisonOperator?: cloudwatch.ComparisonOperator;
      /** Decided per alarm: does silence mean "nothing happened" or "something stopped reporting"? */
      treatMissingData: cloudwatch.TreatMissingData;
      description: string;
    },
  ): cloudwatch.Alarm {
    const alarmName = `whoosh-${this.env}-${name}`;
    const alarm = new cloudwatch.Alarm(this, name, {
      alarmName,
      metric: opts.metric,
      threshold: opts.threshold,
      evaluationPeriods: opts.evaluationPeriods,
      datapointsToAlarm: opts.datapointsToAlarm,
      comparisonOperator: opts.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: opts.treatMissingData,
      alarmDescription: `${opts.description} Runbook: docs/OPERATIONS.md, "Alarms runbook", ${alarmName.replace(`whoosh-${this.env}-`, '')}.`,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}

function graph(title: string, left: cloudwatch.IMetric[], thresholds: number[] = []): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    width: 6,
    height: 6,
    leftAnnotations: thresholds.map((value) => ({ value, label: 'alarm' })),
  });
}
