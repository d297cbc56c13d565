// Unit tests of the game socket, the player's channel and the leaderboard feed against small
// servers on port 0 that speak the edge's protocol (a WebSocket server from `ws`, an SSE server
// from node:http): resume with last_seq and a fresh join token, events once and in order, the
// close codes that mean stop, refusals with Retry-After, catch-up on /ws/me, Last-Event-ID.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import WebSocket, { WebSocketServer } from "ws";
import { GameSocket, PlayerChannel, LeaderboardFeed, SseParser, backoffDelay, ApiError } from "../dist/index.js";

/** A WebSocket server on port 0; `onConnection(socket, request)` plays the edge. */
async function edge(onConnection, { refuse } = {}) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => "whoosh.v1" });
  const upgrades = [];
  server.on("upgrade", (req, sock, head) => {
    const url = new URL(req.url, "http://x");
    const protocols = (req.headers["sec-websocket-protocol"] ?? "").split(/,\s*/);
    const upgrade = { path: url.pathname, lastSeq: url.searchParams.get("last_seq"), token: protocols.find((p) => p.startsWith("bearer."))?.slice(7) };
    upgrades.push(upgrade);
    const refusal = refuse?.(upgrade, upgrades.length);
    if (refusal) {
      const [status, headers = {}] = refusal;
      sock.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}content-length: 2\r\n\r\n{}`);
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => onConnection(ws, upgrade, upgrades.length));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `ws://127.0.0.1:${server.address().port}`;
  return {
    url,
    upgrades,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      return new Promise((r) => server.close(r));
    },
  };
}

const send = (ws, msg) => ws.send(JSON.stringify(msg));
const LOBBY = { id: "L1", kind: "private", state: "playing", host: "u1", code: "ABCDEF", settings: { round_secs: 60, max_players: 6 }, players: [] };
const welcome = (seq, resumed, replayed = 0) => ({ t: "WELCOME", seq, lobby: LOBBY, you: { user_id: "u1" }, game: null, resumed, replayed });
const statusOf = (socket, accept) => socket.next("status", accept, { timeoutMs: 10_000 });

test("a dropped game socket resumes with last_seq and a fresh join token; events come once, in order", async () => {
  const srv = await edge((ws, upgrade, n) => {
    if (n === 1) {
      send(ws, welcome(0, false));
      send(ws, { t: "GAME_STARTED", seq: 1, game: {} });
      send(ws, { t: "CHAT", seq: 2, from: "u2", name: "Bo", text: "hi" });
      send(ws, { t: "TICK", seq: 2, remaining_secs: 50 });
      // The network fails: no close frame.
      setTimeout(() => ws.terminate(), 50);
    } else {
      // Replays 2 again (already seen), then 3, then the resume's WELCOME.
      send(ws, { t: "CHAT", seq: 2, from: "u2", name: "Bo", text: "hi" });
      send(ws, { t: "NEWS", seq: 3, headline: { kind: "most_suspected", user: "u2", suspicions: 1 }, text: "BREAKING" });
      send(ws, welcome(3, true, 2));
      send(ws, { t: "TICK", seq: 3, remaining_secs: 40 });
    }
  });
  let renewed = 0;
  const socket = new GameSocket({
    lobbyId: "L1",
    edgeUrl: srv.url,
    joinToken: "join-1",
    renew: async () => ({ edge_url: srv.url, join_token: `join-${++renewed + 1}` }),
    WebSocket,
    pingEveryMs: 0,
  });
  const seen = [];
  socket.on("message", (m) => seen.push(`${m.t}:${m.seq}`));
  const resumed = socket.next("resumed", () => true, { timeoutMs: 10_000 });
  const caughtUp = socket.nextMessage("TICK", (m) => m.remaining_secs === 40, { timeoutMs: 10_000 });
  socket.connect();
  assert.deepEqual(await resumed, { replayed: 2 });
  await caughtUp;
  assert.deepEqual(seen, ["WELCOME:0", "GAME_STARTED:1", "CHAT:2", "TICK:2", "NEWS:3", "WELCOME:3", "TICK:3"]);
  assert.equal(socket.lastSeq, 3);
  assert.deepEqual(srv.upgrades.map((u) => [u.path, u.lastSeq, u.token]), [
    ["/ws/lobbies/L1", null, "join-1"],
    ["/ws/lobbies/L1", "2", "join-2"],
  ]);
  socket.close();
  await srv.close();
});

test("a WELCOME that could not resume sets the numbering base", async () => {
  const srv = await edge((ws, _u, n) => {
    if (n === 1) {
      send(ws, welcome(0, false));
      send(ws, { t: "CHAT", seq: 5, from: "u2", name: "Bo", text: "x" });
      setTimeout(() => ws.close(1013, "lobby owner unreachable; reconnect"), 20);
    } else {
      // The lobby moved to another node: numbers jump, nothing replayed.
      send(ws, welcome(1005, false));
      send(ws, { t: "CHAT", seq: 1006, from: "u2", name: "Bo", text: "y" });
    }
  });
  const socket = new GameSocket({ lobbyId: "L1", edgeUrl: srv.url, joinToken: "j", renew: async () => ({ join_token: "j2" }), WebSocket, pingEveryMs: 0 });
  socket.connect();
  await socket.nextMessage("CHAT", (m) => m.seq === 1006, { timeoutMs: 10_000 });
  assert.equal(socket.lastSeq, 1006);
  assert.equal(srv.upgrades[1].lastSeq, "5");
  socket.close();
  await srv.close();
});

for (const [code, reason, final] of [
  [4000, "replaced by a newer connection", true],
  [1000, "lobby closed", true],
  [1008, "message rate exceeded", true],
  [1009, "message too big", true],
  [1000, "idle timeout", false],
  [1001, "server going away; reconnect to resume", false],
  [1013, "too slow; reconnect with last_seq to resume", false],
]) {
  test(`close ${code} ${reason}: ${final ? "stops" : "reconnects"}`, async () => {
    const srv = await edge((ws, _u, n) => {
      send(ws, welcome(0, false));
      if (n === 1) setTimeout(() => ws.close(code, reason), 20);
    });
    const socket = new GameSocket({ lobbyId: "L1", edgeUrl: srv.url, joinToken: "j", renew: async () => ({ join_token: "j2" }), WebSocket, pingEveryMs: 0 });
    const after = statusOf(socket, (s) => s.state === "closed" || s.state === "reconnecting");
    socket.connect();
    const status = await after;
    if (final) {
      assert.deepEqual([status.state, status.code, status.final], ["closed", code, true]);
    } else {
      assert.equal(status.state, "reconnecting");
      await statusOf(socket, (s) => s.state === "open");
      assert.equal(srv.upgrades.length, 2);
    }
    socket.close();
    await srv.close();
  });
}

test("a refused upgrade waits its Retry-After; a 404 stops", async () => {
  const srv = await edge(
    (ws) => send(ws, welcome(0, false)),
    { refuse: (_u, n) => (n === 1 ? [503, { "retry-after": "1" }] : n === 2 ? [404] : null) },
  );
  const socket = new GameSocket({ lobbyId: "L1", edgeUrl: srv.url, joinToken: "j", renew: async () => ({ join_token: "j2" }), WebSocket, pingEveryMs: 0 });
  const statuses = [];
  socket.on("status", (s) => statuses.push(s));
  const closed = statusOf(socket, (s) => s.state === "closed");
  socket.connect();
  const end = await closed;
  const retry = statuses.find((s) => s.state === "reconnecting" && s.code === 503);
  assert.ok(retry, JSON.stringify(statuses));
  assert.ok(retry.delayMs >= 1000, `waited ${retry.delayMs} ms, less than Retry-After`);
  assert.deepEqual([end.code, end.final], [404, true]);
  await srv.close();
});

test("a lobby that is gone when renewing the join token stops the socket", async () => {
  const srv = await edge((ws) => {
    send(ws, welcome(0, false));
    setTimeout(() => ws.terminate(), 20);
  });
  const socket = new GameSocket({
    lobbyId: "L1",
    edgeUrl: srv.url,
    joinToken: "j",
    renew: async () => {
      throw new ApiError(404, "lobby_not_found", "no such lobby");
    },
    WebSocket,
    pingEveryMs: 0,
  });
  const closed = statusOf(socket, (s) => s.state === "closed");
  socket.connect();
  assert.equal((await closed).final, true);
  assert.equal(srv.upgrades.length, 1);
  await srv.close();
});

test("the player's channel catches up with last_seq and says when it could not", async () => {
  const srv = await edge((ws, upgrade, n) => {
    if (n === 1) {
      // Resumed from 4: event 5 replayed, then the WELCOME.
      send(ws, { t: "battle:join", seq: 5, battle_id: "b", user_id: "u2", side: "opponent" });
      send(ws, { t: "WELCOME", seq: 5, user_id: "u1", resumed: true, replayed: 1 });
      send(ws, { t: "leaderboard", seq: 6, board: "rating", value: 1207, rank: 3 });
      setTimeout(() => ws.close(1013, "too slow; reconnect with last_seq to resume"), 20);
    } else {
      send(ws, { t: "leaderboard", seq: 6, board: "rating", value: 1207, rank: 3 });
      send(ws, { t: "WELCOME", seq: 40, user_id: "u1", resumed: false, replayed: 0 });
    }
  });
  const tokens = ["a1", "a2"];
  const channel = new PlayerChannel({ url: `${srv.url}/ws/me`, accessToken: async () => tokens.shift() ?? "a3", lastSeq: 4, WebSocket });
  const events = [];
  const welcomes = [];
  channel.on("event", (e) => events.push(`${e.t}:${e.seq}`));
  channel.on("welcome", (w) => welcomes.push([w.seq, w.caughtUp]));
  const lost = channel.next("welcome", (w) => !w.caughtUp, { timeoutMs: 10_000 });
  channel.connect();
  await lost;
  assert.deepEqual(events, ["battle:join:5", "leaderboard:6"]);
  assert.deepEqual(welcomes, [[5, true], [40, false]]);
  assert.equal(channel.lastSeq, 40);
  assert.deepEqual(srv.upgrades.map((u) => [u.path, u.lastSeq, u.token]), [["/ws/me", "4", "a1"], ["/ws/me", "6", "a2"]]);
  channel.close();
  await srv.close();
});

test("the player's channel stops on 1008 session revoked", async () => {
  const srv = await edge((ws) => {
    send(ws, { t: "WELCOME", seq: 0, user_id: "u1", resumed: false, replayed: 0 });
    setTimeout(() => ws.close(1008, "session revoked"), 20);
  });
  const channel = new PlayerChannel({ url: `${srv.url}/ws/me`, accessToken: async () => "a", WebSocket });
  const closed = statusOf(channel, (s) => s.state === "closed" || s.state === "reconnecting");
  channel.connect();
  assert.deepEqual([(await closed).state, (await closed).final], ["closed", true]);
  await srv.close();
});

test("the SSE parser handles split chunks, CRLF, comments, multi-line data and a lasting id", () => {
  const parser = new SseParser();
  const events = [
    ...parser.push(": keep-alive\r\nevent: top\r\nid: 4"),
    ...parser.push("2\r\ndata: {\"a\":\r\ndata: 1}\r"),
    ...parser.push("\n\r\n"),
    ...parser.push("data: no id or event\n\n"),
  ];
  assert.deepEqual(events, [
    { event: "top", data: '{"a":\n1}', id: "42" },
    { event: "message", data: "no id or event", id: "42" },
  ]);
});

test("backoff grows, jitters within 20 %, and never undercuts Retry-After", () => {
  const schedule = [500, 1000, 2000];
  assert.equal(backoffDelay(schedule, 1, null, () => 0.5), 500);
  assert.equal(backoffDelay(schedule, 9, null, () => 0.5), 2000);
  assert.equal(backoffDelay(schedule, 1, null, () => 0), 400);
  assert.equal(backoffDelay(schedule, 1, null, () => 1), 600);
  assert.equal(backoffDelay(schedule, 1, 5, () => 0.5), 5000);
});

/** An SSE server on port 0 for board `score`; `respond(res, request number, lastEventId)`. */
async function sse(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers["last-event-id"] ?? null);
    respond(res, requests.length, req.url);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/sse/leaderboards/score`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}
const top = (version) => `event: top\nid: ${version}\ndata: ${JSON.stringify({ board: "score", version, entries: [] })}\n\n`;

test("the leaderboard feed reconnects with Last-Event-ID after the stream ends, and after a 503", async () => {
  const srv = await sse((res, n) => {
    if (n === 2) {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      res.end(JSON.stringify({ error: { code: "service_unavailable", message: "later" } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(": hello\n\n");
    res.write(top(n === 1 ? 7 : 9));
    // The node shuts down: the stream ends.
    if (n === 1) res.end();
  });
  const feed = new LeaderboardFeed({ url: srv.url });
  const versions = [];
  const statuses = [];
  feed.on("top", (t) => versions.push(t.version));
  feed.on("status", (s) => statuses.push(s));
  const nine = feed.next("top", (t) => t.version === 9, { timeoutMs: 15_000 });
  feed.connect();
  await nine;
  assert.deepEqual(versions, [7, 9]);
  assert.deepEqual(srv.requests, [null, "7", "7"]);
  assert.ok(statuses.some((s) => s.state === "reconnecting" && s.delayMs >= 1000));
  assert.equal(feed.lastEventId, "9");
  feed.close();
  await srv.close();
});

test("the leaderboard feed stops on 404", async () => {
  const srv = await sse((res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: "no such board" } }));
  });
  const feed = new LeaderboardFeed({ url: srv.url, lastEventId: "3" });
  const closed = feed.next("status", (s) => s.state === "closed", { timeoutMs: 10_000 });
  feed.connect();
  const status = await closed;
  assert.equal(status.error.code, "not_found");
  assert.deepEqual(srv.requests, ["3"]);
  await srv.close();
});
