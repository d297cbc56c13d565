// Unit tests of the HTTP client and its session, against a small HTTP server on port 0 that
// answers like the API (no Whoosh needed): every operation of docs/openapi.json has a method that
// calls it, refreshes happen before expiry and once on token_expired, one at a time, and errors
// carry the API's code, status, Retry-After and request id.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFileSync } from "node:fs";
import { WhooshClient, OPERATIONS, ApiError, memoryStore } from "../dist/index.js";

const doc = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"));
const USER = { id: "u1", username: null, display_name: "Guest 1", avatar_id: null, is_guest: true, created_at: "2026-01-01T00:00:00Z" };

function sessionBody(n, expiresIn = 900) {
  return { user: USER, access_token: `access-${n}`, token_type: "Bearer", expires_in: expiresIn, refresh_token: `refresh-${n}`, refresh_expires_in: 2592000 };
}

/** An HTTP server on port 0: `answer(req, body)` returns [status, json, headers]; every request is kept. */
async function server(answer) {
  const requests = [];
  const srv = http.createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    const url = new URL(req.url, "http://x");
    const record = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body };
    requests.push(record);
    const [status, json, headers = {}] = (await answer(record)) ?? [200, {}];
    res.writeHead(status, { "content-type": "application/json", "x-request-id": `req-${requests.length}`, ...headers });
    res.end(status === 204 ? undefined : JSON.stringify(json));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => { srv.close(r); srv.closeAllConnections(); }) };
}

/** The path template of the documented operation `method path`, or null. */
function operationOf(method, path) {
  for (const [template, ops] of Object.entries(doc.paths)) {
    if (!ops[method.toLowerCase()]) continue;
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(path)) return `${method} ${template}`;
  }
  return null;
}

test("the operation table lists every operation of docs/openapi.json, each with a method", () => {
  // The operator console's operations (/api/admin/*) are for staff tools, not game clients.
  const documented = Object.entries(doc.paths)
    .filter(([path]) => !path.startsWith("/api/admin/"))
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
  assert.deepEqual([...documented].sort(), Object.keys(OPERATIONS).sort());
  for (const [op, method] of Object.entries(OPERATIONS)) {
    assert.equal(typeof WhooshClient.prototype[method], "function", `${op}: no method ${method}`);
  }
});

test("each method calls the operation it is listed under, with the right token", async () => {
  const srv = await server(({ path }) => {
    if (path === "/api/inventory/avatar-fox/equip") return [200, { equipped: { avatar: "avatar-fox", title: null } }];
    if (/^\/api\/auth\/(guest|login|register|refresh)$/.test(path)) return [200, sessionBody(1)];
    if (path === "/api/auth/upgrade" || path === "/api/auth/me") return [200, USER];
    if (path === "/api/profiles/me") return [200, { display_name: "Ada", avatar_id: null }];
    return [200, { purchase: {} }];
  });
  const client = new WhooshClient({ baseUrl: srv.url, deviceId: "device-0123456789abcdef", serviceToken: "svc" });
  await client.guest();
  const id = "019aad52-7c3e-7b21-8f4d-1c2e3a4b5c6d";
  const calls = {
    jwks: () => client.jwks(),
    registerAction: () => client.registerAction(id, 10),
    guest: () => client.guest(),
    login: () => client.login("ada", "password1"),
    logout: () => client.logout(),
    logoutAll: () => client.logoutAll(),
    me: () => client.me(),
    changePassword: () => client.changePassword("password1", "password2"),
    refresh: () => client.refresh(),
    register: () => client.register("ada", "password1", "Ada"),
    telegramLink: () => client.telegramLink(),
    telegramWebhook: () => client.telegramWebhook("secret", { update_id: 1 }),
    upgrade: () => client.upgrade("ada", "password1"),
    challenge: () => client.challenge({ opponent_id: id }),
    battle: () => client.battle(id),
    beginBattle: () => client.beginBattle(id),
    inviteToBattle: () => client.inviteToBattle(id, id),
    joinBattle: () => client.joinBattle(id),
    createGroup: () => client.createGroup({ name: "Moles", tag: "ML" }),
    joinGroupByCode: () => client.joinGroupByCode("ABCDEF"),
    groupBoard: () => client.groupBoard({ limit: 5 }),
    myGroups: () => client.myGroups(),
    group: () => client.group(id),
    disbandGroup: () => client.disbandGroup(id),
    groupInvite: () => client.groupInvite(id),
    joinGroup: () => client.joinGroup(id),
    leaveGroup: () => client.leaveGroup(id),
    groupMembers: () => client.groupMembers(id, { cursor: "c1" }),
    kickMember: () => client.kickMember(id, id),
    setMemberRole: () => client.setMemberRole(id, id, "admin"),
    transferGroup: () => client.transferGroup(id, id),
    inventory: () => client.inventory(),
    equip: () => client.equip("avatar-fox"),
    boards: () => client.boards(),
    board: () => client.board("score", { limit: 10 }),
    aroundMe: () => client.aroundMe("score", 3),
    driftCheck: () => client.driftCheck("score"),
    myRank: () => client.myRank("score"),
    syncBoard: () => client.syncBoard("score"),
    createLobby: () => client.createLobby({ round_secs: 60 }),
    joinLobby: () => client.joinLobby("Q4ZT8N"),
    createParty: () => client.createParty(),
    joinParty: () => client.joinParty("Q4ZT8N"),
    party: () => client.party(id),
    leaveParty: () => client.leaveParty(id),
    lobby: () => client.lobby(id),
    createTicket: () => client.createTicket(),
    ticket: () => client.ticket(id),
    cancelTicket: () => client.cancelTicket(id),
    openapi: () => client.openapi(),
    myProfile: () => client.myProfile(),
    deleteAccount: () => client.deleteAccount("password1"),
    editProfile: () => client.editProfile({ display_name: "Ada" }),
    profile: () => client.profile(id),
    matches: () => client.matches(id),
    submitScore: () => client.submitScore("token", 5),
    store: () => client.store(),
    purchase: () => client.purchase("avatar-fox", { idempotencyKey: "k1" }),
    wallet: () => client.wallet(),
    grant: () => client.grant({ user_id: id, currency: "coins", amount: 5, reason: "gift" }, "k2"),
    ledger: () => client.ledger(),
    healthz: () => client.healthz(),
    readiness: () => client.readiness(),
  };
  assert.deepEqual(Object.keys(calls).sort(), [...new Set(Object.values(OPERATIONS))].sort());
  const security = (op) => {
    const [method, path] = op.split(" ");
    return doc.paths[path][method.toLowerCase()].security?.[0] ?? {};
  };
  for (const [op, method] of Object.entries(OPERATIONS)) {
    // Some operations need a session: sign in again where a previous call ended it.
    if (!client.user) await client.guest();
    const before = srv.requests.length;
    await calls[method]();
    const made = srv.requests.slice(before).filter((r) => operationOf(r.method, r.path) === op);
    assert.equal(made.length, 1, `${method}() should call ${op} once; it called ${srv.requests.slice(before).map((r) => `${r.method} ${r.path}`)}`);
    const auth = made[0].headers.authorization;
    const scheme = security(op);
    if ("access_token" in scheme) assert.match(auth ?? "", /^Bearer access-/, `${op} needs the access token`);
    else if ("service_token" in scheme) assert.equal(auth, "Bearer svc", `${op} needs the service token`);
    else assert.equal(auth, undefined, `${op} is public: no token sent`);
  }
  await srv.close();
});

test("purchase sends its Idempotency-Key and a retry sends the same one", async () => {
  const srv = await server(({ path }) =>
    path === "/api/auth/guest" ? [201, sessionBody(1)] : [201, { purchase: { item_id: "avatar-fox", quantity: 1 } }],
  );
  const client = new WhooshClient({ baseUrl: srv.url });
  await client.guest("device-0123456789abcdef");
  await client.purchase("avatar-fox", { idempotencyKey: "buy-1" });
  await client.purchase("avatar-fox", { idempotencyKey: "buy-1" });
  const buys = srv.requests.filter((r) => r.path === "/api/store/purchase");
  assert.deepEqual(buys.map((r) => r.headers["idempotency-key"]), ["buy-1", "buy-1"]);
  assert.deepEqual(buys[0].body, { item_id: "avatar-fox", quantity: 1 });
  await srv.close();
});

test("an access token about to expire is refreshed before the call", async () => {
  let n = 0;
  const srv = await server(({ path }) => {
    if (path === "/api/auth/guest") return [201, sessionBody(++n, 30)];
    if (path === "/api/auth/refresh") return [200, sessionBody(++n)];
    return [200, { balances: [] }];
  });
  const client = new WhooshClient({ baseUrl: srv.url });
  await client.guest("device-0123456789abcdef");
  // Within the margin (a quarter of a 30 s life, at most 60 s) of its expiry.
  Object.assign(client.session, { issued_at: Date.now() - 25_000, expires_at: Date.now() + 5_000 });
  await client.wallet();
  const paths = srv.requests.map((r) => r.path);
  assert.deepEqual(paths, ["/api/auth/guest", "/api/auth/refresh", "/api/wallet"]);
  assert.equal(srv.requests[1].body.refresh_token, "refresh-1");
  assert.equal(srv.requests[2].headers.authorization, "Bearer access-2");
  await srv.close();
});

test("token_expired refreshes once and retries once; concurrent calls share the refresh", async () => {
  let n = 0;
  const srv = await server(({ path, headers }) => {
    if (path === "/api/auth/guest") return [201, sessionBody(++n)];
    if (path === "/api/auth/refresh") return [200, sessionBody(++n)];
    if (headers.authorization === "Bearer access-1") {
      return [401, { error: { code: "token_expired", message: "the access token has expired" } }];
    }
    return [200, { balances: [] }];
  });
  const client = new WhooshClient({ baseUrl: srv.url });
  await client.guest("device-0123456789abcdef");
  await Promise.all([client.wallet(), client.wallet(), client.inventory()]);
  assert.equal(srv.requests.filter((r) => r.path === "/api/auth/refresh").length, 1);
  assert.equal(client.session.access_token, "access-2");
  await srv.close();
});

test("a refused refresh ends the session and says so", async () => {
  const srv = await server(({ path }) => {
    if (path === "/api/auth/guest") return [201, sessionBody(1)];
    if (path === "/api/auth/refresh") return [401, { error: { code: "invalid_refresh_token", message: "no" } }];
    return [401, { error: { code: "invalid_token", message: "the session has ended" } }];
  });
  const store = memoryStore();
  const client = new WhooshClient({ baseUrl: srv.url, store });
  await client.guest("device-0123456789abcdef");
  const sessions = [];
  let expired = 0;
  client.on("session", (user) => sessions.push(user));
  client.on("expired", () => expired++);
  await assert.rejects(client.wallet(), (e) => e instanceof ApiError && e.code === "invalid_token" && e.status === 401);
  assert.equal(client.user, null);
  assert.equal(store.load(), null);
  assert.deepEqual(sessions, [null]);
  assert.equal(expired, 1);
  // No second refresh, and no endless retry: guest, wallet, refresh.
  assert.deepEqual(srv.requests.map((r) => r.path), ["/api/auth/guest", "/api/wallet", "/api/auth/refresh"]);
  await srv.close();
});

test("another holder's refresh is adopted instead of spending the token twice", async () => {
  const srv = await server(({ path }) => (path === "/api/auth/refresh" ? [200, sessionBody(9)] : [200, { balances: [] }]));
  // Two holders of one stored session, as two tabs of one origin are.
  const store = memoryStore({ user: USER, access_token: "access-1", refresh_token: "refresh-1", expires_at: Date.now() - 1 });
  const tab1 = new WhooshClient({ baseUrl: srv.url, store });
  const tab2 = new WhooshClient({ baseUrl: srv.url, store });
  await tab2.refresh();
  await tab1.refresh();
  assert.equal(srv.requests.filter((r) => r.path === "/api/auth/refresh").length, 1);
  assert.equal(tab1.session.access_token, "access-9");
  await srv.close();
});

test("errors carry the API's code, status, Retry-After and request id; a dead server is `network`", async () => {
  const srv = await server(() => [429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "7" }]);
  const client = new WhooshClient({ baseUrl: srv.url });
  const error = await client.store().catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.deepEqual(
    { status: error.status, code: error.code, message: error.message, retryAfter: error.retryAfter, requestId: error.requestId },
    { status: 429, code: "rate_limited", message: "slow down", retryAfter: 7, requestId: "req-1" },
  );
  await srv.close();
  const gone = await client.store().catch((e) => e);
  assert.equal(gone.code, "network");
  assert.equal(gone.status, 0);
});

test("logout ends the session locally even when the server cannot be reached", async () => {
  const srv = await server(() => [201, sessionBody(1)]);
  const client = new WhooshClient({ baseUrl: srv.url });
  await client.guest("device-0123456789abcdef");
  await srv.close();
  await client.logout();
  assert.equal(client.user, null);
});

test("calls without a session fail with invalid_token before reaching the network", async () => {
  const client = new WhooshClient({ baseUrl: "http://127.0.0.1:9" });
  const error = await client.wallet().catch((e) => e);
  assert.equal(error.code, "invalid_token");
  await assert.rejects(client.guest(), /device id/);
});

test("an operation whose body is optional sends none when there is nothing to send", async () => {
  const srv = await server(({ path }) => (path === "/api/auth/guest" ? [201, sessionBody(1)] : [201, { code: "ABCDEF" }]));
  const client = new WhooshClient({ baseUrl: srv.url });
  await client.guest("device-0123456789abcdef");
  await client.groupInvite("g1");
  await client.groupInvite("g1", { max_uses: 5 });
  const invites = srv.requests.filter((r) => r.path === "/api/groups/g1/invites");
  assert.deepEqual(invites.map((r) => [r.body, r.headers["content-type"]]), [[undefined, undefined], [{ max_uses: 5 }, "application/json"]]);
  await client.deleteAccount();
  const deletion = srv.requests.find((r) => r.method === "DELETE");
  assert.deepEqual([deletion.body, deletion.headers["content-type"]], [undefined, undefined]);
  await srv.close();
});
