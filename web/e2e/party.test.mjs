// End-to-end: the web client in real headless Chromium against the whole local stack.
//
// Starts `whoosh dev` on a free port with its own database and Redis key prefix, 200 ms ticks and
// a 60-game-second round (12 s); opens four browser contexts as four guests (one at phone
// width); the host creates a private lobby, three join by code, everyone gets ready, the host
// starts; they play a round by clicking suspicion (one player's link is dropped on purpose and
// must resume); then each checks the game-over screen, their profile's match history, their
// wallet and the live leaderboard. A second test has three guests make a clan and play a duel
// with an invited second over their own channels (/ws/me). Screenshots of the lobby, the game and the game-over screen go
// to WHOOSH_E2E_SCREENSHOTS.
//
// Run through scripts/test-web, which provides:
//   WHOOSH_BIN               the whoosh binary
//   WHOOSH_E2E_DATABASE_URL  a database of its own (created by `whoosh dev`, dropped at the end)
//   WHOOSH_E2E_ADMIN_URL     a database URL on the same server to drop it from (optional)
//   REDIS_URL                the Redis server; keys go under a fresh prefix, deleted at the end
//   CHROMIUM_PATH            the browser (default /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ROOT, required, serviceToken, startStack, tail } from "./stack.mjs";

const BIN = required("WHOOSH_BIN");
const DATABASE_URL = required("WHOOSH_E2E_DATABASE_URL");
const REDIS_URL = required("REDIS_URL");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SHOTS = path.resolve(ROOT, process.env.WHOOSH_E2E_SCREENSHOTS || ".whoosh/e2e/screenshots");
// Game seconds; at 200 ms a tick the round lasts 12 s of wall time, its first headline comes 4 s
// in (when two-thirds of the round remain), and the heat doubles for its last 6 s.
const ROUND_SECS = 60;
const PREFIX = `whoosh:e2e:${process.pid}${Date.now().toString(36)}:`;

/** @type {import("./stack.mjs").Stack} */
let stack;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({ bin: BIN, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, prefix: PREFIX, roundSecs: ROUND_SECS });
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  browser = await chromium.launch({
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
});

after(async () => {
  await browser?.close().catch(() => {});
  await stack?.stop();
});

/**
 * @typedef {{label: string, context: import("playwright-core").BrowserContext, page: import("playwright-core").Page,
 *   id?: string, name?: string, errors: string[]}} Player
 */

/** @param {string} label @param {object} [options] @returns {Promise<Player>} */
async function openPlayer(label, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${label} console: ${m.text()}`);
  });
  return { label, context, page, errors };
}

async function shot(page, name) {
  // Finite animations (arrivals, the news flash) are fast-forwarded to their end state.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: "disabled", caret: "hide" });
}

/**
 * Steps of a test that run in order; after a failed one the rest are skipped rather than failing
 * in cascade (`failed` says whether one did).
 * @param {import("node:test").TestContext} t
 */
function steps(t) {
  const run = {
    failed: false,
    /** @param {string} name @param {() => Promise<void> | void} fn */
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
async function until(page, fn, arg, timeout = 15_000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  return handle.jsonValue();
}

test("four guests play a private lobby round in real Chromium", { timeout: 240_000 }, async (t) => {
  const players = [
    await openPlayer("host"),
    await openPlayer("bravo"),
    await openPlayer("charlie"),
    await openPlayer("delta (phone)", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
  ];
  const [host, ...guests] = players;
  const bravo = players[1];
  const observer = await host.context.newPage();
  const run = steps(t);
  const step = run.step;

  try {
    await step("each player is a guest in one click, the device id kept", async () => {
      await Promise.all(
        players.map(async (p) => {
          await p.page.goto(`${stack.url}/`);
          await p.page.getByTestId("play-guest").click();
          await p.page.getByTestId("quick-match").waitFor();
          p.name = (await p.page.getByTestId("me-name").textContent())?.trim();
          p.id = await p.page.evaluate(() => window.whoosh.api.user.id);
          const device = await p.page.evaluate(() => localStorage.getItem("whoosh.device_id"));
          assert.match(device ?? "", /^[0-9a-f-]{36}$/, `${p.label} keeps a device id`);
          assert.match(p.name ?? "", /^Guest \d{4}$/, `${p.label} is a guest`);
        }),
      );
      // The same device logs in to the same guest again after a reload.
      await host.page.reload();
      await host.page.getByTestId("me-name").waitFor();
      assert.equal(await host.page.evaluate(() => window.whoosh.api.user.id), host.id);
    });

    let code;
    await step("the host creates a private lobby and the others join by its code", async () => {
      await host.page.getByTestId("create-lobby").click();
      code = (await host.page.getByTestId("lobby-code").textContent())?.trim();
      assert.ok(code, "a lobby code is shown");
      await Promise.all(
        guests.map(async (p) => {
          await p.page.getByTestId("join-code").fill(code.toLowerCase());
          await p.page.getByTestId("join-lobby").click();
          await p.page.getByTestId("lobby").waitFor();
        }),
      );
      for (const p of players) {
        await until(p.page, () => document.querySelectorAll('[data-testid="seat"][data-user]').length === 4);
      }
    });

    await step("everyone gets ready and the host starts", async () => {
      // A second tab follows the xp board live: the result must reach it without a reload.
      await observer.goto(`${stack.url}/#/leaderboards/xp`);
      await until(observer, () => document.querySelector('[data-testid="live"]')?.dataset.state === "live");
      assert.equal(await observer.getByTestId("entry").count(), 0, "the new board starts empty");

      for (const p of guests) await p.page.getByTestId("ready").click();
      const start = host.page.getByTestId("start");
      await until(host.page, () => !document.querySelector('[data-testid="start"]')?.disabled);
      await shot(host.page, "lobby");
      await start.click();
      for (const p of players) await p.page.getByTestId("game").waitFor({ timeout: 10_000 });
    });

    let roles = {};
    await step("the game shows each player their secret role, the countdown and every player's card", async () => {
      for (const p of players) {
        const role = await p.page.getByTestId("role").textContent();
        assert.match(role ?? "", /Agent|Mole/);
        roles[p.label] = /Mole/.test(role) ? "mole" : "agent";
        assert.equal(await p.page.getByTestId("player-card").count(), 4);
        assert.match((await p.page.getByTestId("countdown").textContent()) ?? "", /^\d:\d\d$/);
      }
      assert.ok(Object.values(roles).includes("mole"), "someone is the mole");
    });

    await step("clicking a card points your suspicion and the heat bars move every tick", async () => {
      // Everyone suspects the host; the host suspects bravo (by keyboard: the first other card).
      for (const p of guests) {
        const card = p.page.locator(`[data-testid="player-card"][data-user="${host.id}"]`);
        await card.click();
        await until(p.page, (id) => document.querySelector(`[data-testid="player-card"][data-user="${id}"]`)?.getAttribute("aria-pressed") === "true", host.id);
      }
      const first = await host.page.evaluate(() => window.whoosh.room.state.game.players.find((p) => p.user !== window.whoosh.room.state.me).user);
      await host.page.keyboard.press("1");
      await until(host.page, (id) => window.whoosh.room.state.game.target === id, first);

      const heat = (page) => page.locator(`[data-testid="player-card"][data-user="${host.id}"] [data-testid="heat"]`).textContent();
      const h0 = Number(await heat(guests[0].page));
      await until(guests[0].page, ([id, h]) => Number(document.querySelector(`[data-testid="player-card"][data-user="${id}"] [data-testid="heat"]`)?.textContent) >= h + 3, [host.id, h0]);
    });

    await step("chat reaches every player", async () => {
      await guests[0].page.getByTestId("chat-input").fill("I saw nothing, I swear.");
      await guests[0].page.getByTestId("chat-input").press("Enter");
      for (const p of players) {
        await until(p.page, () => document.querySelector('[data-testid="chat-log"]')?.textContent.includes("I saw nothing"));
      }
    });

    await step("a dropped connection resumes by itself and says so", async () => {
      const p = guests[1];
      const before = await p.page.evaluate(() => window.whoosh.room.socket.lastSeq);
      await p.page.keyboard.press("Alt+KeyD");
      await until(p.page, () => /Reconnected/.test(document.getElementById("link")?.textContent ?? ""), undefined, 10_000);
      // Messages keep arriving after the resume (the next event may be a tick or two away).
      await until(p.page, (seq) => window.whoosh.room.socket.lastSeq > seq, before, 10_000);
    });

    await step("breaking news arrives during the round", async () => {
      for (const p of players) {
        // The banner is there and shown (a missing banner — another view — is not "not hidden").
        await until(p.page, () => document.querySelector('[data-testid="news-banner"]')?.hidden === false, undefined, 15_000);
        assert.match((await p.page.getByTestId("news-banner").textContent()) ?? "", /Breaking\S*/i);
      }
      assert.equal(await host.page.getByTestId("game-over").count(), 0, "the round is still on");
      await host.page.getByTestId("chat-input").blur();
      await shot(host.page, "game");
      await shot(guests[2].page, "game-phone");
    });

    /** @type {Record<string, any>} */
    const results = {};
    await step("the game-over screen reveals the roles and shows rating, XP and coins", async () => {
      for (const p of players) {
        await p.page.getByTestId("game-over").waitFor({ timeout: 30_000 });
        const rows = p.page.getByTestId("result-row");
        assert.equal(await rows.count(), 4);
        const revealed = await rows.evaluateAll((els) => els.map((e) => e.dataset.role));
        assert.ok(revealed.every((r) => r === "agent" || r === "mole"));
        assert.ok(revealed.includes("mole"));
        assert.match((await p.page.getByTestId("winner").textContent()) ?? "", /agents win|moles win/i);
        assert.match((await p.page.getByTestId("my-xp").textContent()) ?? "", /^\+\d+$/);
        assert.match((await p.page.getByTestId("my-coins").textContent()) ?? "", /^\+\d+/);
        assert.match((await p.page.getByTestId("my-elo").textContent()) ?? "", /^\d+ \((\+|−|±)\d+\)$/);
        results[p.label] = await p.page.evaluate(() => window.whoosh.room.state.result.you);
        assert.equal(results[p.label].role, roles[p.label], `${p.label}'s revealed role is the one they were shown`);
      }
      await guests[0].page.getByTestId("chat-input").blur();
      await shot(guests[0].page, "game-over");
    });

    await step("the live leaderboard updates without a reload", async () => {
      await until(observer, () => document.querySelectorAll('[data-testid="entry"]').length === 4, undefined, 15_000);
      const ids = await observer.getByTestId("entry").evaluateAll((els) => els.map((e) => e.dataset.user));
      assert.deepEqual(new Set(ids), new Set(players.map((p) => p.id)));
    });

    await step("each profile shows the match in its history, each wallet the coins", async () => {
      for (const p of players) {
        await p.page.goto(`${stack.url}/#/profile`);
        await p.page.getByTestId("match").first().waitFor();
        assert.equal(await p.page.getByTestId("match").count(), 1);
        assert.equal((await p.page.getByTestId("profile-games").textContent())?.trim(), "1");
        const r = results[p.label];
        assert.equal((await p.page.getByTestId("profile-elo").textContent())?.trim(), String(r.rating_before + r.rating_delta));

        if (p === players[1]) await shot(p.page, "profile");
        await p.page.goto(`${stack.url}/#/store`);
        await until(p.page, () => document.querySelector('[data-testid="wallet"] [data-currency="coins"]'));
        const coins = await p.page.locator('[data-testid="wallet"] [data-currency="coins"]').textContent();
        assert.match(coins ?? "", new RegExp(`\\b${r.coins} coins`));
      }
    });

    await step("a player buys an avatar in the store and equips it", async () => {
      // Coins come from trusted services: grant some with a service token, as a game server would.
      const token = serviceToken(BIN, stack);
      const res = await fetch(`${stack.url}/api/wallet/grants`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `e2e:${bravo.id}` },
        body: JSON.stringify({ user_id: bravo.id, currency: "coins", amount: 100, reason: "compensation" }),
      });
      assert.equal(res.status, 201, await res.text());
      const page = bravo.page;
      await page.goto(`${stack.url}/#/profile`);
      await page.goto(`${stack.url}/#/store`);
      await page.locator('[data-item="avatar-fox"] button').click();
      await page.locator('.inventory [data-item="avatar-fox"] button').click();
      await until(page, () => document.querySelector("#who .avatar")?.textContent === "🦊");
      assert.equal(await page.evaluate(() => window.whoosh.api.user.avatar_id), "avatar-fox");
    });

    await step("each player finds themselves on the rating board", async () => {
      for (const p of players) {
        await p.page.goto(`${stack.url}/#/leaderboards/rating`);
        await until(p.page, (id) => document.querySelector(`[data-testid="entry"][data-user="${id}"]`)?.classList.contains("mine"), p.id);
        await until(p.page, () => /#\d+/.test(document.querySelector('[data-testid="my-rank"]')?.textContent ?? ""));
      }
      await shot(host.page, "leaderboard");
    });

    await step("no page threw an error", () => {
      const errors = players.flatMap((p) => p.errors).filter((e) => !/favicon|ERR_CONNECTION_REFUSED|WebSocket/.test(e));
      assert.deepEqual(errors, []);
    });
  } finally {
    if (run.failed) {
      console.error(`--- whoosh dev log (last lines) ---\n${tail(stack.log)}`);
      for (const p of players) if (p.errors.length) console.error(p.errors.join("\n"));
      for (const p of players) await shot(p.page, `failure-${p.label.split(" ")[0]}`).catch(() => {});
    }
    for (const p of players) await p.context.close().catch(() => {});
  }
});

test("three guests make a clan, and a duel with an invited second is played over their own channels", { timeout: 180_000 }, async (t) => {
  const [captain, second, rival] = [await openPlayer("captain"), await openPlayer("second"), await openPlayer("rival")];
  const players = [captain, second, rival];
  const run = steps(t);
  const step = run.step;
  const channelOpen = (p) => until(p.page, () => window.whoosh.inbox.state === "open");

  try {
    await step("each is a guest with its player channel open", async () => {
      for (const p of players) {
        await p.page.goto(`${stack.url}/`);
        await p.page.getByTestId("play-guest").click();
        await p.page.getByTestId("quick-match").waitFor();
        p.id = await p.page.evaluate(() => window.whoosh.api.user.id);
        await channelOpen(p);
      }
    });

    await step("the captain makes a clan and the second joins it by invite code", async () => {
      await captain.page.goto(`${stack.url}/#/clans`);
      await captain.page.getByTestId("clan-name").fill("Mole Hunters");
      await captain.page.getByTestId("clan-tag").fill("MOLE");
      await captain.page.getByTestId("create-clan").click();
      await captain.page.getByTestId("make-invite").click();
      const code = (await captain.page.getByTestId("invite-code").textContent())?.trim();
      assert.match(code ?? "", /^[A-Z0-9]{6}$/);
      await second.page.goto(`${stack.url}/#/clans`);
      await second.page.getByTestId("clan-code").fill(code.toLowerCase());
      await second.page.getByTestId("join-clan").click();
      await until(second.page, () => document.querySelectorAll('[data-testid="clan-members"] .member').length === 2);
      await captain.page.reload();
      await until(captain.page, () => document.querySelectorAll('[data-testid="clan-members"] .member').length === 2);
    });

    let battleId;
    await step("the captain challenges the rival from the rival's profile; the rival hears it and accepts", async () => {
      await captain.page.goto(`${stack.url}/#/profile/${rival.id}`);
      await captain.page.getByTestId("challenge").click();
      await captain.page.getByTestId("battle-state").waitFor();
      battleId = captain.page.url().split("/battle/")[1];
      assert.match(battleId ?? "", /^[0-9a-f-]{36}$/);
      const invite = rival.page.getByTestId("battle-invite-toast");
      await invite.waitFor();
      await invite.getByRole("link").click();
      await rival.page.getByTestId("battle-join").click();
      await until(rival.page, (id) => !!document.querySelector(`[data-side="opponent"] [data-user="${id}"][data-testid="battle-player"]`), rival.id);
      // The captain's page follows the join over the captain's own channel, without a reload.
      await until(captain.page, (id) => !!document.querySelector(`[data-side="opponent"] [data-user="${id}"]`), rival.id);
      assert.equal(await captain.page.getByTestId("battle-begin").count(), 0, "two players cannot begin");
    });

    await step("the captain invites the clan mate as a second, who accepts", async () => {
      await captain.page.locator(`[data-testid="battle-invite"] [data-user="${second.id}"] [data-testid="battle-invite-mate"]`).click();
      const invite = second.page.getByTestId("battle-invite-toast");
      await invite.waitFor();
      await invite.getByRole("link").click();
      await second.page.getByTestId("battle-join").click();
      await until(captain.page, (id) => !!document.querySelector(`[data-side="challenger"] [data-user="${id}"][data-testid="battle-player"]`), second.id);
    });

    await step("the captain begins it and all three are taken to its game", async () => {
      await captain.page.getByTestId("battle-begin").click();
      for (const p of players) await p.page.getByTestId("game").waitFor({ timeout: 15_000 });
      await shot(rival.page, "battle-game");
    });

    await step("the round ends and the battle shows its result to every player", async () => {
      for (const p of players) await p.page.getByTestId("game-over").waitFor({ timeout: 30_000 });
      for (const p of players) {
        await p.page.goto(`${stack.url}/#/battle/${battleId}`);
        await until(p.page, () => document.querySelector('[data-testid="battle-state"]')?.dataset.state === "finished");
      }
      await shot(captain.page, "battle-result");
    });

    await step("no page threw an error", () => {
      const errors = players.flatMap((p) => p.errors).filter((e) => !/favicon|ERR_CONNECTION_REFUSED|WebSocket/.test(e));
      assert.deepEqual(errors, []);
    });
  } finally {
    if (run.failed) {
      console.error(`--- whoosh dev log (last lines) ---\n${tail(stack.log)}`);
      for (const p of players) if (p.errors.length) console.error(p.errors.join("\n"));
      for (const p of players) await shot(p.page, `failure-battle-${p.label}`).catch(() => {});
    }
    for (const p of players) await p.context.close().catch(() => {});
  }
});
