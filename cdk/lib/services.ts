import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
/**
 * The five Lambda services: which binary, which ALB paths (DESIGN.md §3), and how each is sized.
 * The paths are the same as the local all-in-one stack mounts, so routing in production and in
 * development agree.
 */

export interface ServiceSpec {
  /** Short name: the function is `whoosh-<environment>-<name>`. */
  name: string;
  /** cargo binary, and the directory cargo lambda writes its bootstrap to. */
  binary: string;
  /** ALB path patterns routed to the function. */
  paths: string[];
  /** Memory in MiB; Lambda gives CPU in proportion (1,769 MiB is one vCPU). */
  memoryMiB: number;
  /** Concurrent executions reserved (and capped): bounds the Aurora connections this service can hold. */
  reservedConcurrency: number;
  /** Whether the function reads the action-token HMAC key (ACTION_KEY_SOURCE). */
  readsActionKey: boolean;
  /** Whether the function checks Telegram's webhook calls (TELEGRAM_WEBHOOK_SECRET_SOURCE). */
  readsTelegramWebhookSecret?: boolean;
}

export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'auth',
    binary: 'whoosh-auth',
    paths: ['/api/auth/*', '/.well-known/jwks.json'],
    // argon2id (19 MiB, t=2) is CPU-bound: a second vCPU keeps login latency flat under bursts.
    memoryMiB: 2048,
    reservedConcurrency: 100,
    readsActionKey: false,
    readsTelegramWebhookSecret: true,
  },
  {
    name: 'matchmaking',
    binary: 'whoosh-matchmaking',
    // A pattern `/x/*` does not match `/x` itself: collections answered at their bare path are listed bare too.
    paths: ['/api/matchmaking/*', '/api/lobbies', '/api/lobbies/*', '/api/battles', '/api/battles/*'],
    memoryMiB: 512,
    reservedConcurrency: 100,
    readsActionKey: false,
  },
  {
    name: 'profiles',
    binary: 'whoosh-profiles',
    paths: [
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
    memoryMiB: 512,
    reservedConcurrency: 200,
    readsActionKey: true,
  },
  {
    name: 'economy',
    binary: 'whoosh-economy',
    paths: ['/api/wallet', '/api/wallet/*', '/api/store', '/api/store/*', '/api/inventory', '/api/inventory/*'],
    memoryMiB: 512,
    reservedConcurrency: 100,
    readsActionKey: false,
  },
  {
    // The operator console: its API and its page (compiled into the binary).
    name: 'admin',
    binary: 'whoosh-admin',
    paths: ['/api/admin/*', '/console', '/console/*'],
    // Staff sign-in checks argon2id passwords; a few staff, so little concurrency.
    memoryMiB: 1024,
    reservedConcurrency: 10,
    readsActionKey: false,
  },
];

/** First listener-rule priority of the Lambda rules; terraform's edge rule holds 10. */
export const FIRST_RULE_PRIORITY = 100;

/** An ALB rule accepts at most five condition values. */
export const MAX_PATHS_PER_RULE = 5;

/**
 * Per-request timeout inside the service (HTTP_REQUEST_TIMEOUT). The function timeout is set
 * above it, so a slow request gets Whoosh's JSON 504 rather than a bare error from the ALB.
 */
export const REQUEST_TIMEOUT_SECONDS = 15;
export const FUNCTION_TIMEOUT_SECONDS = 20;

/** DATABASE_MAX_CONNECTIONS of each warm execution environment (docs/OPERATIONS.md). */
export const LAMBDA_DATABASE_POOL = 3;

/** The alias every function is served through; the ALB target groups invoke it. */
export const LIVE_ALIAS = 'live';

/**
 * How CodeDeploy moves the live alias to a new version: a tenth of the requests for five minutes,
 * then all of them, unless a release alarm fires first (then back to the previous version).
 */
export const RELEASE_SHIFT = codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES;
