import { Emitter } from "./events.js";
/** What the client needs of a WebSocket: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
    readonly readyState: number;
    onopen: ((event: unknown) => void) | null;
    onmessage: ((event: {
        data: unknown;
    }) => void) | null;
    onclose: ((event: {
        code: number;
        reason: string;
    }) => void) | null;
    onerror: ((event: unknown) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;
/** The state of a link, as its `status` events tell it. */
export interface LinkStatus {
    state: "connecting" | "open" | "reconnecting" | "closed";
    attempt?: number;
    delayMs?: number;
    code?: number;
    reason?: string;
    /** Set on `closed`: it will not reconnect by itself. */
    final?: boolean;
}
export interface LinkEvents extends Record<string, unknown> {
    status: LinkStatus;
}
/** About a minute and a half of attempts: past the 30 s grace window, to rejoin a running game. */
export declare const MAX_ATTEMPTS = 20;
/** A refusal of the upgrade, when the WebSocket implementation lets it be seen (`ws` does). */
export interface Refusal {
    status: number;
    retryAfter: number | null;
}
export declare abstract class Link<E extends LinkEvents> extends Emitter<E> {
    #private;
    /** The highest `seq` seen: what a reconnect resumes from. */
    lastSeq: number;
    /** The state of the link, as the latest `status` event said. */
    state: LinkStatus["state"];
    protected ws: WebSocketLike | null;
    protected attempt: number;
    constructor(lastSeq: number, WebSocketImpl: WebSocketConstructor | undefined);
    /** The socket URL without its query (`last_seq` is added). */
    protected abstract baseUrl(): string;
    /** The token for this attempt (1-based; 0 for the first connection), or null to stop. */
    protected abstract credentials(attempt: number): Promise<{
        token: string;
    } | {
        stop: string;
    } | {
        retryAfter: number | null;
    }>;
    /** Handles one text frame. */
    protected abstract receive(data: string): void;
    /** Why a close means stop, or null to reconnect. */
    protected abstract finalClose(code: number, reason: string): string | null;
    protected onOpen(): void;
    protected onDown(): void;
    /** Opens the link; it then stays up by itself until `close()` or a close that means stop. */
    connect(): void;
    /** Reconnects now, whatever the state (e.g. to take a seat back after close 4000). */
    reconnect(): void;
    /** Sends one message; false when the link is not open. */
    protected sendRaw(message: unknown): boolean;
    /** Closes for good: no reconnect. */
    close(): void;
    /** Drops the connection as a network failure would; it then resumes (for tests and demos). */
    drop(): void;
}
