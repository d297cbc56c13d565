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
 * - AWS's own metrics of Lambda, the ALB and Aurora.
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
} as const;

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
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
    const sseConnections = edgeMetric('whoosh_edge_connections', 'Sum', { kind: 'sse' });
    const capacity = props.edgeMaxReplicas * props.edgeConnectionsPerPod;
    const connectionsShare = new cloudwatch.MathExpression({
      expression: `100 * (FILL(ws, 0) + FILL(sse, 0)) / ${capacity}`,
      usingMetrics: { ws: wsConnections, sse: sseConnections },
      label: `WS + SSE connections, % of ${capacity} (${props.edgeMaxReplicas} pods x ${props.edgeConnectionsPerPod})`,
      period: cdk.Duration.minutes(1),
    });
    const tickLag = edgeMetric('whoosh_edge_tick_lag_max_seconds', 'Maximum');
    const outboxDepth = edgeMetric('whoosh_edge_outbox_depth', 'Maximum');
    const edgeHealthyPods = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      statistic: 'Minimum',
      period: cdk.Duration.minutes(1),
      dimensionsMap: { LoadBalancer: f.albArnSuffix, TargetGroup: f.edgeTargetGroupArnSuffix },
    });

    // --- Alarms ---
    this.alarm('score-update-p99', {
      metric: scoreP99,
      threshold: THRESHOLDS.scoreUpdateP99Ms,
      evaluationPeriods: 3,
      description: `p99 of score submissions (${SCORE_ROUTE}) above ${THRESHOLDS.scoreUpdateP99Ms} ms for 15 minutes.`,
    });

    this.alarm('leaderboard-drift', {
      metric: drift,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      description: 'The leaderboard drift check found the Redis index different from PostgreSQL and rebuilt it.',
    });

    this.alarm('notification-backlog', {
      metric: notificationAge,
      threshold: THRESHOLDS.notificationAgeSeconds,
      evaluationPeriods: 2,
      description: `The oldest notification due has waited more than ${THRESHOLDS.notificationAgeSeconds} s for 10 minutes (notifier down, or Telegram refusing).`,
    });

    // One expression over the eight per-service counts: an alarm takes at most ten metrics.
    const limited = Object.fromEntries(SERVICES.map((s, i) => [`l${i}`, api[s.name].limited]));
    const requests = Object.fromEntries(SERVICES.map((s, i) => [`r${i}`, api[s.name].requests]));
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
      description: `More than ${THRESHOLDS.rateLimitedPercent}% of API requests answered 429 for 15 minutes.`,
    });

    for (const spec of SERVICES) {
      const m = api[spec.name];
      this.alarm(`${spec.name}-5xx`, {
        metric: new cloudwatch.MathExpression({
          expression: `IF(requests >= ${THRESHOLDS.minRequestsForRatios}, 100 * errors / requests, 0)`,
          usingMetrics: { errors: m.errors5xx, requests: m.requests },
          label: `${spec.name}: requests answered 5xx, %`,
          period: fiveMinutes,
        }),
        threshold: THRESHOLDS.serverErrorPercent,
        evaluationPeriods: 2,
        description: `More than ${THRESHOLDS.serverErrorPercent}% of ${spec.name} requests answered 5xx for 10 minutes.`,
      });
    }

    this.alarm('action-token-rejects', {
      metric: actionTokenRejects,
      threshold: THRESHOLDS.actionTokenRejects,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `More than ${THRESHOLDS.actionTokenRejects} action tokens refused in 5 minutes, twice in 15 minutes.`,
    });

    this.alarm('edge-connections-capacity', {
      metric: connectionsShare,
      threshold: THRESHOLDS.edgeConnectionsPercent,
      evaluationPeriods: 3,
      description: `Edge WebSocket + SSE connections above ${THRESHOLDS.edgeConnectionsPercent}% of what the fleet holds at its maximum size, for 3 minutes.`,
    });

    this.alarm('edge-tick-lag', {
      metric: tickLag,
      threshold: THRESHOLDS.tickLagSeconds,
      evaluationPeriods: 3,
      description: `Some edge pod's lobby tick lagged more than ${THRESHOLDS.tickLagSeconds} s for 3 minutes.`,
    });

    this.alarm('edge-outbox-depth', {
      metric: outboxDepth,
      threshold: 0,
      evaluationPeriods: 10,
      description: 'Game results have waited in an edge outbox (PostgreSQL not taking them) for 10 minutes.',
    });

    this.alarm('edge-no-healthy-pods', {
      metric: edgeHealthyPods,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: 'No healthy edge pod behind the ALB for 2 minutes: /ws/* and /sse/* fail.',
    });

    for (const spec of SERVICES) {
      const fn = props.functions[spec.name];
      this.alarm(`${spec.name}-lambda-errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        description: `The ${spec.name} function failed 5 or more invocations (crash, timeout, out of memory) in 5 minutes.`,
      });
      this.alarm(`${spec.name}-lambda-throttles`, {
        metric: fn.metricThrottles({ period: cdk.Duration.minutes(1), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: `The ${spec.name} function hit its reserved concurrency (${spec.reservedConcurrency}); the ALB answered 503 to the excess.`,
      });
      const limitMs = (FUNCTION_TIMEOUT_SECONDS * 1000 * THRESHOLDS.durationPercentOfTimeout) / 100;
      this.alarm(`${spec.name}-lambda-duration`, {
        metric: fn.metricDuration({ period: fiveMinutes, statistic: 'p99' }),
        threshold: limitMs,
        evaluationPeriods: 3,
        description: `p99 duration of the ${spec.name} function above ${limitMs} ms (${THRESHOLDS.durationPercentOfTimeout}% of its timeout) for 15 minutes.`,
      });
    }

    const auroraAcu = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'ACUUtilization',
      statistic: 'Maximum',
      period: fiveMinutes,
      dimensionsMap: { DBClusterIdentifier: f.auroraClusterId },
    });
    this.alarm('aurora-capacity', {
      metric: auroraAcu,
      threshold: THRESHOLDS.auroraAcuPercent,
      evaluationPeriods: 3,
      description: `Aurora at more than ${THRESHOLDS.auroraAcuPercent}% of its maximum capacity for 15 minutes.`,
    });

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
      graph('Edge connections', [wsConnections, sseConnections]),
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
  }

  private alarm(
    name: string,
    opts: {
      metric: cloudwatch.IMetric;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      comparisonOperator?: cloudwatch.ComparisonOperator;
      treatMissingData?: cloudwatch.TreatMissingData;
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
      // No data means no traffic or no such event: quiet, except where stated.
      treatMissingData: opts.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
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
