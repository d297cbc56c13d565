// The one client of the Whoosh HTTP API (docs/API.md). Every view talks to the server through
// `api` below; nothing else calls fetch. It owns the session: tokens live in localStorage, the
// access token is refreshed shortly before it expires and once on `token_expired`, and at most
// one refresh runs at a time across every tab of this origin (a second refresh with a spent
// refresh token would count as reuse and end the session).

/**
 * @typedef {object} User
 * @property {string} id
 * @property {string|null} username
 * @property {string} display_name
 * @property {string|null} avatar_id
 * @property {boolean} is_guest
 * @property {string} created_at
 *
 * @typedef {object} Session
 * @property {User} user
 * @property {string} access_token
 * @property {string} refresh_token
 * @property {number} expires_at   epoch ms when the access token expires (computed locally)
 *
 * @typedef {object} Profile
 * @property {string} id
 * @property {string} display_name
 * @property {string|null} avatar_id
 * @property {string|null} title_id
 * @property {number} elo
 * @property {number} xp
 * @property {number} level
 * @property {number} next_level_xp
 * @property {number} games_played
 * @property {number} wins
 * @property {string} created_at
 *
 * @typedef {object} MatchRecord
 * @property {string} match_id
 * @property {string} mode
 * @property {string} role
 * @property {boolean} won
 * @property {number} elo_before
 * @property {number} elo_after
 * @property {number} xp_gained
 * @property {number} coins_gained
 * @property {string} finished_at
 *
 * @typedef {{id: string, kind: string, title: string}} Board
 * @typedef {{rank: number, user_id: string, display_name: string, avatar_id: string|null, value: number}} BoardEntry
 * @typedef {{board: string, version: number, entries: BoardEntry[]}} BoardTop  one SSE `top` event
 *
 * @typedef {{currency: string, balance: number}} Balance
 * @typedef {object} StoreItem
 * @property {string} id
 * @property {string} name
 * @property {string} description
 * @property {"avatar"|"title"|"consumable"} kind
 * @property {number} price
 * @property {string} currency
 * @property {number|null} per_user_limit
 * @typedef {{item_id: string, name: string, kind: string, quantity: number, equipped: boolean, acquired_at: string}} InventoryItem
 * @typedef {{item_id: string, quantity: number, cost: number, currency: string, balance: number, owned: number}} Purchase
 *
 * @typedef {object} Ticket  a matchmaking ticket
 * @property {string} ticket_id
 * @property {"searching"|"matched"|"cancelled"|"expired"} status
 * @property {number} [waited_ms]
 * @property {{min: number, max: number}} [window]
 * @property {"players"|"edge_node"} [waiting_for]
 * @property {string} [lobby_id]
 * @property {string} [edge_url]
 * @property {string} [ws_url]
 * @property {string} [join_token]
 *
 * @typedef {object} Group  a group (clan) as the caller sees it
 * @property {string} id
 * @property {string} name
 * @property {string} tag
 * @property {string} description
 * @property {"open"|"invite_only"|"private"} visibility
 * @property {number} members
 * @property {"owner"|"admin"|"member"|null} [my_role]
 * @typedef {{user_id: string, display_name: string, role: string, elo: number, joined_at: string}} GroupMember
 *
 * @typedef {{user_id: string, side: "challenger"|"opponent"}} BattlePlayer
 * @typedef {object} Battle
 * @property {string} id
 * @property {"players"|"groups"} kind
 * @property {"open"|"playing"|"finished"} state
 * @property {string|null} challenger_id
 * @property {string|null} opponent_id
 * @property {string|null} lobby_id
 * @property {"challenger"|"opponent"|"draw"|null} winner
 * @property {BattlePlayer[]} players
 * @property {BattlePlayer[]} invited
 *
 * @typedef {object} LobbySeat  what joining or (re)reading a lobby hands back
 * @property {string} lobby_id
 * @property {string} [code]
 * @property {string} edge_url
 * @property {string} [ws_url]     edge_url + /ws/lobbies/{lobby_id}
 * @property {string} join_token
 */

const SESSION_KEY = "whoosh.session";
const DEVICE_KEY = "whoosh.device_id";
/** Refresh this long before the access token's expiry rather than wait for `token_expired`. */
const REFRESH_MARGIN_MS = 60_000;

/** An error answer of the API: `code` is the stable snake_case code clients branch on. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {number|null} retryAfter seconds, from Retry-After (429, 503)
   */
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** @returns {Session|null} */
function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null");
  } catch {
    return null;
  }
}

/** @param {Session|null} session */
function storeSession(session) {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
}

/** The device id that names this browser's guest account, made once and kept. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{16,128}$/.test(id)) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** @param {any} body @returns {Session} */
function toSession(body) {
  return {
    user: body.user,
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_at: Date.now() + body.expires_in * 1000,
  };
}

/** Runs `fn` holding a lock shared by every tab of this origin (Web Locks when available). */
async function exclusive(name, fn) {
  if (navigator.locks?.request) return navigator.locks.request(name, fn);
  return fn();
}

class Api extends EventTarget {
  constructor() {
    super();
    /** @type {Session|null} */
    this.session = loadSession();
    /** @type {Promise<Session|null>|null} */
    this.refreshing = null;
    // Another tab logged in, out, or refreshed: follow it.
    addEventListener("storage", (e) => {
      if (e.key !== SESSION_KEY) return;
      const before = this.session?.user?.id;
      this.session = loadSession();
      if (this.session?.user?.id !== before) this.emitSession();
    });
  }

  /** @returns {User|null} */
  get user() {
    return this.session?.user ?? null;
  }

  emitSession() {
    this.dispatchEvent(new CustomEvent("session", { detail: this.user }));
  }

  /** @param {Session|null} session */
  setSession(session) {
    this.session = session;
    storeSession(session);
    this.emitSession();
  }

  /** @param {User} user */
  setUser(user) {
    if (!this.session) return;
    this.session = { ...this.session, user };
    storeSession(this.session);
    this.emitSession();
  }

  /**
   * One HTTP call. Errors become ApiError; a network failure becomes ApiError("network").
   * @param {string} method
   * @param {string} path
   * @param {{body?: any, auth?: boolean, headers?: Record<string,string>, retried?: boolean}} [opts]
   * @returns {Promise<any>}
   */
  async request(method, path, opts = {}) {
    const { body, auth = true, headers = {} } = opts;
    /** @type {Record<string, string>} */
    const h = { Accept: "application/json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    if (auth) {
      const token = await this.accessToken();
      if (!token) throw new ApiError(401, "invalid_token", "you are not logged in");
      h.Authorization = `Bearer ${token}`;
    }
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "network", "the server cannot be reached; check your connection");
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: handled below */
    }
    if (res.ok) return json;
    const code = json?.error?.code ?? "http_" + res.status;
    const message = json?.error?.message ?? `${res.status} ${res.statusText}`;
    const retryAfter = Number(res.headers.get("Retry-After")) || null;
    if (auth && res.status === 401 && !opts.retried && (code === "token_expired" || code === "invalid_token")) {
      // token_expired: refresh and retry once. invalid_token: the session may have been
      // refreshed by another tab meanwhile, or may be over; one refresh tells which.
      const renewed = await this.refresh();
      if (renewed) return this.request(method, path, { ...opts, retried: true });
    }
    throw new ApiError(res.status, code, message, retryAfter);
  }

  /** A valid access token, refreshing first when it is about to expire. */
  async accessToken() {
    if (!this.session) return null;
    if (Date.now() > this.session.expires_at - REFRESH_MARGIN_MS) await this.refresh();
    return this.session?.access_token ?? null;
  }

  /**
   * Exchanges the refresh token for a new session; one at a time, across tabs.
   * @returns {Promise<Session|null>} null when the session is over (then the user logs in again)
   */
  refresh() {
    if (this.refreshing) return this.refreshing;
    const spent = this.session?.refresh_token;
    this.refreshing = exclusive("whoosh-refresh", async () => {
      // Another tab may have refreshed while we waited for the lock: take its result.
      const stored = loadSession();
      if (stored && stored.refresh_token !== spent) {
        this.session = stored;
        return stored;
      }
      if (!spent) return null;
      try {
        const body = await this.request("POST", "/api/auth/refresh", {
          auth: false,
          body: { refresh_token: spent },
        });
        const session = toSession(body);
        this.session = session;
        storeSession(session);
        return session;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          this.setSession(null);
          this.dispatchEvent(new CustomEvent("expired"));
          return null;
        }
        throw e;
      }
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  // --- auth ---------------------------------------------------------------------------------

  /** Logs in as this device's guest (creating it on the first call). @returns {Promise<User>} */
  async guest() {
    const body = await this.request("POST", "/api/auth/guest", { auth: false, body: { device_id: deviceId() } });
    this.setSession(toSession(body));
    return body.user;
  }

  /** @param {string} username @param {string} password @returns {Promise<User>} */
  async login(username, password) {
    const body = await this.request("POST", "/api/auth/login", { auth: false, body: { username, password } });
    this.setSession(toSession(body));
    return body.user;
  }

  /** @param {string} username @param {string} password @param {string} [display_name] @returns {Promise<User>} */
  async register(username, password, display_name) {
    const body = await this.request("POST", "/api/auth/register", {
      auth: false,
      body: display_name ? { username, password, display_name } : { username, password },
    });
    this.setSession(toSession(body));
    return body.user;
  }

  /** Turns the calling guest into a full account. @returns {Promise<User>} */
  async upgrade(username, password) {
    const user = await this.request("POST", "/api/auth/upgrade", { body: { username, password } });
    this.setUser(user);
    return user;
  }

  /** @returns {Promise<User>} */
  async me() {
    const user = await this.request("GET", "/api/auth/me");
    this.setUser(user);
    return user;
  }

  async logout() {
    try {
      await this.request("POST", "/api/auth/logout");
    } catch {
      /* the session ends locally whatever the server says */
    }
    this.setSession(null);
  }

  // --- profiles -----------------------------------------------------------------------------

  /** @returns {Promise<Profile>} */
  myProfile() {
    return this.request("GET", "/api/profiles/me");
  }

  /** @param {string} id @returns {Promise<Profile>} */
  profile(id) {
    return this.request("GET", `/api/profiles/${encodeURIComponent(id)}`, { auth: false });
  }

  /** @param {{display_name?: string, avatar_id?: string}} changes @returns {Promise<Profile>} */
  async editProfile(changes) {
    const profile = await this.request("PATCH", "/api/profiles/me", { body: changes });
    if (this.user) this.setUser({ ...this.user, display_name: profile.display_name, avatar_id: profile.avatar_id });
    return profile;
  }

  /**
   * @param {string} id @param {string|null} [cursor]
   * @returns {Promise<{matches: MatchRecord[], next_cursor: string|null}>}
   */
  matches(id, cursor = null) {
    const q = new URLSearchParams({ limit: "10" });
    if (cursor) q.set("cursor", cursor);
    return this.request("GET", `/api/profiles/${encodeURIComponent(id)}/matches?${q}`, { auth: false });
  }

  // --- leaderboards -------------------------------------------------------------------------

  /** @returns {Promise<{boards: Board[]}>} */
  boards() {
    return this.request("GET", "/api/leaderboards", { auth: false });
  }

  /** @param {string} board @returns {Promise<{board: string, entry: BoardEntry|null}>} */
  myRank(board) {
    return this.request("GET", `/api/leaderboards/${encodeURIComponent(board)}/me`);
  }

  /** The URL of a board's live feed, for EventSource (GET /sse/leaderboards/{board}). */
  boardFeedUrl(board) {
    return `/sse/leaderboards/${encodeURIComponent(board)}`;
  }

  // --- economy ------------------------------------------------------------------------------

  /** @returns {Promise<{balances: Balance[]}>} */
  wallet() {
    return this.request("GET", "/api/wallet");
  }

  /** @returns {Promise<{items: StoreItem[]}>} */
  store() {
    return this.request("GET", "/api/store", { auth: false });
  }

  /**
   * Buys an item. `key` is one Idempotency-Key per decision to buy: a retry of the same purchase
   * (after a network error) sends the same key and is never charged twice.
   * @param {string} itemId @param {string} key @returns {Promise<Purchase>}
   */
  async purchase(itemId, key) {
    const body = await this.request("POST", "/api/store/purchase", {
      body: { item_id: itemId, quantity: 1 },
      headers: { "Idempotency-Key": key },
    });
    return body.purchase;
  }

  /** @returns {Promise<{items: InventoryItem[]}>} */
  inventory() {
    return this.request("GET", "/api/inventory");
  }

  /** @param {string} itemId @returns {Promise<{equipped: {avatar: string|null, title: string|null}}>} */
  async equip(itemId) {
    const body = await this.request("POST", `/api/inventory/${encodeURIComponent(itemId)}/equip`);
    if (this.user) this.setUser({ ...this.user, avatar_id: body.equipped.avatar });
    return body;
  }

  // --- matchmaking and lobbies --------------------------------------------------------------

  /** @param {string} [region] @returns {Promise<Ticket>} */
  createTicket(region) {
    return this.request("POST", "/api/matchmaking/tickets", { body: region ? { mode: "party", region } : { mode: "party" } });
  }

  /** @param {string} id @returns {Promise<Ticket>} */
  ticket(id) {
    return this.request("GET", `/api/matchmaking/tickets/${encodeURIComponent(id)}`);
  }

  /** @param {string} id */
  cancelTicket(id) {
    return this.request("DELETE", `/api/matchmaking/tickets/${encodeURIComponent(id)}`);
  }

  /** @param {{round_secs?: number, max_players?: number}} settings @returns {Promise<LobbySeat>} */
  createLobby(settings) {
    return this.request("POST", "/api/lobbies", { body: settings });
  }

  /** @param {string} code @returns {Promise<LobbySeat>} */
  joinLobby(code) {
    return this.request("POST", "/api/lobbies/join", { body: { code } });
  }

  /** A lobby the caller is in, with a fresh join token (to reconnect). @returns {Promise<LobbySeat & {lobby?: any}>} */
  lobby(id) {
    return this.request("GET", `/api/lobbies/${encodeURIComponent(id)}`);
  }

  // --- groups (clans) -----------------------------------------------------------------------

  /** @returns {Promise<{groups: Group[]}>} */
  myGroups() {
    return this.request("GET", "/api/groups/me");
  }

  /** @param {{name: string, tag: string, visibility?: string}} group @returns {Promise<Group>} */
  createGroup(group) {
    return this.request("POST", "/api/groups", { body: group });
  }

  /** @param {string} code an invite code @returns {Promise<Group>} */
  joinGroupByCode(code) {
    return this.request("POST", "/api/groups/join", { body: { code } });
  }

  /** @param {string} id @returns {Promise<{disbanded: boolean}>} */
  leaveGroup(id) {
    return this.request("POST", `/api/groups/${encodeURIComponent(id)}/leave`);
  }

  /** @param {string} id @returns {Promise<{members: GroupMember[], next_cursor: string|null}>} */
  groupMembers(id) {
    return this.request("GET", `/api/groups/${encodeURIComponent(id)}/members?limit=50`);
  }

  /** A new invite code (owner or admin). @param {string} id @returns {Promise<{code: string, expires_at: string, max_uses: number}>} */
  groupInvite(id) {
    return this.request("POST", `/api/groups/${encodeURIComponent(id)}/invites`);
  }

  /** @returns {Promise<{entries: {rank: number, group_id: string, name: string, tag: string, members: number, rating: number}[]}>} */
  groupBoard() {
    return this.request("GET", "/api/groups/leaderboard?limit=20", { auth: false });
  }

  // --- battles ------------------------------------------------------------------------------

  /** Challenges a player. @param {string} opponentId @returns {Promise<Battle>} */
  challenge(opponentId) {
    return this.request("POST", "/api/battles", { body: { opponent_id: opponentId } });
  }

  /** @param {string} id @returns {Promise<Battle>} */
  battle(id) {
    return this.request("GET", `/api/battles/${encodeURIComponent(id)}`);
  }

  /** @param {string} id @returns {Promise<Battle>} */
  joinBattle(id) {
    return this.request("POST", `/api/battles/${encodeURIComponent(id)}/join`);
  }

  /** Invites a player to the caller's side. @param {string} id @param {string} userId @returns {Promise<Battle>} */
  inviteToBattle(id, userId) {
    return this.request("POST", `/api/battles/${encodeURIComponent(id)}/invite`, { body: { user_id: userId } });
  }

  /** @param {string} id @returns {Promise<Battle & {edge_url: string, ws_url: string}>} */
  beginBattle(id) {
    return this.request("POST", `/api/battles/${encodeURIComponent(id)}/begin`);
  }

  /** The URL of the player's own event channel on the edge (same origin, under /ws). */
  meSocketUrl(lastSeq) {
    const url = new URL("/ws/me", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (lastSeq > 0) url.searchParams.set("last_seq", String(lastSeq));
    return url.toString();
  }

  // --- health -------------------------------------------------------------------------------

  /** @returns {Promise<{status: string, checks: Record<string,string>}>} */
  async readiness() {
    try {
      const res = await fetch("/readyz", { headers: { Accept: "application/json" } });
      return await res.json();
    } catch {
      return { status: "unreachable", checks: {} };
    }
  }
}

/** The API client of this page. */
export const api = new Api();
