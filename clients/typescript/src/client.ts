// The HTTP client: one method per operation of the API (docs/openapi.json), each typed by the
// types generated from that document, and the session they run in. The access token is refreshed
// shortly before it expires and once on `token_expired` (or `invalid_token`, which another tab's
// refresh can cause), one refresh at a time across every holder of the session.

import { ApiError, errorOf } from "./errors.js";
import { Emitter } from "./events.js";
import type { components, paths } from "./openapi.js";
import { parseRetryAfter } from "./backoff.js";
import {
  defaultLock,
  memoryStore,
  sessionOf,
  type Lock,
  type Session,
  type SessionStore,
  type User,
} from "./session.js";
import { GameSocket, type GameSocketOptions, type Seat, type WebSocketConstructor } from "./socket.js";
import { PlayerChannel, type PlayerChannelOptions } from "./channel.js";
import { LeaderboardFeed, type LeaderboardFeedOptions } from "./feed.js";

export type Schemas = components["schemas"];

type Method = "get" | "put" | "post" | "delete" | "patch";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : undefined;
/** What an operation answers on success (undefined for a 204). */
export type Success<O> = O extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> | (204 extends keyof R ? undefined : never)
  : never;
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? B | undefined
    : undefined;
type PathOf<O> = O extends { parameters: { path: infer P } } ? P : undefined;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : undefined;

/** How a call authenticates: the player's access token, the service token, or not at all. */
export type Auth = "access" | "service" | "none";

export interface CallOptions<O> {
  path?: PathOf<O>;
  query?: QueryOf<O>;
  body?: BodyOf<O>;
  headers?: Record<string, string>;
  auth?: Auth;
  signal?: AbortSignal;
}

/** A page request of the paginated lists: `cursor` is the `next_cursor` of the previous page. */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

export interface ClientOptions {
  /** Where the API is: `https://play.example.com`; "" (the default) is the page's own origin. */
  baseUrl?: string;
  /** Where `/ws/me` is, `ws(s)://host[:port]`; by default the base URL's host. */
  edgeUrl?: string;
  /** Where the session is kept; memory by default (`localStorageStore()` in browsers). */
  store?: SessionStore;
  /** The lock refreshes take; Web Locks where available. */
  lock?: Lock;
  /** This device's id, for guest sessions (16–128 of `A–Z a–z 0–9 - _`). */
  deviceId?: string | (() => string);
  /** A trusted game service's token, for the operations only services may call. */
  serviceToken?: string;
  fetch?: typeof fetch;
  /** The WebSocket implementation: the global one by default (browsers, Node 22); on Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Refresh this long before the access token expires (60 s, at most a quarter of its life). */
  refreshMarginMs?: number;
}

export interface ClientEvents extends Record<string, unknown> {
  /** The signed-in user changed: signed in, out, upgraded, renamed (null: signed out). */
  session: User | null;
  /** The session ended on the server's side (its refresh was refused): sign in again. */
  expired: undefined;
}

const DEFAULT_REFRESH_MARGIN_MS = 60_000;

export class WhooshClient extends Emitter<ClientEvents> {
  readonly baseUrl: string;
  readonly options: ClientOptions;
  #store: SessionStore;
  #session: Session | null;
  #refreshing: Promise<Session | null> | null = null;
  #lock: Lock;
  #fetch: typeof fetch;

  constructor(options: ClientOptions = {}) {
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
      if (this.#session?.user.id !== before) this.emit("session", this.user);
    });
  }

  /** The signed-in user, or null. */
  get user(): User | null {
    return this.#session?.user ?? null;
  }

  /** The current session (tokens included), or null. */
  get session(): Session | null {
    return this.#session;
  }

  #setSession(session: Session | null): void {
    this.#session = session;
    this.#store.save(session);
    this.emit("session", this.user);
  }

  #setUser(user: User): void {
    if (!this.#session) return;
    this.#session = { ...this.#session, user };
    this.#store.save(this.#session);
    this.emit("session", user);
  }

  // --- the call -------------------------------------------------------------------------------

  /**
   * Calls one operation of the API by its path and method, typed from docs/openapi.json. The
   * named methods below are this with the right path; use it directly for options they lack.
   */
  async call<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    options: CallOptions<Operation<P, M>> = {},
    retried = false,
  ): Promise<Success<Operation<P, M>>> {
    const { auth = "access", body, headers = {}, signal } = options;
    const h: Record<string, string> = { Accept: "application/json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    let token: string | null = null;
    if (auth === "access") {
      token = await this.accessToken();
      if (!token) throw new ApiError(401, "invalid_token", "not signed in");
      h.Authorization = `Bearer ${token}`;
    } else if (auth === "service") {
      if (!this.options.serviceToken) throw new ApiError(401, "invalid_token", "no service token configured");
      h.Authorization = `Bearer ${this.options.serviceToken}`;
    }
    const url = this.url(path, options.path as Record<string, string> | undefined, options.query as Query);
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: method.toUpperCase(),
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, "network", "the server cannot be reached; check the connection");
    }
    const text = res.status === 204 ? "" : await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: an error from something in front of the API; handled below */
    }
    if (res.ok) return (res.status === 204 ? undefined : json) as Success<Operation<P, M>>;
    const error = errorOf(json);
    const code = error?.code ?? `http_${res.status}`;
    if (auth === "access" && res.status === 401 && !retried && (code === "token_expired" || code === "invalid_token")) {
      // token_expired: refresh and retry once. invalid_token: the session may have been
      // refreshed by another holder meanwhile, or may be over; one refresh tells which. A call
      // that raced a refresh already finished retries with its token instead of spending another.
      const renewed = this.#session && this.#session.access_token !== token ? this.#session : await this.refresh();
      if (renewed) return this.call(method, path, options, true);
    }
    throw new ApiError(
      res.status,
      code,
      error?.message ?? `${res.status} ${res.statusText}`,
      parseRetryAfter(res.headers.get("Retry-After")),
      res.headers.get("x-request-id"),
    );
  }

  /** The absolute URL of an API path, its `{params}` filled in and its query appended. */
  url(path: string, params?: Record<string, string>, query?: Query): string {
    let filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params?.[name];
      if (value === undefined) throw new TypeError(`${path} needs the parameter ${name}`);
      return encodeURIComponent(value);
    });
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) q.set(k, String(v));
    const search = q.toString();
    if (search) filled += `?${search}`;
    return this.baseUrl + filled;
  }

  /** A valid access token, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.#session;
    if (!session) return null;
    if (Date.now() > this.#refreshAt(session)) await this.refresh();
    return this.#session?.access_token ?? null;
  }

  #refreshAt(session: Session): number {
    const margin = this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    return session.expires_at - Math.min(margin, (session.expires_at - (session.issued_at ?? 0)) / 4);
  }

  /**
   * Exchanges the refresh token for a new session, one refresh at a time across every holder of
   * the store. Resolves null when the session is over (then sign in again; `expired` is emitted).
   */
  refresh(): Promise<Session | null> {
    if (this.#refreshing) return this.#refreshing;
    const spent = this.#session?.refresh_token;
    this.#refreshing = this.#lock("whoosh-refresh", async () => {
      // Another holder may have refreshed while this one waited for the lock: take its result.
      const stored = this.#store.load();
      if (stored && stored.refresh_token !== spent) {
        this.#session = stored;
        return stored;
      }
      if (!spent) return null;
      try {
        const body = await this.call("post", "/api/auth/refresh", { auth: "none", body: { refresh_token: spent } });
        const session = sessionOf(body);
        this.#session = session;
        this.#store.save(session);
        return session;
      } catch (error) {
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

  #deviceId(): string {
    const id = this.options.deviceId;
    const value = typeof id === "function" ? id() : id;
    if (!value) throw new TypeError("a guest session needs a device id: pass deviceId to the client or to guest()");
    return value;
  }

  async #signIn(body: Schemas["Session"]): Promise<User> {
    this.#setSession(sessionOf(body));
    return body.user;
  }

  // --- auth -----------------------------------------------------------------------------------

  /** Signs in as this device's guest, creating the account on the device's first call. */
  async guest(deviceId: string = this.#deviceId()): Promise<User> {
    return this.#signIn(await this.call("post", "/api/auth/guest", { auth: "none", body: { device_id: deviceId } }));
  }

  async login(username: string, password: string): Promise<User> {
    return this.#signIn(await this.call("post", "/api/auth/login", { auth: "none", body: { username, password } }));
  }

  async register(username: string, password: string, displayName?: string): Promise<User> {
    const body = displayName ? { username, password, display_name: displayName } : { username, password };
    return this.#signIn(await this.call("post", "/api/auth/register", { auth: "none", body }));
  }

  /** Turns the signed-in guest into a full account (same id, same progress). */
  async upgrade(username: string, password: string): Promise<User> {
    const user = await this.call("post", "/api/auth/upgrade", { body: { username, password } });
    this.#setUser(user);
    return user;
  }

  async me(): Promise<User> {
    const user = await this.call("get", "/api/auth/me");
    this.#setUser(user);
    return user;
  }

  /** Ends this session; locally whatever the server answers. */
  async logout(): Promise<void> {
    try {
      if (this.#session) await this.call("post", "/api/auth/logout");
    } catch {
      /* the session ends here whatever the server says */
    }
    this.#setSession(null);
  }

  /** Ends every session of the account (and closes its live sockets), this one included. */
  async logoutAll(): Promise<void> {
    await this.call("post", "/api/auth/logout-all");
    this.#setSession(null);
  }

  /** Changes the password; the account's other sessions end, this one is kept. */
  changePassword(currentPassword: string, newPassword: string): Promise<undefined> {
    return this.call("post", "/api/auth/password", {
      body: { current_password: currentPassword, new_password: newPassword },
    });
  }

  telegramLink(): Promise<Schemas["TelegramLinkCode"]> {
    return this.call("post", "/api/auth/telegram/link");
  }

  /** Telegram's own call (the bot's webhook), for relays that forward it. */
  telegramWebhook(secret: string, update: Schemas["TelegramUpdate"]): Promise<Schemas["WebhookReply"]> {
    return this.call("post", "/api/auth/telegram/webhook", {
      auth: "none",
      body: update,
      headers: { "X-Telegram-Bot-Api-Secret-Token": secret },
    });
  }

  jwks(): Promise<Schemas["Jwks"]> {
    return this.call("get", "/.well-known/jwks.json", { auth: "none" });
  }

  // --- profiles -------------------------------------------------------------------------------

  myProfile(): Promise<Schemas["Profile"]> {
    return this.call("get", "/api/profiles/me");
  }

  profile(userId: string): Promise<Schemas["Profile"]> {
    return this.call("get", "/api/profiles/{user}", { auth: "none", path: { user: userId } });
  }

  async editProfile(changes: Schemas["ProfileEdit"]): Promise<Schemas["Profile"]> {
    const profile = await this.call("patch", "/api/profiles/me", { body: changes });
    const user = this.user;
    if (user) this.#setUser({ ...user, display_name: profile.display_name, avatar_id: profile.avatar_id ?? null });
    return profile;
  }

  /** Deletes the account for good (a full account confirms with its password). */
  async deleteAccount(password?: string): Promise<void> {
    // No body rather than `null`: a guest has no password to confirm with.
    await this.call("delete", "/api/profiles/me", { body: password ? { password } : undefined });
    this.#setSession(null);
  }

  matches(userId: string, page: PageQuery = {}): Promise<Schemas["MatchPage"]> {
    return this.call("get", "/api/profiles/{user}/matches", { auth: "none", path: { user: userId }, query: pageQuery(page) });
  }

  // --- leaderboards ---------------------------------------------------------------------------

  boards(): Promise<Schemas["BoardList"]> {
    return this.call("get", "/api/leaderboards", { auth: "none" });
  }

  board(board: string, page: PageQuery = {}): Promise<Schemas["BoardPage"]> {
    return this.call("get", "/api/leaderboards/{board}", { auth: "none", path: { board }, query: pageQuery(page) });
  }

  myRank(board: string): Promise<Schemas["BoardStanding"]> {
    return this.call("get", "/api/leaderboards/{board}/me", { path: { board } });
  }

  aroundMe(board: string, radius?: number): Promise<Schemas["AroundMe"]> {
    return this.call("get", "/api/leaderboards/{board}/around-me", { path: { board }, query: { radius } });
  }

  /** Service: compares the board's index with PostgreSQL and repairs it. */
  driftCheck(board: string): Promise<Schemas["Drift"]> {
    return this.call("post", "/api/leaderboards/{board}/drift-check", { auth: "service", path: { board } });
  }

  /** Service: rebuilds the board's index from PostgreSQL. */
  syncBoard(board: string): Promise<Schemas["Rebuilt"]> {
    return this.call("post", "/api/leaderboards/{board}/sync", { auth: "service", path: { board } });
  }

  // --- actions and scores ---------------------------------------------------------------------

  /** Service: registers a completed action; the answer's token is what the player submits. */
  registerAction(userId: string, maxScore: number): Promise<Schemas["ActionIssued"]> {
    return this.call("post", "/api/actions", { auth: "service", body: { user_id: userId, max_score: maxScore } });
  }

  submitScore(actionToken: string, delta: number): Promise<Schemas["ScoreCounted"]> {
    return this.call("post", "/api/scores", { body: { action_token: actionToken, delta } });
  }

  // --- economy --------------------------------------------------------------------------------

  wallet(): Promise<Schemas["Balances"]> {
    return this.call("get", "/api/wallet");
  }

  ledger(page: PageQuery = {}): Promise<Schemas["LedgerPage"]> {
    return this.call("get", "/api/wallet/ledger", { query: pageQuery(page) });
  }

  /** Service: credits (or debits) a wallet, once per idempotency key. */
  grant(grant: Schemas["GrantRequest"], idempotencyKey: string): Promise<Schemas["GrantReceipt"]> {
    return this.call("post", "/api/wallet/grants", {
      auth: "service",
      body: grant,
      headers: { "Idempotency-Key": idempotencyKey },
    });
  }

  store(): Promise<Schemas["Catalogue"]> {
    return this.call("get", "/api/store", { auth: "none" });
  }

  /**
   * Buys an item. `idempotencyKey` names one decision to buy: retrying the same purchase (after
   * a network error or a 5xx) with the same key is never charged twice and answers the same.
   */
  async purchase(
    itemId: string,
    { idempotencyKey, quantity = 1 }: { idempotencyKey: string; quantity?: number },
  ): Promise<Schemas["PurchaseReceipt"]["purchase"]> {
    const receipt = await this.call("post", "/api/store/purchase", {
      body: { item_id: itemId, quantity },
      headers: { "Idempotency-Key": idempotencyKey },
    });
    return receipt.purchase;
  }

  inventory(): Promise<Schemas["Inventory"]> {
    return this.call("get", "/api/inventory");
  }

  async equip(itemId: string): Promise<Schemas["Loadout"]> {
    const loadout = await this.call("post", "/api/inventory/{item}/equip", { path: { item: itemId } });
    const user = this.user;
    if (user) this.#setUser({ ...user, avatar_id: loadout.equipped.avatar ?? null });
    return loadout;
  }

  // --- matchmaking, lobbies, parties ----------------------------------------------------------

  createTicket(ticket: Schemas["NewTicket"] = {}): Promise<Schemas["Ticket"]> {
    return this.call("post", "/api/matchmaking/tickets", { body: ticket });
  }

  ticket(id: string): Promise<Schemas["Ticket"]> {
    return this.call("get", "/api/matchmaking/tickets/{id}", { path: { id } });
  }

  cancelTicket(id: string): Promise<Schemas["Ticket"]> {
    return this.call("delete", "/api/matchmaking/tickets/{id}", { path: { id } });
  }

  /** Creates a private lobby hosted by the caller; the answer is their seat (with the code). */
  createLobby(settings: Schemas["NewLobby"] = {}): Promise<Schemas["Lobby"]> {
    return this.call("post", "/api/lobbies", { body: settings });
  }

  joinLobby(code: string): Promise<Schemas["LobbyJoined"]> {
    return this.call("post", "/api/lobbies/join", { body: { code } });
  }

  /** A lobby the caller is in, with a fresh join token (every read mints one). */
  lobby(id: string): Promise<Schemas["Lobby"]> {
    return this.call("get", "/api/lobbies/{id}", { path: { id } });
  }

  createParty(): Promise<Schemas["Party"]> {
    return this.call("post", "/api/lobbies/parties");
  }

  joinParty(code: string): Promise<Schemas["Party"]> {
    return this.call("post", "/api/lobbies/parties/join", { body: { code } });
  }

  party(id: string): Promise<Schemas["Party"]> {
    return this.call("get", "/api/lobbies/parties/{id}", { path: { id } });
  }

  leaveParty(id: string): Promise<undefined> {
    return this.call("post", "/api/lobbies/parties/{id}/leave", { path: { id } });
  }

  // --- groups (clans) -------------------------------------------------------------------------

  createGroup(group: Schemas["NewGroup"]): Promise<Schemas["GroupView"]> {
    return this.call("post", "/api/groups", { body: group });
  }

  myGroups(): Promise<Schemas["MyGroups"]> {
    return this.call("get", "/api/groups/me");
  }

  group(id: string): Promise<Schemas["GroupView"]> {
    return this.call("get", "/api/groups/{id}", { path: { id } });
  }

  disbandGroup(id: string): Promise<undefined> {
    return this.call("delete", "/api/groups/{id}", { path: { id } });
  }

  /** Joins an open group. */
  joinGroup(id: string): Promise<Schemas["GroupView"]> {
    return this.call("post", "/api/groups/{id}/join", { path: { id } });
  }

  joinGroupByCode(code: string): Promise<Schemas["GroupView"]> {
    return this.call("post", "/api/groups/join", { body: { code } });
  }

  /** A new invite code (owner or admin). */
  groupInvite(id: string, invite?: Schemas["NewInvite"]): Promise<Schemas["Invite"]> {
    return this.call("post", "/api/groups/{id}/invites", { path: { id }, body: invite });
  }

  leaveGroup(id: string): Promise<Schemas["LeftGroup"]> {
    return this.call("post", "/api/groups/{id}/leave", { path: { id } });
  }

  groupMembers(id: string, page: PageQuery = {}): Promise<Schemas["MemberPage"]> {
    return this.call("get", "/api/groups/{id}/members", { path: { id }, query: pageQuery(page) });
  }

  kickMember(id: string, userId: string): Promise<undefined> {
    return this.call("delete", "/api/groups/{id}/members/{user}", { path: { id, user: userId } });
  }

  setMemberRole(id: string, userId: string, role: string): Promise<undefined> {
    return this.call("put", "/api/groups/{id}/members/{user}/role", { path: { id, user: userId }, body: { role } });
  }

  transferGroup(id: string, userId: string): Promise<undefined> {
    return this.call("post", "/api/groups/{id}/transfer", { path: { id }, body: { user_id: userId } });
  }

  groupBoard(page: PageQuery = {}): Promise<Schemas["GroupBoardPage"]> {
    return this.call("get", "/api/groups/leaderboard", { auth: "none", query: pageQuery(page) });
  }

  // --- battles --------------------------------------------------------------------------------

  /** Challenges a player (`opponent_id`) or, for a group, another group. */
  challenge(battle: Schemas["NewBattle"]): Promise<Schemas["Battle"]> {
    return this.call("post", "/api/battles", { body: battle });
  }

  battle(id: string): Promise<Schemas["Battle"]> {
    return this.call("get", "/api/battles/{id}", { path: { id } });
  }

  joinBattle(id: string): Promise<Schemas["Battle"]> {
    return this.call("post", "/api/battles/{id}/join", { path: { id } });
  }

  inviteToBattle(id: string, userId: string): Promise<Schemas["Battle"]> {
    return this.call("post", "/api/battles/{id}/invite", { path: { id }, body: { user_id: userId } });
  }

  beginBattle(id: string): Promise<Schemas["BattleBegun"]> {
    return this.call("post", "/api/battles/{id}/begin", { path: { id } });
  }

  // --- health and the document ----------------------------------------------------------------

  healthz(): Promise<Schemas["Alive"]> {
    return this.call("get", "/healthz", { auth: "none" });
  }

  /** Readiness of the platform; an answer whatever its state (503 included), `unreachable` without one. */
  async readiness(): Promise<Schemas["Readiness"]> {
    try {
      const res = await this.#fetch(this.url("/readyz"), { headers: { Accept: "application/json" } });
      return (await res.json()) as Schemas["Readiness"];
    } catch {
      return { status: "unreachable" };
    }
  }

  openapi(): Promise<unknown> {
    return this.call("get", "/api/openapi.json", { auth: "none" });
  }

  // --- the edge -------------------------------------------------------------------------------

  /** The edge's address for sockets: `edgeUrl`, else the base URL (or the page) as ws(s). */
  edgeUrl(): string {
    const base = this.options.edgeUrl ?? (this.baseUrl || globalThis.location?.origin || "");
    return base.replace(/^http/, "ws").replace(/\/+$/, "");
  }

  /**
   * The game socket of a seat (the answer of createLobby, joinLobby, lobby, or a matched ticket).
   * Reconnects by itself, each time with a fresh join token from `lobby(id)`. Call `connect()`.
   */
  gameSocket(seat: Seat, options: Partial<GameSocketOptions> = {}): GameSocket {
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
  playerChannel(options: Partial<PlayerChannelOptions> = {}): PlayerChannel {
    return new PlayerChannel({
      url: `${this.edgeUrl()}/ws/me`,
      accessToken: () => this.accessToken(),
      WebSocket: this.options.WebSocket,
      ...options,
    });
  }

  /** The live top of a board (Server-Sent Events). Call `connect()`. */
  leaderboardFeed(board: string, options: Partial<LeaderboardFeedOptions> = {}): LeaderboardFeed {
    return new LeaderboardFeed({
      url: `${this.baseUrl}/sse/leaderboards/${encodeURIComponent(board)}`,
      fetch: this.#fetch,
      ...options,
    });
  }
}

/** A page request as the API takes it (no cursor: the first page). */
function pageQuery({ limit, cursor }: PageQuery): { limit?: number; cursor?: string } {
  return { limit, cursor: cursor ?? undefined };
}

type Query = Record<string, string | number | boolean | null | undefined> | undefined;

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
} as const satisfies Record<string, keyof WhooshClient>;
