import { Link, type LinkEvents, type WebSocketConstructor } from "./link.js";
import { type ClientMessage, type MessageOf, type MessageType, type ServerMessage } from "./protocol.js";
export type { WebSocketConstructor } from "./link.js";
/** A seat: what creating, joining or reading a lobby answers, or a matched ticket. */
export interface Seat {
    lobby_id: string;
    edge_url?: string | null;
    join_token: string;
}
export interface GameSocketOptions {
    lobbyId: string;
    /** `ws(s)://host[:port]` of the edge (or a whole `/ws/lobbies/…` URL). */
    edgeUrl: string;
    joinToken: string;
    /** A fresh seat (join token, and the edge URL) for a reconnect: `client.lobby(id)`. */
    renew: () => Promise<{
        edge_url?: string | null;
        join_token: string;
    }>;
    /** Resume from here (after a page reload); 0 for a first join. */
    lastSeq?: number;
    WebSocket?: WebSocketConstructor;
    /** How often to send PING to measure latency; 0 turns it off. */
    pingEveryMs?: number;
}
export interface GameSocketEvents extends LinkEvents {
    /** Every message, each event exactly once, in order. */
    message: ServerMessage;
    /** A reconnect's WELCOME: `replayed` events came just before it. */
    resumed: {
        replayed: number;
    };
    latency: {
        ms: number;
    };
}
export declare class GameSocket extends Link<GameSocketEvents> {
    #private;
    readonly lobbyId: string;
    edgeUrl: string;
    constructor(options: GameSocketOptions);
    protected baseUrl(): string;
    protected credentials(attempt: number): Promise<{
        token: string;
        stop?: undefined;
        retryAfter?: undefined;
    } | {
        stop: string;
        token?: undefined;
        retryAfter?: undefined;
    } | {
        retryAfter: number;
        token?: undefined;
        stop?: undefined;
    }>;
    protected finalClose(code: number, reason: string): string | null;
    protected receive(data: string): void;
    /**
     * Connects and resolves with the first WELCOME: the seat is taken. Rejects when the socket
     * closes for good first (the lobby is gone, the room refused the join, or it was unreachable).
     */
    join(): Promise<MessageOf<"WELCOME">>;
    /** The next message of type `t` (for which `accept` holds). */
    nextMessage<T extends MessageType>(t: T, accept?: (msg: MessageOf<T>) => boolean, options?: {
        timeoutMs?: number;
        signal?: AbortSignal;
    }): Promise<MessageOf<T>>;
    /** Sends one message; false when the socket is not open (it is not queued). */
    send(message: ClientMessage): boolean;
    suspect(target: string | null): boolean;
    chat(text: string): boolean;
    ready(ready?: boolean): boolean;
    start(): boolean;
    protected onOpen(): void;
    protected onDown(): void;
}
