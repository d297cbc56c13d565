// @whoosh/client: the typed client of a Whoosh game backend. See README.md.
export { WhooshClient, OPERATIONS } from "./client.js";
export { ApiError } from "./errors.js";
export { Emitter } from "./events.js";
export { memoryStore, localStorageStore, defaultLock, sessionOf } from "./session.js";
export { GameSocket } from "./socket.js";
export { PlayerChannel } from "./channel.js";
export { LeaderboardFeed, SseParser } from "./feed.js";
export { Link, MAX_ATTEMPTS } from "./link.js";
export { backoffDelay, parseRetryAfter, SOCKET_BACKOFF, FEED_BACKOFF } from "./backoff.js";
export * from "./protocol.js";
