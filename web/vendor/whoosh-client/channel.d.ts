import { Link, type LinkEvents, type WebSocketConstructor } from "./link.js";
import type { PlayerEvent, PlayerWelcome } from "./protocol.js";
export interface PlayerChannelOptions {
    /** `ws(s)://host[:port]/ws/me`. */
    url: string;
    /** A valid access token (refreshed when needed), or null when signed out. */
    accessToken: () => Promise<string | null>;
    /** Resume from here: the highest `seq` handled before (e.g. before a reload). */
    lastSeq?: number;
    WebSocket?: WebSocketConstructor;
}
export interface PlayerChannelEvents extends LinkEvents {
    /** Each event of the player's log exactly once, in order. */
    event: PlayerEvent;
    /** Every WELCOME: `caughtUp` false when events may have been missed (reread over HTTP). */
    welcome: PlayerWelcome & {
        caughtUp: boolean;
    };
}
export declare class PlayerChannel extends Link<PlayerChannelEvents> {
    #private;
    constructor(options: PlayerChannelOptions);
    protected baseUrl(): string;
    protected credentials(): Promise<{
        token: string;
        stop?: undefined;
    } | {
        stop: string;
        token?: undefined;
    }>;
    protected finalClose(code: number): string | null;
    protected receive(data: string): void;
}
