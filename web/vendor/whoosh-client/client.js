// The HTTP client: one method per operation of the API (docs/openapi.json), each typed by the
// types generated from that document, and the session they run in. The access token is refreshed
// shortly before it expires and once on `token_expired` (or `invalid_token`, which another tab's
// refresh can cause), one refresh at a time across every holder of the session.
import { ApiError, errorOf } from "./errors.js";
import { Emitter } from "./events.js";
import { parseRetryAfter } from "./backoff.js";
import { defaultLock, memoryStore, sessionOf, } from "./session.js";
import { GameSocket } from "./socket.js";
import { PlayerChannel } from "./channel.js";
import { LeaderboardFeed } from "./feed.js";
const DEFAULT_REFRESH_MARGIN_MS = 60_000;
export class WhooshClient extends Emitter {
    baseUrl;
    options;
    #store;
    #session;
    #refreshing = null;
    #lock;
    #fetch;
    constructor(options = {}) {
        super();
        this.options = options;
        this.baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
        this.#store = options.store ?? memoryStore();
        this.#lock = options.lock ?? defaultLock;
        this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
        this.#session = this.#store.load();
        // Another holder of the store signed in, out or refreshed: follow it.
        this.#store.subscribe?.(() => {
            const before = this.#session?.user.id;
            this.#session = this.#store.load();
            if (this.#session?.user.id !== before)
                this.emit("session", this.user);
        });
    }
    /** The signed-in user, or null. */
    get user() {
        return this.#session?.user ?? null;
    }
    /** The current session (tokens included), or null. */
    get session() {
        return this.#session;
    }
    #setSession(session) {
        this.#session = session;
        this.#store.save(session);
        this.emit("session", this.user);
    }
    #setUser(user) {
        if (!this.#session)
            return;
        this.#session = { ...this.#session, user };
        this.#store.save(this.#session);
        this.emit("session", user);
    }
    // --- the call -------------------------------------------------------------------------------
    /**
     * Calls one operation of the API by its path and method, typed from docs/openapi.json. The
     * named methods below are this with the right path; use it directly for options they lack.
     */
    async call(method, path, options = {}, retried = false) {
        const { auth = "access", body, headers = {}, signal } = options;
        const h = { Accept: "application/json", ...headers };
        if (body !== undefined)
            h["Content-Type"] = "application/json";
        let token = null;
        if (auth === "access") {
            token = await this.accessToken();
            if (!token)
                throw new ApiError(401, "invalid_token", "not signed in");
            h.Authorization = `Bearer ${token}`;
        }
        else if (auth === "service") {
            if (!this.options.serviceToken)
                throw new ApiError(401, "invalid_token", "no service token configured");
            h.Authorization = `Bearer ${this.options.serviceToken}`;
        }
        const url = this.url(path, options.path, options.query);
        let res;
        try {
            res = await this.#fetch(url, {
                method: method.toUpperCase(),
                headers: h,
                body: body === undefined ? undefined : JSON.stringify(body),
                signal,
            });
        }
        catch (error) {
            if (signal?.aborted)
                throw error;
            throw new ApiError(0, "network", "the server cannot be reached; check the connection");
        }
        const text = res.status === 204 ? "" : await res.text();
        let json = null;
        try {
            json = text ? JSON.parse(text) : null;
        }
        catch {
            /* not JSON: an error from something in front of the API; handled below */
        }
        if (res.ok)
            return (res.status === 204 ? undefined : json);
        const error = errorOf(json);
        const code = error?.code ?? `http_${res.status}`;
        if (auth === "access" && res.status === 401 && !retried && (code === "token_expired" || code === "invalid_token")) {
            // token_expired: refresh and retry once. invalid_token: the session may have been
            // refreshed by another holder meanwhile, or may be over; one refresh tells which. A call
            // that raced a refresh already finished retries with its token instead of spending another.
            const renewed = this.#session && this.#session.access_token !== token ? this.#session : await this.refresh();
            if (renewed)
                return this.call(method, path, options, true);
        }
        throw new ApiError(res.status, code, error?.message ?? `${res.status} ${res.statusText}`, parseRetryAfter(res.headers.get("Retry-After")), res.headers.get("x-request-id"));
    }
    /** The absolute URL of an API path, its `{params}` filled in and its query appended. */
    url(path, params, query) {
        let filled = path.replace(/\{(\w+)\}/g, (_, name) => {
            const value = params?.[name];
            if (value === undefined)
                throw new TypeError(`${path} needs the parameter ${name}`);
            return encodeURIComponent(value);
        });
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(query ?? {}))
            if (v !== undefined && v !== null)
                q.set(k, String(v));
        const search = q.toString();
        if (search)
            filled += `?${search}`;
        return this.baseUrl + filled;
    }
    /** A valid access token, refreshed first when it is about to expire; null when signed out. */
    async accessToken() {
        const session = this.#session;
        if (!session)
            return null;
        if (Date.now() > this.#refreshAt(session))
            await this.refresh();
        return this.#session?.access_token ?? null;
    }
    #refreshAt(session) {
        const margin = this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
        return session.expires_at - Math.min(margin, (session.expires_at - (session.issued_at ?? 0)) / 4);
    }
    /**
     * Exchanges the refresh token for a new session, one refresh at a time across every holder of
     * the store. Resolves null when the session is over (then sign in again; `expired` is emitted).
     */
    refresh() {
        if (this.#refreshing)
            return this.#refreshing;
        const spent = this.#session?.refresh_token;
        this.#refreshing = this.#lock("whoosh-refresh", async () => {
            // Another holder may have refreshed while this one waited for the lock: take its result.
            const stored = this.#store.load();
            if (stored && stored.refresh_token !== spent) {
                this.#session = stored;
                return stored;
            }
            if (!spent)
                return null;
            try {
                const body = await this.call("post", "/api/auth/refresh", { auth: "none", body: { refresh_token: spent } });
                const session = sessionOf(body);
                this.#session = session;
                this.#store.save(session);
                return session;
            }
            catch (error) {
                if (error instanceof ApiError && error.status === 401) {
                    this.#setSession(null);
                    this.emit("expired", undefined);
                    return null;
                }
                throw error;
            }
        }).finally(() => {
            this.#refreshing = null;
        });
        return this.#refreshing;
    }
    #deviceId() {
        const id = this.options.deviceId;
        const value = typeof id === "function" ? id() : id;
        if (!value)
            throw new TypeError("a guest session needs a device id: pass deviceId to the client or to guest()");
        return value;
    }
    async #signIn(body) {
        this.#setSession(sessionOf(body));
        return body.user;
    }
    // --- auth -----------------------------------------------------------------------------------
    /** Signs in as this device's guest, creating the account on the device's first call. */
    async guest(deviceId = this.#deviceId()) {
        return this.#signIn(await this.call("post", "/api/auth/guest", { auth: "none", body: { device_id: deviceId } }));
    }
    async login(username, password) {
        return this.#signIn(await this.call("post", "/api/auth/login", { auth: "none", body: { username, password } }));
    }
    async register(username, password, displayName) {
        const body = displayName ? { username, password, display_name: displayName } : { username, password };
        return this.#signIn(await this.call("post", "/api/auth/register", { auth: "none", body }));
    }
    /** Turns the signed-in guest into a full account (same id, same progress). */
    async upgrade(username, password) {
        const user = await this.call("post", "/api/auth/upgrade", { body: { username, password } });
        this.#setUser(user);
        return user;
    }
    async me() {
        const user = await this.call("get", "/api/auth/me");
        this.#setUser(user);
        return user;
    }
    /** Ends this session; locally whatever the server answers. */
    async logout() {
        try {
            if (this.#session)
                await this.call("post", "/api/auth/logout");
        }
        catch {
            /* the session ends here whatever the server says */
        }
        this.#setSession(null);
    }
    /** Ends every session of the account (and closes its live sockets), this one included. */
    async logoutAll() {
        await this.call("post", "/api/auth/logout-all");
        this.#setSession(null);
    }
    /** Changes the password; the account's other sessions end, this one is kept. */
    changePassword(currentPassword, newPassword) {
        return this.call("post", "/api/auth/password", {
            body: { current_password: currentPassword, new_password: newPassword },
        });
    }
    telegramLink() {
        return this.call("post", "/api/auth/telegram/link");
    }
    /** Telegram's own call (the bot's webhook), for relays that forward it. */
    telegramWebhook(secret, update) {
        return this.call("post", "/api/auth/telegram/webhook", {
            auth: "none",
            body: update,
            headers: { "X-Telegram-Bot-Api-Secret-Token": secret },
        });
    }
    jwks() {
        return this.call("get", "/.well-known/jwks.json", { auth: "none" });
    }
    // --- profiles -------------------------------------------------------------------------------
    myProfile() {
        return this.call("get", "/api/profiles/me");
    }
    profile(userId) {
        return this.call("get", "/api/profiles/{user}", { auth: "none", path: { user: userId } });
    }
    async editProfile(changes) {
        const profile = await this.call("patch", "/api/profiles/me", { body: changes });
        const user = this.user;
        if (user)
            this.#setUser({ ...user, display_name: profile.display_name, avatar_id: profile.avatar_id ?? null });
        return profile;
    }
    /** Deletes the account for good (a full account confirms with its password). */
    async deleteAccount(password) {
        // No body rather than `null`: a guest has no password to confirm with.
        await this.call("delete", "/api/profiles/me", { body: password ? { password } : undefined });
        this.#setSession(null);
    }
    matches(userId, page = {}) {
        return this.call("get", "/api/profiles/{user}/matches", { auth: "none", path: { user: userId }, query: pageQuery(page) });
    }
    // --- leaderboards ---------------------------------------------------------------------------
    boards() {
        return this.call("get", "/api/leaderboards", { auth: "none" });
    }
    board(board, page = {}) {
        return this.call("get", "/api/leaderboards/{board}", { auth: "none", path: { board }, query: pageQuery(page) });
    }
    myRank(board) {
        return this.call("get", "/api/leaderboards/{board}/me", { path: { board } });
    }
    aroundMe(board, radius) {
        return this.call("get", "/api/leaderboards/{board}/around-me", { path: { board }, query: { radius } });
    }
    /** Service: compares the board's index with PostgreSQL and repairs it. */
    driftCheck(board) {
        return this.call("post", "/api/leaderboards/{board}/drift-check", { auth: "service", path: { board } });
    }
    /** Service: rebuilds the board's index from PostgreSQL. */
    syncBoard(board) {
        return this.call("post", "/api/leaderboards/{board}/sync", { auth: "service", path: { board } });
    }
    // --- actions and scores ---------------------------------------------------------------------
    /** Service: registers a completed action; the answer's token is what the player submits. */
    registerAction(userId, maxScore) {
        return this.call("post", "/api/actions", { auth: "service", body: { user_id: userId, max_score: maxScore } });
    }
    submitScore(actionToken, delta) {
        return this.call("post", "/api/scores", { body: { action_token: actionToken, delta } });
    }
    // --- economy --------------------------------------------------------------------------------
    wallet() {
        return this.call("get", "/api/wallet");
    }
    ledger(page = {}) {
        return this.call("get", "/api/wallet/ledger", { query: pageQuery(page) });
    }
    /** Service: credits (or debits) a wallet, once per idempotency key. */
    grant(grant, idempotencyKey) {
        return this.call("post", "/api/wallet/grants", {
            auth: "service",
            body: grant,
            headers: { "Idempotency-Key": idempotencyKey },
        });
    }
    store() {
        return this.call("get", "/api/store", { auth: "none" });
    }
    /**
     * Buys an item. `idempotencyKey` names one decision to buy: retrying the same purchase (after
     * a network error or a 5xx) with the same key is never charged twice and answers the same.
     */
    async purchase(itemId, { idempotencyKey, quantity = 1 }) {
        const receipt = await this.call("post", "/api/store/purchase", {
            body: { item_id: itemId, quantity },
            headers: { "Idempotency-Key": idempotencyKey },
        });
        return receipt.purchase;
    }
    inventory() {
        return this.call("get", "/api/inventory");
    }
    async equip(itemId) {
        const loadout = await this.call("post", "/api/inventory/{item}/equip", { path: { item: itemId } });
        const user = this.user;
        if (user)
            this.#setUser({ ...user, avatar_id: loadout.equipped.avatar ?? null });
        return loadout;
    }
    // --- matchmaking, lobbies, parties ----------------------------------------------------------
    createTicket(ticket = {}) {
        return this.call("post", "/api/matchmaking/tickets", { body: ticket });
    }
    ticket(id) {
        return this.call("get", "/api/matchmaking/tickets/{id}", { path: { id } });
    }
    cancelTicket(id) {
        return this.call("delete", "/api/matchmaking/tickets/{id}", { path: { id } });
    }
    /** Creates a private lobby hosted by the caller; the answer is their seat (with the code). */
    createLobby(settings = {}) {
        return this.call("post", "/api/lobbies", { body: settings });
    }
    joinLobby(code) {
        return this.call("post", "/api/lobbies/join", { body: { code } });
    }
    /** A lobby the caller is in, with a fresh join token (every read mints one). */
    lobby(id) {
        return this.call("get", "/api/lobbies/{id}", { path: { id } });
    }
    createParty() {
        return this.call("post", "/api/lobbies/parties");
    }
    joinParty(code) {
        return this.call("post", "/api/lobbies/parties/join", { body: { code } });
    }
    party(id) {
        return this.call("get", "/api/lobbies/parties/{id}", { path: { id } });
    }
    leaveParty(id) {
        return this.call("post", "/api/lobbies/parties/{id}/leave", { path: { id } });
    }
    // --- groups (clans) -------------------------------------------------------------------------
    createGroup(group) {
        return this.call("post", "/api/groups", { body: group });
    }
    myGroups() {
        return this.call("get", "/api/groups/me");
    }
    group(id) {
        return this.call("get", "/api/groups/{id}", { path: { id } });
    }
    disbandGroup(id) {
        return this.call("delete", "/api/groups/{id}", { path: { id } });
    }
    /** Joins an open group. */
    joinGroup(id) {
        return this.call("post", "/api/groups/{id}/join", { path: { id } });
    }
    joinGroupByCode(code) {
        return this.call("post", "/api/groups/join", { body: { code } });
    }
    /** A new invite code (owner or admin). */
    groupInvite(id, invite) {
        return this.call("post", "/api/groups/{id}/invites", { path: { id }, body: invite });
    }
    leaveGroup(id) {
        return this.call("post", "/api/groups/{id}/leave", { path: { id } });
    }
    groupMembers(id, page = {}) {
        return this.call("get", "/api/groups/{id}/members", { path: { id }, query: pageQuery(page) });
    }
    kickMember(id, userId) {
        return this.call("delete", "/api/groups/{id}/members/{user}", { path: { id, user: userId } });
    }
    setMemberRole(id, userId, role) {
        return this.call("put", "/api/groups/{id}/members/{user}/role", { path: { id, user: userId }, body: { role } });
    }
    transferGroup(id, userId) {
        return this.call("post", "/api/groups/{id}/transfer", { path: { id }, body: { user_id: userId } });
    }
    groupBoard(page = {}) {
        return this.call("get", "/api/groups/leaderboard", { auth: "none", query: pageQuery(page) });
    }
    // --- battles --------------------------------------------------------------------------------
    /** Challenges a player (`opponent_id`) or, for a group, another group. */
    challenge(battle) {
        return this.call("post", "/api/battles", { body: battle });
    }
    battle(id) {
        return this.call("get", "/api/battles/{id}", { path: { id } });
    }
    joinBattle(id) {
        return this.call("post", "/api/battles/{id}/join", { path: { id } });
    }
    inviteToBattle(id, userId) {
        return this.call("post", "/api/battles/{id}/invite", { path: { id }, body: { user_id: userId } });
    }
    beginBattle(id) {
        return this.call("post", "/api/battles/{id}/begin", { path: { id } });
    }
    // --- health and the document ----------------------------------------------------------------
    healthz() {
        return this.call("get", "/healthz", { auth: "none" });
    }
    /** Readiness of the platform; an answer whatever its state (503 included), `unreachable` without one. */
    async readiness() {
        try {
            const res = await this.#fetch(this.url("/readyz"), { headers: { Accept: "application/json" } });
            return (await res.json());
        }
        catch {
            return { status: "unreachable" };
        }
    }
    openapi() {
        return this.call("get", "/api/openapi.json", { auth: "none" });
    }
    // --- the edge -------------------------------------------------------------------------------
    /** The edge's address for sockets: `edgeUrl`, else the base URL (or the page) as ws(s). */
    edgeUrl() {
        const base = this.options.edgeUrl ?? (this.baseUrl || globalThis.location?.origin || "");
        return base.replace(/^http/, "ws").replace(/\/+$/, "");
    }
    /**
     * The game socket of a seat (the answer of createLobby, joinLobby, lobby, or a matched ticket).
     * Reconnects by itself, each time with a fresh join token from `lobby(id)`. Call `connect()`.
     */
    gameSocket(seat, options = {}) {
        return new GameSocket({
            lobbyId: seat.lobby_id,
            edgeUrl: seat.edge_url ?? this.edgeUrl(),
            joinToken: seat.join_token,
            renew: () => this.lobby(seat.lobby_id),
            WebSocket: this.options.WebSocket,
            ...options,
        });
    }
    /** The player's own channel (/ws/me) of the signed-in user. Call `connect()`. */
    playerChannel(options = {}) {
        return new PlayerChannel({
            url: `${this.edgeUrl()}/ws/me`,
            accessToken: () => this.accessToken(),
            WebSocket: this.options.WebSocket,
            ...options,
        });
    }
    /** The live top of a board (Server-Sent Events). Call `connect()`. */
    leaderboardFeed(board, options = {}) {
        return new LeaderboardFeed({
            url: `${this.baseUrl}/sse/leaderboards/${encodeURIComponent(board)}`,
            fetch: this.#fetch,
            ...options,
        });
    }
}
/** A page request as the API takes it (no cursor: the first page). */
function pageQuery({ limit, cursor }) {
    return { limit, cursor: cursor ?? undefined };
}
/**
 * Every operation of docs/openapi.json and the method that calls it; the unit tests check that
 * it lists the whole document and that each method calls the operation it is listed under.
 */
export const OPERATIONS = {
    "GET /.well-known/jwks.json": "jwks",
    "POST /api/actions": "registerAction",
    "POST /api/auth/guest": "guest",
    "POST /api/auth/login": "login",
    "POST /api/auth/logout": "logout",
    "POST /api/auth/logout-all": "logoutAll",
    "GET /api/auth/me": "me",
    "POST /api/auth/password": "changePassword",
    "POST /api/auth/refresh": "refresh",
    "POST /api/auth/register": "register",
    "POST /api/auth/telegram/link": "telegramLink",
    "POST /api/auth/telegram/webhook": "telegramWebhook",
    "POST /api/auth/upgrade": "upgrade",
    "POST /api/battles": "challenge",
    "GET /api/battles/{id}": "battle",
    "POST /api/battles/{id}/begin": "beginBattle",
    "POST /api/battles/{id}/invite": "inviteToBattle",
    "POST /api/battles/{id}/join": "joinBattle",
    "POST /api/groups": "createGroup",
    "POST /api/groups/join": "joinGroupByCode",
    "GET /api/groups/leaderboard": "groupBoard",
    "GET /api/groups/me": "myGroups",
    "GET /api/groups/{id}": "group",
    "DELETE /api/groups/{id}": "disbandGroup",
    "POST /api/groups/{id}/invites": "groupInvite",
    "POST /api/groups/{id}/join": "joinGroup",
    "POST /api/groups/{id}/leave": "leaveGroup",
    "GET /api/groups/{id}/members": "groupMembers",
    "DELETE /api/groups/{id}/members/{user}": "kickMember",
    "PUT /api/groups/{id}/members/{user}/role": "setMemberRole",
    "POST /api/groups/{id}/transfer": "transferGroup",
    "GET /api/inventory": "inventory",
    "POST /api/inventory/{item}/equip": "equip",
    "GET /api/leaderboards": "boards",
    "GET /api/leaderboards/{board}": "board",
    "GET /api/leaderboards/{board}/around-me": "aroundMe",
    "POST /api/leaderboards/{board}/drift-check": "driftCheck",
    "GET /api/leaderboards/{board}/me": "myRank",
    "POST /api/leaderboards/{board}/sync": "syncBoard",
    "POST /api/lobbies": "createLobby",
    "POST /api/lobbies/join": "joinLobby",
    "POST /api/lobbies/parties": "createParty",
    "POST /api/lobbies/parties/join": "joinParty",
    "GET /api/lobbies/parties/{id}": "party",
    "POST /api/lobbies/parties/{id}/leave": "leaveParty",
    "GET /api/lobbies/{id}": "lobby",
    "POST /api/matchmaking/tickets": "createTicket",
    "GET /api/matchmaking/tickets/{id}": "ticket",
    "DELETE /api/matchmaking/tickets/{id}": "cancelTicket",
    "GET /api/openapi.json": "openapi",
    "GET /api/profiles/me": "myProfile",
    "DELETE /api/profiles/me": "deleteAccount",
    "PATCH /api/profiles/me": "editProfile",
    "GET /api/profiles/{user}": "profile",
    "GET /api/profiles/{user}/matches": "matches",
    "POST /api/scores": "submitScore",
    "GET /api/store": "store",
    "POST /api/store/purchase": "purchase",
    "GET /api/wallet": "wallet",
    "POST /api/wallet/grants": "grant",
    "GET /api/wallet/ledger": "ledger",
    "GET /healthz": "healthz",
    "GET /readyz": "readiness",
};
