// End-to-end: the operator console in real headless Chromium against the whole local stack.
//
// Three guests play a private lobby round in the web client; a support staff member (created with
// `whoosh admin create`, password on stdin) signs in to /console, finds the host by name, sees the
// match and its reward on the player page, refunds them coins, bans them — which ends the
// player's live socket and keeps the device out — and finds both changes in the audit trail; then
// opens the live view. Screenshots of the player page and the live view go to
// WHOOSH_E2E_SCREENSHOTS (the README shows them).
//
// Run through scripts/test-web (WHOOSH_BIN, WHOOSH_E2E_DATABASE_URL, WHOOSH_E2E_ADMIN_URL, REDIS_URL, CHROMIUM_PATH). Its database is
// WHOOSH_E2E_DATABASE_URL's with `_console` appended, so it never shares one with party.test.mjs.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { required, startStack, tail } from "./stack.mjs";
import { launchBrowser, openPage, shot, steps, until } from "./browser.mjs";

const BIN = required("WHOOSH_BIN");

const base = new URL(required("WHOOSH_E2E_DATABASE_URL"));
base.pathname = `${base.pathname}_console`;
const STAFF = { username: "ops-e2e", password: "a long console password" };

let stack;
let browser;

before(async () => {
  stack = await startStack({
    bin: BIN,
    databaseUrl: base.toString(),
    redisUrl: required("REDIS_URL"),
    prefix: `whoosh:e2e:console:${process.pid}${Date.now().toString(36)}:`,
    roundSecs: 30,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await stack?.stop();
});

test("support staff find a player who just played, refund them and ban them in the console", { timeout: 180_000 }, async (t) => {
  const players = [await openPage(browser, "host"), await openPage(browser, "bravo"), await openPage(browser, "charlie")];
  const [host, ...guests] = players;
  const ops = await openPage(browser, "ops", { viewport: { width: 1440, height: 1000 } });
  const run = steps(t);
  const step = run.step;
  try {
    await step("the first staff account is made on the command line, its password on stdin", () => {
      const made = spawnSync(BIN, ["admin", "create", STAFF.username, "--role", "support"], {
        env: stack.env,
        input: `${STAFF.password}\n`,
        encoding: "utf8",
      });
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, /created support staff account ops-e2e/);
    });

    await step("three guests play a private lobby round to its end", async () => {
      await Promise.all(
        players.map(async (p) => {
          await p.page.goto(`${stack.url}/`);
          await p.page.getByTestId("play-guest").click();
          await p.page.getByTestId("quick-match").waitFor();
          p.id = await p.page.evaluate(() => window.whoosh.api.user.id);
          p.name = (await p.page.getByTestId("me-name").textContent())?.trim();
        }),
      );
      await host.page.getByTestId("create-lobby").click();
      const code = (await host.page.getByTestId("lobby-code").textContent())?.trim();
      for (const p of guests) {
        await p.page.getByTestId("join-code").fill(code);
        await p.page.getByTestId("join-lobby").click();
        await p.page.getByTestId("lobby").waitFor();
      }
      for (const p of guests) await p.page.getByTestId("ready").click();
      await until(host.page, () => !document.querySelector('[data-testid="start"]')?.disabled);
      await host.page.getByTestId("start").click();
      for (const p of players) await p.page.getByTestId("game-over").waitFor({ timeout: 60_000 });
    });

    let coins = 0;
    await step("staff sign in and find the host by name; the player page shows the match and its reward", async () => {
      const page = ops.page;
      await page.goto(`${stack.url}/console`);
      await page.locator('input[name="username"]').fill(STAFF.username);
      await page.locator('input[name="password"]').fill(STAFF.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator('input[name="q"]').fill(host.name);
      await page.getByRole("button", { name: "Search" }).click();
      await page.locator("tr.link", { hasText: host.id }).click();
      await until(page, (id) => location.hash === `#/players/${id}`, host.id);
      await page.getByRole("heading", { name: host.name }).waitFor();
      await until(page, () => document.querySelectorAll('table[aria-label="Matches"] tbody tr').length === 1 && !/Nothing/.test(document.querySelector('table[aria-label="Matches"] tbody')?.textContent ?? ""));
      await until(page, () => /match_reward/.test(document.querySelector('table[aria-label="Ledger"]')?.textContent ?? ""));
      coins = Number(await page.locator('[data-balance="coins"]').textContent());
      assert.ok(coins > 0, "the match paid coins");
    });

    await step("a refund is credited once, through the ledger", async () => {
      const page = ops.page;
      await page.locator('select[name="kind"]').selectOption("refund");
      await page.locator('input[name="amount"]').fill("40");
      await page.locator('input[name="note"]').fill("store purchase charged twice");
      await page.locator('input[name="reference"]').fill("ticket-4411");
      await page.getByRole("button", { name: "Credit" }).click();
      await until(page, (want) => document.querySelector('[data-balance="coins"]')?.textContent === String(want), coins + 40);
      await until(page, () => /admin_refund/.test(document.querySelector('table[aria-label="Ledger"]')?.textContent ?? ""));
      await until(page, () => /admin_refund/.test(document.querySelector('table[aria-label="Audit log"]')?.textContent ?? ""));
      await shot(page, "console-player");
    });

    await step("a ban ends the player's live socket and keeps their device out", async () => {
      const page = ops.page;
      page.once("dialog", (d) => d.accept());
      await page.locator('input[name="reason"]').fill("abusive chat");
      await page.getByRole("button", { name: "Ban" }).click();
      await until(page, () => /banned/.test(document.querySelector('[data-field="status"]')?.textContent ?? ""));
      await until(page, () => /\bban\b/.test(document.querySelector('table[aria-label="Audit log"]')?.textContent ?? ""));
      // The host's own channel (/ws/me) is closed with 1008, and a new guest login is refused.
      const refused = await host.page.evaluate(async () => {
        const device = localStorage.getItem("whoosh.device_id");
        const r = await fetch("/api/auth/guest", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ device_id: device }) });
        return [r.status, (await r.json()).error?.code];
      });
      assert.deepEqual(refused, [403, "account_banned"]);
      const me = await host.page.evaluate(async () => (await fetch("/api/auth/me", { headers: { Authorization: `Bearer ${window.whoosh.api.session?.access_token ?? ""}` } })).status);
      assert.equal(me, 401);
    });

    await step("the live view shows the edge node, its lobbies and the queues", async () => {
      // Something to see: one of the others opens a new lobby.
      await guests[0].page.goto(`${stack.url}/`);
      await guests[0].page.getByTestId("create-lobby").click();
      await guests[0].page.getByTestId("lobby-code").waitFor();
      const page = ops.page;
      await page.getByRole("link", { name: "Live" }).click();
      await until(page, () => /accepting/.test(document.querySelector('table[aria-label="Edge nodes"]')?.textContent ?? ""));
      await until(page, () => /waiting/.test(document.querySelector('table[aria-label="Lobbies"]')?.textContent ?? ""), undefined, 20_000);
      await until(page, () => document.querySelectorAll('table[aria-label="Top"] tbody tr').length >= 3);
      await shot(page, "console-live");
    });

    await step("no console page threw an error", () => {
      assert.deepEqual(ops.errors.filter((e) => !/favicon/.test(e)), []);
    });
  } finally {
    if (run.failed) {
      console.error(`--- whoosh dev log (last lines) ---\n${tail(stack.log)}`);
      for (const p of [...players, ops]) if (p.errors.length) console.error(p.errors.join("\n"));
      await shot(ops.page, "failure-console").catch(() => {});
    }
    for (const p of [...players, ops]) await p.context.close().catch(() => {});
  }
});
