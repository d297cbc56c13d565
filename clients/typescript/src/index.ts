// @whoosh/client: the typed client of a Whoosh game backend. See README.md.

export { WhooshClient, OPERATIONS } from "./client.js";
export type { ClientOptions, ClientEvents, CallOptions, PageQuery, Auth, Schemas, Success } from "./client.js";
export { ApiError } from "./errors.js";
export { Emitter, type Listener } from "./events.js";
export { memoryStore, localStorageStore, defaultLock, sessionOf } from "./session.js";
export type { Session, SessionStore, Lock, User } from "./session.js";
export { GameSocket } from "./socket.js";
export type { GameSocketOptions, GameSocketEvents, Seat } from "./socket.js";
export { PlayerChannel } from "./channel.js";
export type { PlayerChannelOptions, PlayerChannelEvents } from "./channel.js";
export { LeaderboardFeed, SseParser } from "./feed.js";
export type { LeaderboardFeedOptions, LeaderboardFeedEvents, FeedStatus, SseEvent } from "./feed.js";
export { Link, MAX_ATTEMPTS } from "./link.js";
export type { LinkStatus, LinkEvents, WebSocketLike, WebSocketConstructor } from "./link.js";
export { backoffDelay, parseRetryAfter, SOCKET_BACKOFF, FEED_BACKOFF } from "./backoff.js";
export * from "./protocol.js";
export type { paths, components } from "./openapi.js";
