// The player's own channel: one WebSocket to `/ws/me` (docs/PROTOCOL.md, "The player's own
// channel") with the access token. It carries battle invitations, joins, starts and results, and
// new ranks, each numbered in the player's log; after a drop it reconnects with `last_seq` and the
// edge replays what was missed. Keep `lastSeq` (the `event` handler may store it) to catch up
// after a restart too. A WELCOME that could not resume (`caughtUp` false) means events were lost:
// read the state over HTTP again.

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
  welcome: PlayerWelcome & { caughtUp: boolean };
}

export class PlayerChannel extends Link<PlayerChannelEvents> {
  #url: string;
  #accessToken: PlayerChannelOptions["accessToken"];

  constructor(options: PlayerChannelOptions) {
    super(options.lastSeq ?? 0, options.WebSocket);
    this.#url = options.url;
    this.#accessToken = options.accessToken;
  }

  protected baseUrl(): string {
    return this.#url;
  }

  protected async credentials() {
    const token = await this.#accessToken();
    return token ? { token } : { stop: "signed out" };
  }

  protected finalClose(code: number): string | null {
    if (code === 1008) return "the session was revoked (or the client sent too much): sign in again";
    if (code === 1009) return "a message was too big";
    return null;
  }

  protected receive(data: string): void {
    let msg: PlayerEvent | PlayerWelcome;
    try {
      msg = JSON.parse(data) as PlayerEvent | PlayerWelcome;
    } catch {
      return;
    }
    if (msg?.t === "WELCOME") {
      const caughtUp = msg.resumed || this.lastSeq === 0;
      // A log that could not resume from our number starts the numbering again.
      if (!msg.resumed) this.lastSeq = msg.seq;
      this.emit("welcome", { ...msg, caughtUp });
      return;
    }
    if (typeof msg?.seq !== "number" || typeof msg.t !== "string" || msg.seq <= this.lastSeq) return;
    this.lastSeq = msg.seq;
    this.emit("event", msg);
  }
}
