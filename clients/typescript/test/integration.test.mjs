// Integration test of the package against a real `whoosh dev` (its own database and Redis key
// prefix, 200 ms game seconds, 60-second rounds): four SDK clients sign in as guests and play a
// whole private-lobby game over the game socket; one socket is dropped mid-game and must resume
// with what it missed; one player follows the xp board's live feed and their own channel
// (/ws/me), which must bring the match's results; then a player buys an item with an
// idempotency key and retries it, and is charged once.
//
// Run through scripts/test-sdk (scripts/test-web runs it), which provides:
//   WHOOSH_BIN               the whoosh binary
//   WHOOSH_SDK_DATABASE_URL  a database of its own (created by `whoosh dev`, dropped at the end)
//   WHOOSH_E2E_ADMIN_URL     a database URL on the same server to drop it from (optional)
//   REDIS_URL                the Redis server; keys go under a fresh prefix, deleted at the end
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { WhooshClient, ApiError } from "../dist/index.js";
import { required, serviceToken, startStack, tail } from "../../../web/e2e/stack.mjs";

const SCRIPT = "scripts/test-sdk";
const BIN = required("WHOOSH_BIN", SCRIPT);
const DATABASE_URL = required("WHOOSH_SDK_DATABASE_URL", SCRIPT);
const REDIS_URL = required("REDIS_URL", SCRIPT);
const PREFIX = `whoosh:sdk:${process.pid}${Date.now().toString(36)}:`;
const WAIT = { timeoutMs: 30_000 };

let stack;

before(async () => {
  stack = await startStack({ bin: BIN, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, prefix: PREFIX, roundSecs: 60 });
});

after(async () => {
  await stack?.stop();
});

/** A player: a client signed in as the guest of a new device, and their game socket. */
async function guest(name) {
  const client = new WhooshClient({ baseUrl: stack.url, deviceId: `sdk-${randomUUID()}`, WebSocket });
  const user = await client.guest();
  return { name, client, user, socket: null, messages: [], renewals: 0 };
}

/** Opens the player's game socket on a seat, counting the join tokens it renews. */
async function sit(player, seat) {
  const socket = player.client.gameSocket(seat, {
    renew: () => {
      player.renewals += 1;
      return player.client.lobby(seat.lobby_id);
    },
  });
  player.socket = socket;
  socket.on("message", (m) => player.messages.push(m));
  const welcome = socket.nextMessage("WELCOME", () => true, WAIT);
  socket.connect();
  return welcome;
}

test("four SDK clients play a private lobby, one resumes after a drop, results reach the feed, the channel and the wallet", { timeout: 180_000 }, async (t) => {
  const players = await Promise.all(["host", "bravo", "charlie", "delta"].map(guest));
  const [host, bravo, charlie, delta] = players;
  const ids = players.map((p) => p.user.id);

  // The live xp board and the host's own channel, followed from before the game.
  const feed = host.client.leaderboardFeed("xp");
  const tops = [];
  feed.on("top", (top) => tops.push(top));
  const firstTop = feed.next("top", () => true, WAIT);
  feed.connect();
  await firstTop;
  const channel = host.client.playerChannel();
  const channelEvents = [];
  channel.on("event", (e) => channelEvents.push(e));
  const channelOpen = channel.next("welcome", () => true, WAIT);
  channel.connect();
  await channelOpen;

  try {
    await t.test("the host creates a private lobby and three join by its code", async () => {
      const seat = await host.client.createLobby({ round_secs: 60, max_players: 6 });
      assert.match(seat.code ?? "", /^[A-Z0-9]{4,8}$/);
      const welcome = await sit(host, seat);
      assert.equal(welcome.you.user_id, host.user.id);
      const allIn = host.socket.nextMessage("LOBBY", (m) => m.lobby.players.filter((s) => s.connected).length === 4, WAIT);
      for (const p of [bravo, charlie, delta]) {
        const joined = await p.client.joinLobby(seat.code.toLowerCase());
        assert.equal(joined.lobby_id, seat.lobby_id);
        await sit(p, joined);
      }
      await allIn;
    });

    await t.test("everyone gets ready, the host starts, each gets a role", async () => {
      const allReady = host.socket.nextMessage(
        "LOBBY",
        (m) => m.lobby.players.every((s) => s.host || s.ready) && m.lobby.players.length === 4,
        WAIT,
      );
      for (const p of [bravo, charlie, delta]) assert.ok(p.socket.ready());
      await allReady;
      const started = players.map((p) => p.socket.nextMessage("GAME_STARTED", () => true, WAIT));
      assert.ok(host.socket.start());
      const games = await Promise.all(started);
      assert.equal(games.filter((m) => m.game.role === "mole").length, 1);
      for (const m of games) assert.deepEqual(m.game.players.map((s) => s.user).sort(), [...ids].sort());
    });

    await t.test("suspicions count: the heat of the suspected rises", async () => {
      // Everyone suspects the host; the host suspects bravo.
      for (const p of [bravo, charlie, delta]) assert.ok(p.socket.suspect(host.user.id));
      assert.ok(host.socket.suspect(bravo.user.id));
      const tick = await charlie.socket.nextMessage(
        "TICK",
        (m) => (m.players.find((s) => s.user === host.user.id)?.heat ?? 0) >= 3,
        WAIT,
      );
      assert.equal(tick.players.find((s) => s.user === host.user.id).suspected_by, 3);
      const refused = bravo.socket.nextMessage("ERROR", () => true, WAIT);
      assert.ok(bravo.socket.suspect(bravo.user.id));
      assert.equal((await refused).code, "suspect_self");
      // The refusal does not withdraw bravo's standing suspicion of the host.
      assert.ok(bravo.socket.suspect(host.user.id));
    });

    await t.test("a socket dropped mid-game resumes with last_seq, a fresh join token and what it missed", async () => {
      const seqBefore = delta.socket.lastSeq;
      const resumed = delta.socket.next("resumed", () => true, WAIT);
      const away = delta.socket.next("status", (s) => s.state === "reconnecting", WAIT);
      delta.socket.drop();
      await away;
      // Said while delta is away: it is replayed to delta on the resume, and reaches them once.
      assert.ok(charlie.socket.chat("where did delta go?"));
      const { replayed } = await resumed;
      assert.ok(replayed >= 1, `replayed ${replayed} events`);
      assert.equal(delta.renewals, 1, "one reconnect, one fresh join token");
      await delta.socket.nextMessage("TICK", () => true, WAIT);
      assert.equal(delta.messages.filter((m) => m.t === "CHAT" && m.text === "where did delta go?").length, 1);
      assert.ok(delta.socket.lastSeq > seqBefore);
      // Every event delta holds is numbered without gaps or repeats.
      const events = delta.messages.filter((m) => !["WELCOME", "LOBBY", "TICK"].includes(m.t) && m.seq > 0).map((m) => m.seq);
      assert.deepEqual(events, events.map((_, i) => i + 1));
    });

    let outcome;
    await t.test("the game ends for everyone with the same outcome", async () => {
      const overs = await Promise.all(players.map((p) => p.socket.nextMessage("GAME_OVER", () => true, { timeoutMs: 60_000 })));
      outcome = overs[0].outcome;
      for (const [i, m] of overs.entries()) {
        assert.deepEqual(m.outcome, outcome);
        assert.equal(m.you.user, players[i].user.id);
      }
      assert.ok(["agents", "moles"].includes(outcome.winner));
      assert.equal(outcome.players.length, 4);
    });

    await t.test("the results reach the live xp board and the host's own channel", async () => {
      const top = tops.find((x) => ids.every((id) => x.entries.some((e) => e.user_id === id)))
        ?? (await feed.next("top", (x) => ids.every((id) => x.entries.some((e) => e.user_id === id)), WAIT));
      for (const r of outcome.players) {
        assert.equal(top.entries.find((e) => e.user_id === r.user).value, r.xp);
      }
      assert.equal(feed.lastEventId, String(feed.latest.version));
      const rank = channelEvents.find((e) => e.t === "leaderboard") ?? (await channel.next("event", (e) => e.t === "leaderboard", WAIT));
      assert.ok(["rating", "xp"].includes(rank.board));
      const history = await host.client.matches(host.user.id);
      assert.equal(history.matches[0].match_id, host.socket.lobbyId);
    });

    await t.test("a purchase with an idempotency key, retried, is charged once", async () => {
      // Coins come from trusted services: a game server grants some with its service token.
      const service = new WhooshClient({ baseUrl: stack.url, serviceToken: serviceToken(BIN, stack, "sdk-test") });
      await service.grant({ user_id: bravo.user.id, currency: "coins", amount: 100, reason: "compensation" }, `sdk:${bravo.user.id}`);
      const coins = async () => (await bravo.client.wallet()).balances.find((b) => b.currency === "coins")?.balance ?? 0;
      const before = await coins();
      const { items } = await bravo.client.store();
      const hint = items.find((i) => i.id === "hint-breaking-news");
      const key = randomUUID();
      const first = await bravo.client.purchase(hint.id, { idempotencyKey: key });
      const again = await bravo.client.purchase(hint.id, { idempotencyKey: key });
      assert.deepEqual(again, first);
      assert.equal(await coins(), before - hint.price);
      const reused = await bravo.client.purchase(hint.id, { idempotencyKey: key, quantity: 2 }).catch((e) => e);
      assert.ok(reused instanceof ApiError);
      assert.deepEqual([reused.status, reused.code], [422, "idempotency_key_reused"]);
      assert.equal(await coins(), before - hint.price);
    });

    await t.test("the lobby closes after its game and the sockets stop by themselves", async () => {
      const closed = await host.socket.next("status", (s) => s.state === "closed", { timeoutMs: 60_000 });
      assert.deepEqual([closed.code, closed.final], [1000, true]);
    });
  } catch (error) {
    console.error(`--- whoosh dev log (last lines) ---\n${tail(stack.log)}`);
    throw error;
  } finally {
    for (const p of players) p.socket?.close();
    feed.close();
    channel.close();
  }
});
