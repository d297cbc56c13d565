/**
 * TEST FIXTURES ONLY. Builds the stack from test/fixtures/terraform-outputs.json (made-up ids of a
 * made-up account) and from placeholder Lambda artifacts: tiny shell scripts standing in for the
 * Rust bootstraps, so that synth needs no cross toolchain. Deploys never use any of this:
 * scripts/deploy passes real terraform outputs and the arm64 bootstraps cargo lambda built, and
 * the app refuses a bootstrap that is not an arm64 executable unless allowPlaceholderArtifacts is
 * set, which only tests do.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { ServicesStack } from '../lib/services-stack';
import { SERVICES } from '../lib/services';
import { loadFoundation, RDS_CA_BUNDLE } from '../lib/settings';

export const FIXTURE_OUTPUTS = path.join(__dirname, '..', '..', 'test', 'fixtures', 'terraform-outputs.json');
export const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** Writes `<dir>/<binary>/bootstrap` placeholders for every service; returns `dir`. */
export function makePlaceholderArtifacts(dir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'whoosh-cdk-fixture-'))): string {
  for (const spec of SERVICES) {
    const binDir = path.join(dir, spec.binary);
    fs.mkdirSync(binDir, { recursive: true });
    fs.writeFileSync(
      path.join(binDir, 'bootstrap'),
      `#!/bin/sh\necho "test fixture standing in for ${spec.binary}; not deployable" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(binDir, RDS_CA_BUNDLE), '# test fixture standing in for the RDS CA bundle\n');
  }
  return dir;
}

export function cdkContext(): Record<string, unknown> {
  return (JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
}

export function fixtureStack(restartedAt?: string): ServicesStack {
  const ctx = cdkContext();
  const app = new cdk.App({ context: ctx });
  const foundation = loadFoundation(FIXTURE_OUTPUTS);
  return new ServicesStack(app, 'whoosh-test-services', {
    env: { account: foundation.accountId, region: foundation.region },
    foundation,
    artifactsDir: makePlaceholderArtifacts(),
    allowPlaceholderArtifacts: true,
    edgeMaxReplicas: Number(ctx['edgeMaxReplicas']),
    edgeConnectionsPerPod: Number(ctx['edgeConnectionsPerPod']),
    restartedAt,
  });
}

// Lets scripts/test-infra make the placeholder directory for `cdk synth` with the same code.
if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node build/test/fixtures.js <directory for placeholder artifacts>');
    process.exit(2);
  }
  console.log(makePlaceholderArtifacts(dir));
}
