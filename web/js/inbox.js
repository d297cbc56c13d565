// The player's own channel (/ws/me, docs/PROTOCOL.md) while someone is signed in: the package's
// PlayerChannel, opened and closed with the session. It brings battle invitations, joins, starts
// and results, and new ranks, each exactly once; a tab that was closed catches up from where it
// stopped (the last number is kept per account in sessionStorage).

import { Emitter } from "../vendor/whoosh-client/index.js";
import { api } from "./api.js";

const SEQ_KEY = "whoosh.me_seq";

/**
 * @typedef {import("../vendor/whoosh-client/index.js").PlayerEvent} PlayerEvent
 * @extends {Emitter<{event: PlayerEvent, status: {state: string}}>}
 */
class Inbox extends Emitter {
  constructor() {
    super();
    /** @type {import("../vendor/whoosh-client/index.js").PlayerChannel|null} */
    this.channel = null;
    this.userId = null;
    /** "open", "reconnecting", "connecting" or "closed", as the channel last said. */
    this.state = "closed";
  }

  /** Follows the session: open while someone is signed in, closed otherwise. */
  sync() {
    const user = api.user?.id ?? null;
    if (user === this.userId && this.channel && this.channel.state !== "closed") return;
    this.stop();
    this.userId = user;
    if (!user) return;
    const saved = JSON.parse(sessionStorage.getItem(SEQ_KEY) ?? "null");
    const channel = api.playerChannel({ lastSeq: saved?.user === user ? saved.seq : 0 });
    this.channel = channel;
    const remember = () => sessionStorage.setItem(SEQ_KEY, JSON.stringify({ user, seq: channel.lastSeq }));
    channel.on("welcome", remember);
    channel.on("event", (event) => {
      remember();
      this.emit("event", event);
    });
    channel.on("status", ({ state }) => {
      this.state = state;
      this.emit("status", { state });
    });
    channel.connect();
  }

  stop() {
    this.channel?.close();
    this.channel = null;
    this.state = "closed";
  }
}

/** The channel of this page. */
export const inbox = new Inbox();
