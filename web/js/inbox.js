// The player's own channel: one WebSocket to `/ws/me` on the edge (docs/PROTOCOL.md, "The
// player's own channel") while a session exists. It carries battle invitations, joins, starts and
// results, and new ranks, each numbered; after a drop it reconnects by itself with `last_seq`, so
// the edge replays what was missed (a tab that was closed catches up from where it stopped: the
// last number is kept per account in sessionStorage).

import { api } from "./api.js";

/** Close codes after which reconnecting would be wrong. */
const FINAL_CLOSES = new Set([1008, 1009]);
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const SEQ_KEY = "whoosh.me_seq";

/**
 * Events (CustomEvent):
 * - `event`  detail: {t: string, seq: number, ...} each event of the log exactly once, in order
 * - `status` detail: {state: "open"|"reconnecting"|"closed"}
 */
class Inbox extends EventTarget {
  constructor() {
    super();
    /** @type {WebSocket|null} */
    this.ws = null;
    this.userId = null;
    this.lastSeq = 0;
    this.attempt = 0;
    this.timer = 0;
    this.state = "closed";
    /** Bumped by stop(): a connect still waiting for its token then gives up. */
    this.generation = 0;
    this.connecting = false;
  }

  /** Follows the session: open while someone is logged in, closed otherwise. */
  sync() {
    const user = api.user?.id ?? null;
    if (user === this.userId && (this.ws || this.timer || this.connecting)) return;
    this.stop();
    this.userId = user;
    if (!user) return;
    const saved = JSON.parse(sessionStorage.getItem(SEQ_KEY) ?? "null");
    this.lastSeq = saved?.user === user ? saved.seq : 0;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.generation += 1;
    this.connecting = false;
    clearTimeout(this.timer);
    this.timer = 0;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "signed out");
    this.status("closed");
  }

  async connect() {
    this.timer = 0;
    const generation = this.generation;
    this.connecting = true;
    const token = await api.accessToken().catch(() => null);
    if (generation !== this.generation) return;
    this.connecting = false;
    if (!token || api.user?.id !== this.userId) return;
    let ws;
    try {
      // The access token travels as a subprotocol so it stays out of URLs and logs.
      ws = new WebSocket(api.meSocketUrl(this.lastSeq), ["whoosh.v1", `bearer.${token}`]);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.status("open");
    };
    ws.onmessage = (message) => this.receive(message.data);
    ws.onclose = (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (FINAL_CLOSES.has(close.code)) this.status("closed");
      else this.retry();
    };
  }

  retry() {
    this.status("reconnecting");
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** @param {string} data */
  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.t === "WELCOME") {
      // A log that could not resume from our number starts the numbering again.
      if (!msg.resumed) this.remember(msg.seq);
      return;
    }
    if (typeof msg.seq !== "number" || msg.seq <= this.lastSeq) return;
    this.remember(msg.seq);
    this.dispatchEvent(new CustomEvent("event", { detail: msg }));
  }

  remember(seq) {
    this.lastSeq = seq;
    sessionStorage.setItem(SEQ_KEY, JSON.stringify({ user: this.userId, seq }));
  }

  status(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state } }));
  }
}

/** The channel of this page. */
export const inbox = new Inbox();
