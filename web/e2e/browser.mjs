// Headless Chromium for the end-to-end scenarios (web/e2e/console.test.mjs), and the small helpers
// they share: pages that collect their errors, screenshots, ordered steps, waiting on the page.

import path from "node:path";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { ROOT } from "./stack.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SHOTS = path.resolve(ROOT, process.env.WHOOSH_E2E_SCREENSHOTS || ".whoosh/e2e/screenshots");

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
  mkdirSync(SHOTS, { recursive: true });
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
