import { ApiError } from "./errors.js";
import { Emitter } from "./events.js";
import type { BoardTop } from "./protocol.js";
export interface LeaderboardFeedOptions {
    /** `https://host/sse/leaderboards/{board}`. */
    url: string;
    /** Resume from this version (the `id` of the last event held). */
    lastEventId?: string | null;
    fetch?: typeof fetch;
}
export interface FeedStatus {
    state: "connecting" | "open" | "reconnecting" | "closed";
    attempt?: number;
    delayMs?: number;
    /** Set when `closed` by a refusal. */
    error?: ApiError;
}
export interface LeaderboardFeedEvents extends Record<string, unknown> {
    top: BoardTop;
    status: FeedStatus;
}
/** One event of a `text/event-stream`. */
export interface SseEvent {
    event: string;
    data: string;
    id: string | null;
}
/**
 * Splits a `text/event-stream` into events as its chunks arrive (the WHATWG rules: `:` comments,
 * `field: value` lines, a blank line ends an event, `id` persists). Feed it text; it returns the
 * events completed so far and keeps the rest.
 */
export declare class SseParser {
    #private;
    /** The last `id` seen, which the stream keeps until another comes. */
    lastEventId: string | null;
    push(chunk: string): SseEvent[];
}
export declare class LeaderboardFeed extends Emitter<LeaderboardFeedEvents> {
    #private;
    /** The version of the last top received: sent back as `Last-Event-ID` on reconnect. */
    lastEventId: string | null;
    /** The latest top received. */
    latest: BoardTop | null;
    state: FeedStatus["state"];
    constructor(options: LeaderboardFeedOptions);
    /** Opens the feed; it then stays open by itself until `close()` or a refusal. */
    connect(): void;
    close(): void;
}
