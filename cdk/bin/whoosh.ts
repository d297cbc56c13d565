#!/usr/bin/env node
/**
 * The CDK app. Context values (-c name=value):
 *   terraformOutputs          file written by `terraform output -json` (required)
 *   artifactsDir              cargo lambda's output directory, `target/lambda` (required)
 *   edgeMaxReplicas, edgeConnectionsPerPod   edge fleet size for the capacity alarm (cdk.json)
 *   restartedAt               set by scripts/deploy --restart: recycle every execution environment
 *   allowPlaceholderArtifacts only for tests: skip the arm64 executable check
 * scripts/deploy passes all of them; see docs/OPERATIONS.md.
 */
import * as cdk from 'aws-cdk-lib';
import { ServicesStack } from '../lib/services-stack';
import { loadFoundation } from '../lib/settings';

const app = new cdk.App();

function context(name: string): string {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null || String(value) === '') {
    throw new Error(`context value "${name}" is required (cdk synth|deploy -c ${name}=...); scripts/deploy passes it`);
  }
  return String(value);
}

function positiveInt(name: string): number {
  const n = Number(context(name));
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`context value "${name}" must be a positive whole number`);
  }
  return n;
}

const foundation = loadFoundation(context('terraformOutputs'));

new ServicesStack(app, `whoosh-${foundation.environment}-services`, {
  env: { account: foundation.accountId, region: foundation.region },
  description: `Whoosh ${foundation.environment}: the Lambda services behind the ALB (blue-green through CodeDeploy), their alarms and dashboard`,
  foundation,
  artifactsDir: context('artifactsDir'),
  allowPlaceholderArtifacts: String(app.node.tryGetContext('allowPlaceholderArtifacts')) === 'true',
  edgeMaxReplicas: positiveInt('edgeMaxReplicas'),
  edgeConnectionsPerPod: positiveInt('edgeConnectionsPerPod'),
  restartedAt: app.node.tryGetContext('restartedAt') ? String(app.node.tryGetContext('restartedAt')) : undefined,
  terminationProtection: foundation.environment === 'prod',
  tags: { Project: 'whoosh', Environment: foundation.environment, ManagedBy: 'cdk' },
});
