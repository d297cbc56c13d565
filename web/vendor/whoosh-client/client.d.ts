import { Emitter } from "./events.js";
import type { components, paths } from "./openapi.js";
import { type Lock, type Session, type SessionStore, type User } from "./session.js";
import { GameSocket, type GameSocketOptions, type Seat, type WebSocketConstructor } from "./socket.js";
import { PlayerChannel, type PlayerChannelOptions } from "./channel.js";
import { LeaderboardFeed, type LeaderboardFeedOptions } from "./feed.js";
export type Schemas = components["schemas"];
type Method = "get" | "put" | "post" | "delete" | "patch";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends {
    content: {
        "application/json": infer T;
    };
} ? T : undefined;
/** What an operation answers on success (undefined for a 204). */
export type Success<O> = O extends {
    responses: infer R;
} ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> | (204 extends keyof R ? undefined : never) : never;
type BodyOf<O> = O extends {
    requestBody: {
        content: {
            "application/json": infer B;
        };
    };
} ? B : O extends {
    requestBody?: {
        content: {
            "application/json": infer B;
        };
    };
} ? B | undefined : undefined;
type PathOf<O> = O extends {
    parameters: {
        path: infer P;
    };
} ? P : undefined;
type QueryOf<O> = O extends {
    parameters: {
        query?: infer Q;
    };
} ? Q : undefined;
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
export declare class WhooshClient extends Emitter<ClientEvents> {
    #private;
    readonly baseUrl: string;
    readonly options: ClientOptions;
    constructor(options?: ClientOptions);
    /** The signed-in user, or null. */
    get user(): User | null;
    /** The current session (tokens included), or null. */
    get session(): Session | null;
    /**
     * Calls one operation of the API by its path and method, typed from docs/openapi.json. The
     * named methods below are this with the right path; use it directly for options they lack.
     */
    call<P extends keyof paths, M extends Method>(method: M, path: P, options?: CallOptions<Operation<P, M>>, retried?: boolean): Promise<Success<Operation<P, M>>>;
    /** The absolute URL of an API path, its `{params}` filled in and its query appended. */
    url(path: string, params?: Record<string, string>, query?: Query): string;
    /** A valid access token, refreshed first when it is about to expire; null when signed out. */
    accessToken(): Promise<string | null>;
    /**
     * Exchanges the refresh token for a new session, one refresh at a time across every holder of
     * the store. Resolves null when the session is over (then sign in again; `expired` is emitted).
     */
    refresh(): Promise<Session | null>;
    /** Signs in as this device's guest, creating the account on the device's first call. */
    guest(deviceId?: string): Promise<User>;
    login(username: string, password: string): Promise<User>;
    register(username: string, password: string, displayName?: string): Promise<User>;
    /** Turns the signed-in guest into a full account (same id, same progress). */
    upgrade(username: string, password: string): Promise<User>;
    me(): Promise<User>;
    /** Ends this session; locally whatever the server answers. */
    logout(): Promise<void>;
    /** Ends every session of the account (and closes its live sockets), this one included. */
    logoutAll(): Promise<void>;
    /** Changes the password; the account's other sessions end, this one is kept. */
    changePassword(currentPassword: string, newPassword: string): Promise<undefined>;
    telegramLink(): Promise<Schemas["TelegramLinkCode"]>;
    /** Telegram's own call (the bot's webhook), for relays that forward it. */
    telegramWebhook(secret: string, update: Schemas["TelegramUpdate"]): Promise<Schemas["WebhookReply"]>;
    jwks(): Promise<Schemas["Jwks"]>;
    myProfile(): Promise<Schemas["Profile"]>;
    profile(userId: string): Promise<Schemas["Profile"]>;
    editProfile(changes: Schemas["ProfileEdit"]): Promise<Schemas["Profile"]>;
    /** Deletes the account for good (a full account confirms with its password). */
    deleteAccount(password?: string): Promise<void>;
    matches(userId: string, page?: PageQuery): Promise<Schemas["MatchPage"]>;
    boards(): Promise<Schemas["BoardList"]>;
    board(board: string, page?: PageQuery): Promise<Schemas["BoardPage"]>;
    myRank(board: string): Promise<Schemas["BoardStanding"]>;
    aroundMe(board: string, radius?: number): Promise<Schemas["AroundMe"]>;
    /** Service: compares the board's index with PostgreSQL and repairs it. */
    driftCheck(board: string): Promise<Schemas["Drift"]>;
    /** Service: rebuilds the board's index from PostgreSQL. */
    syncBoard(board: string): Promise<Schemas["Rebuilt"]>;
    /** Service: registers a completed action; the answer's token is what the player submits. */
    registerAction(userId: string, maxScore: number): Promise<Schemas["ActionIssued"]>;
    submitScore(actionToken: string, delta: number): Promise<Schemas["ScoreCounted"]>;
    wallet(): Promise<Schemas["Balances"]>;
    ledger(page?: PageQuery): Promise<Schemas["LedgerPage"]>;
    /** Service: credits (or debits) a wallet, once per idempotency key. */
    grant(grant: Schemas["GrantRequest"], idempotencyKey: string): Promise<Schemas["GrantReceipt"]>;
    store(): Promise<Schemas["Catalogue"]>;
    /**
     * Buys an item. `idempotencyKey` names one decision to buy: retrying the same purchase (after
     * a network error or a 5xx) with the same key is never charged twice and answers the same.
     */
    purchase(itemId: string, { idempotencyKey, quantity }: {
        idempotencyKey: string;
        quantity?: number;
    }): Promise<Schemas["PurchaseReceipt"]["purchase"]>;
    inventory(): Promise<Schemas["Inventory"]>;
    equip(itemId: string): Promise<Schemas["Loadout"]>;
    createTicket(ticket?: Schemas["NewTicket"]): Promise<Schemas["Ticket"]>;
    ticket(id: string): Promise<Schemas["Ticket"]>;
    cancelTicket(id: string): Promise<Schemas["Ticket"]>;
    /** Creates a private lobby hosted by the caller; the answer is their seat (with the code). */
    createLobby(settings?: Schemas["NewLobby"]): Promise<Schemas["Lobby"]>;
    joinLobby(code: string): Promise<Schemas["LobbyJoined"]>;
    /** A lobby the caller is in, with a fresh join token (every read mints one). */
    lobby(id: string): Promise<Schemas["Lobby"]>;
    createParty(): Promise<Schemas["Party"]>;
    joinParty(code: string): Promise<Schemas["Party"]>;
    party(id: string): Promise<Schemas["Party"]>;
    leaveParty(id: string): Promise<undefined>;
    createGroup(group: Schemas["NewGroup"]): Promise<Schemas["GroupView"]>;
    myGroups(): Promise<Schemas["MyGroups"]>;
    group(id: string): Promise<Schemas["GroupView"]>;
    disbandGroup(id: string): Promise<undefined>;
    /** Joins an open group. */
    joinGroup(id: string): Promise<Schemas["GroupView"]>;
    joinGroupByCode(code: string): Promise<Schemas["GroupView"]>;
    /** A new invite code (owner or admin). */
    groupInvite(id: string, invite?: Schemas["NewInvite"]): Promise<Schemas["Invite"]>;
    leaveGroup(id: string): Promise<Schemas["LeftGroup"]>;
    groupMembers(id: string, page?: PageQuery): Promise<Schemas["MemberPage"]>;
    kickMember(id: string, userId: string): Promise<undefined>;
    setMemberRole(id: string, userId: string, role: string): Promise<undefined>;
    transferGroup(id: string, userId: string): Promise<undefined>;
    groupBoard(page?: PageQuery): Promise<Schemas["GroupBoardPage"]>;
    /** Challenges a player (`opponent_id`) or, for a group, another group. */
    challenge(battle: Schemas["NewBattle"]): Promise<Schemas["Battle"]>;
    battle(id: string): Promise<Schemas["Battle"]>;
    joinBattle(id: string): Promise<Schemas["Battle"]>;
    inviteToBattle(id: string, userId: string): Promise<Schemas["Battle"]>;
    beginBattle(id: string): Promise<Schemas["BattleBegun"]>;
    healthz(): Promise<Schemas["Alive"]>;
    /** Readiness of the platform; an answer whatever its state (503 included), `unreachable` without one. */
    readiness(): Promise<Schemas["Readiness"]>;
    openapi(): Promise<unknown>;
    /** The edge's address for sockets: `edgeUrl`, else the base URL (or the page) as ws(s). */
    edgeUrl(): string;
    /**
     * The game socket of a seat (the answer of createLobby, joinLobby, lobby, or a matched ticket).
     * Reconnects by itself, each time with a fresh join token from `lobby(id)`. Call `connect()`.
     */
    gameSocket(seat: Seat, options?: Partial<GameSocketOptions>): GameSocket;
    /** The player's own channel (/ws/me) of the signed-in user. Call `connect()`. */
    playerChannel(options?: Partial<PlayerChannelOptions>): PlayerChannel;
    /** The live top of a board (Server-Sent Events). Call `connect()`. */
    leaderboardFeed(board: string, options?: Partial<LeaderboardFeedOptions>): LeaderboardFeed;
}
type Query = Record<string, string | number | boolean | null | undefined> | undefined;
/**
 * Every operation of docs/openapi.json and the method that calls it; the unit tests check that
 * it lists the whole document and that each method calls the operation it is listed under.
 */
export declare const OPERATIONS: {
    readonly "GET /.well-known/jwks.json": "jwks";
    readonly "POST /api/actions": "registerAction";
    readonly "POST /api/auth/guest": "guest";
    readonly "POST /api/auth/login": "login";
    readonly "POST /api/auth/logout": "logout";
    readonly "POST /api/auth/logout-all": "logoutAll";
    readonly "GET /api/auth/me": "me";
    readonly "POST /api/auth/password": "changePassword";
    readonly "POST /api/auth/refresh": "refresh";
    readonly "POST /api/auth/register": "register";
    readonly "POST /api/auth/telegram/link": "telegramLink";
    readonly "POST /api/auth/telegram/webhook": "telegramWebhook";
    readonly "POST /api/auth/upgrade": "upgrade";
    readonly "POST /api/battles": "challenge";
    readonly "GET /api/battles/{id}": "battle";
    readonly "POST /api/battles/{id}/begin": "beginBattle";
    readonly "POST /api/battles/{id}/invite": "inviteToBattle";
    readonly "POST /api/battles/{id}/join": "joinBattle";
    readonly "POST /api/groups": "createGroup";
    readonly "POST /api/groups/join": "joinGroupByCode";
    readonly "GET /api/groups/leaderboard": "groupBoard";
    readonly "GET /api/groups/me": "myGroups";
    readonly "GET /api/groups/{id}": "group";
    readonly "DELETE /api/groups/{id}": "disbandGroup";
    readonly "POST /api/groups/{id}/invites": "groupInvite";
    readonly "POST /api/groups/{id}/join": "joinGroup";
    readonly "POST /api/groups/{id}/leave": "leaveGroup";
    readonly "GET /api/groups/{id}/members": "groupMembers";
    readonly "DELETE /api/groups/{id}/members/{user}": "kickMember";
    readonly "PUT /api/groups/{id}/members/{user}/role": "setMemberRole";
    readonly "POST /api/groups/{id}/transfer": "transferGroup";
    readonly "GET /api/inventory": "inventory";
    readonly "POST /api/inventory/{item}/equip": "equip";
    readonly "GET /api/leaderboards": "boards";
    readonly "GET /api/leaderboards/{board}": "board";
    readonly "GET /api/leaderboards/{board}/around-me": "aroundMe";
    readonly "POST /api/leaderboards/{board}/drift-check": "driftCheck";
    readonly "GET /api/leaderboards/{board}/me": "myRank";
    readonly "POST /api/leaderboards/{board}/sync": "syncBoard";
    readonly "POST /api/lobbies": "createLobby";
    readonly "POST /api/lobbies/join": "joinLobby";
    readonly "POST /api/lobbies/parties": "createParty";
    readonly "POST /api/lobbies/parties/join": "joinParty";
    readonly "GET /api/lobbies/parties/{id}": "party";
    readonly "POST /api/lobbies/parties/{id}/leave": "leaveParty";
    readonly "GET /api/lobbies/{id}": "lobby";
    readonly "POST /api/matchmaking/tickets": "createTicket";
    readonly "GET /api/matchmaking/tickets/{id}": "ticket";
    readonly "DELETE /api/matchmaking/tickets/{id}": "cancelTicket";
    readonly "GET /api/openapi.json": "openapi";
    readonly "GET /api/profiles/me": "myProfile";
    readonly "DELETE /api/profiles/me": "deleteAccount";
    readonly "PATCH /api/profiles/me": "editProfile";
    readonly "GET /api/profiles/{user}": "profile";
    readonly "GET /api/profiles/{user}/matches": "matches";
    readonly "POST /api/scores": "submitScore";
    readonly "GET /api/store": "store";
    readonly "POST /api/store/purchase": "purchase";
    readonly "GET /api/wallet": "wallet";
    readonly "POST /api/wallet/grants": "grant";
    readonly "GET /api/wallet/ledger": "ledger";
    readonly "GET /healthz": "healthz";
    readonly "GET /readyz": "readiness";
};
export {};
