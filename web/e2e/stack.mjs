// The local stack for end-to-end tests: `whoosh dev` on a free port with a database and a Redis key
// prefix of its own, started and stopped by a test (web/e2e/party.test.mjs, the SDK's integration
// test in clients/typescript/test). Shared servers are never flushed: only the test's own database
// and keys are removed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An environment variable the test cannot run without. */
export function required(name, script = "scripts/test-web") {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through ${script}`);
  return value;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tail(file, lines = 40) {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * @typedef {{proc: import("node:child_process").ChildProcess, url: string, log: string, dir: string,
 *   env: Record<string, string>, stop: () => Promise<void>}} Stack
 * Game time runs fast: 200 ms a game second, and rounds of `roundSecs` game seconds.
 * `adminUrl` (default WHOOSH_E2E_ADMIN_URL) is a database URL on the same server to drop the
 * test's database from at the end.
 * @param {{bin: string, databaseUrl: string, redisUrl: string, prefix: string, roundSecs: number,
 *   adminUrl?: string, env?: Record<string, string>}} options
 * @returns {Promise<Stack>}
 */
export async function startStack({ bin, databaseUrl, redisUrl, prefix, roundSecs, adminUrl = process.env.WHOOSH_E2E_ADMIN_URL, env: extra = {} }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), "whoosh-e2e-"));
  const log = path.join(dir, "whoosh.log");
  const out = openSync(log, "a");
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    WHOOSH_BIND: `127.0.0.1:${port}`,
    WHOOSH_PUBLIC_URL: url,
    EDGE_PUBLIC_URL: `ws://127.0.0.1:${port}`,
    ALLOWED_ORIGINS: url,
    WHOOSH_WEB_DIR: path.join(ROOT, "web"),
    AUTH_KEYS_SOURCE: `file:${path.join(dir, "keys.json")}`,
    ACTION_KEY_SOURCE: `file:${path.join(dir, "action.key")}`,
    EDGE_TICK: "200ms",
    EDGE_ROUND_SECS_OVERRIDE: String(roundSecs),
    LOG_FORMAT: "json",
    LOG_LEVEL: process.env.LOG_LEVEL || "info",
    ...extra,
  };
  const proc = spawn(bin, ["dev"], { cwd: ROOT, env, stdio: ["ignore", out, out] });
  let failedToStart = null;
  proc.once("error", (e) => (failedToStart = e));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (failedToStart) throw new Error(`cannot run ${bin}: ${failedToStart.message}`);
    if (proc.exitCode !== null) throw new Error(`whoosh dev exited with ${proc.exitCode}:\n${tail(log)}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`whoosh dev was not ready within 90 s:\n${tail(log)}`);
    await sleep(250);
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      await Promise.race([new Promise((r) => proc.once("exit", r)), sleep(10_000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
    // The test's own database and keys only: shared servers are never flushed.
    const db = new URL(databaseUrl).pathname.slice(1);
    if (adminUrl && /^whoosh_(e2e|sdk)_\w+$/.test(db)) {
      spawnSync("psql", [adminUrl, "-qc", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`], { stdio: "ignore" });
    }
    const keys = spawnSync("redis-cli", ["-u", redisUrl, "--scan", "--pattern", `${prefix}*`], { encoding: "utf8" });
    const names = (keys.stdout || "").split("\n").filter(Boolean);
    for (let i = 0; i < names.length; i += 200) {
      spawnSync("redis-cli", ["-u", redisUrl, "DEL", ...names.slice(i, i + 200)], { stdio: "ignore" });
    }
    if (!process.env.WHOOSH_E2E_KEEP_LOG) rmSync(dir, { recursive: true, force: true });
  };
  return { proc, url, log, dir, env, stop };
}

/** A service token for the stack, minted as an operator would (`whoosh keys service-token`). */
export function serviceToken(bin, stack, name = "e2e") {
  const token = spawnSync(bin, ["keys", "service-token", name], { env: stack.env, encoding: "utf8" }).stdout.trim();
  if (!token) throw new Error("no service token was minted");
  return token;
}
