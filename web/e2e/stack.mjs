// What an end-to-end scenario needs: `whoosh dev` on a free port with a database and a Redis key
// prefix of its own (dropped and deleted at the end), headless Chromium, and small helpers.
// console.test.mjs uses it; scripts/test-web provides the environment it reads.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = required("WHOOSH_BIN");
export const REDIS_URL = required("REDIS_URL");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SHOTS = path.resolve(ROOT, process.env.WHOOSH_E2E_SCREENSHOTS || ".whoosh/e2e/screenshots");

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the web e2e test through scripts/test-web`);
  return value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
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
 * Starts `whoosh dev` on database `databaseUrl` with `extra` settings; resolves once /readyz answers.
 * @param {string} databaseUrl @param {Record<string, string>} extra
 */
export async function startStack(databaseUrl, extra = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), "whoosh-e2e-"));
  const log = path.join(dir, "whoosh.log");
  const out = openSync(log, "a");
  const prefix = `whoosh:e2e:${process.pid}${Date.now().toString(36)}:`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    WHOOSH_BIND: `127.0.0.1:${port}`,
    WHOOSH_PUBLIC_URL: url,
    EDGE_PUBLIC_URL: `ws://127.0.0.1:${port}`,
    ALLOWED_ORIGINS: url,
    WHOOSH_WEB_DIR: path.join(ROOT, "web"),
    AUTH_KEYS_SOURCE: `file:${path.join(dir, "keys.json")}`,
    ACTION_KEY_SOURCE: `file:${path.join(dir, "action.key")}`,
    LOG_FORMAT: "json",
    LOG_LEVEL: process.env.LOG_LEVEL || "info",
    ...extra,
  };
  const proc = spawn(BIN, ["dev"], { cwd: ROOT, env, stdio: ["ignore", out, out] });
  let failedToStart = null;
  proc.once("error", (e) => (failedToStart = e));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (failedToStart) throw new Error(`cannot run ${BIN}: ${failedToStart.message}`);
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
  return { proc, url, log, dir, env, prefix, databaseUrl };
}

/** Stops the stack and removes its own database and keys (shared servers are never flushed). */
export async function stopStack(stack) {
  if (!stack) return;
  const { proc } = stack;
  if (proc.exitCode === null) {
    proc.kill("SIGTERM");
    await Promise.race([new Promise((r) => proc.once("exit", r)), sleep(10_000)]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
  const admin = process.env.WHOOSH_E2E_ADMIN_URL;
  const db = new URL(stack.databaseUrl).pathname.slice(1);
  if (admin && /^whoosh_e2e_\w+$/.test(db)) {
    spawnSync("psql", [admin, "-qc", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`], { stdio: "ignore" });
  }
  const keys = spawnSync("redis-cli", ["-u", REDIS_URL, "--scan", "--pattern", `${stack.prefix}*`], { encoding: "utf8" });
  const names = (keys.stdout || "").split("\n").filter(Boolean);
  for (let i = 0; i < names.length; i += 200) {
    spawnSync("redis-cli", ["-u", REDIS_URL, "DEL", ...names.slice(i, i + 200)], { stdio: "ignore" });
  }
  if (!process.env.WHOOSH_E2E_KEEP_LOG) rmSync(stack.dir, { recursive: true, force: true });
}

export function launchBrowser() {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's own background traffic would only be refused on a closed network.
    args: [
      ...(root ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A browser context and page that collect the page's errors. */
export async function openPage(browser, label, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${label} console: ${m.text()}`);
  });
  return { label, context, page, errors };
}

export async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: "disabled", caret: "hide", fullPage: false });
}

/**
 * Steps of a test that run in order; after a failed one the rest are skipped rather than failing
 * in cascade (`failed` says whether one did).
 * @param {import("node:test").TestContext} t
 */
export function steps(t) {
  const run = {
    failed: false,
    step: (name, fn) =>
      t.test(name, { skip: run.failed && "an earlier step failed" }, async () => {
        try {
          await fn();
        } catch (e) {
          run.failed = true;
          throw e;
        }
      }),
  };
  return run;
}

/** Waits until fn (run in the page) returns a truthy value, and returns it. */
export async function until(page, fn, arg, timeout = 15_000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  return handle.jsonValue();
}
