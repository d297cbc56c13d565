// The game socket: one WebSocket to the edge node that owns a lobby (docs/PROTOCOL.md).
//
// It keeps the last sequence number it has seen and, after a drop, reconnects by itself with
// `last_seq` so the edge replays what was missed; a join token is short-lived, so every
// reconnect asks for a fresh one first. It never reconnects after a close that means "stop":
// 1000 (lobby closed), 1008 (policy: rate limit or revoked), 1009 (frame too big), 4000
// (replaced by a newer connection of the same seat).

/** Messages that describe state (numbered by the latest event, never replayed); see docs/PROTOCOL.md. */
const STATE_MESSAGES = new Set(["WELCOME", "LOBBY", "TICK"]);

/**
 * @typedef {{user_id: string, name: string, rating: number, ready: boolean, connected: boolean, host: boolean}} LobbyPlayer
 * @typedef {object} Lobby
 * @property {string} id
 * @property {"match"|"private"} kind
 * @property {"waiting"|"playing"|"over"} state
 * @property {string|null} host
 * @property {string|null} code
 * @property {{round_secs: number, max_players: number}} settings
 * @property {LobbyPlayer[]} players
 *
 * @typedef {{user: string, heat: number, suspected_by: number, connected: boolean, cleared: boolean}} PlayerStatus
 * @typedef {object} PlayerView  one player's view of a running game (TICK, GAME_STARTED, WELCOME.game)
 * @property {string} you
 * @property {"agent"|"mole"} role
 * @property {{user: string, target: string|null}[]} fellow_moles
 * @property {number} round_secs
 * @property {number} remaining_secs
 * @property {string|null} target
 * @property {PlayerStatus[]} players
 * @property {Outcome|null} outcome
 *
 * @typedef {{user: string, role: "agent"|"mole", heat: number, final_suspect: string|null, won: boolean,
 *   rating_before: number, rating_delta: number, xp: number, coins: number}} PlayerResult
 * @typedef {object} Outcome
 * @property {"agents"|"moles"|null} winner
 * @property {{kind: "exposed", user: string}|{kind: "tie_at_top"}|{kind: "forfeit", side: string}|{kind: "abandoned"}} reason
 * @property {PlayerResult[]} players
 *
 * @typedef {{t: string, seq: number, [k: string]: any}} ServerMessage
 */

/** Close codes after which reconnecting would be wrong (docs/PROTOCOL.md, "Close codes"). */
const FINAL_CLOSES = new Map([
  [1000, "The lobby has closed."],
  [1008, "The server ended the connection (too many messages, or the session was revoked)."],
  [1009, "The server ended the connection: a message was too big."],
  [4000, "You opened this lobby somewhere else, so this tab stepped aside."],
]);
/** 1000 with this reason is the server reaping a silent socket: the game may still be on. */
const IDLE_REASON = "idle timeout";
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
/** About a minute and a half of attempts: past the 30 s grace window, to rejoin a running game. */
const MAX_ATTEMPTS = 20;
const PING_EVERY_MS = 10_000;

/**
 * Events (all CustomEvent):
 * - `message`  detail: ServerMessage (each exactly once, in sequence order)
 * - `status`   detail: {state: "connecting"|"open"|"reconnecting"|"closed", attempt?, delayMs?, code?, reason?, final?}
 * - `resumed`  detail: {replayed: number} after a reconnect's WELCOME
 * - `latency`  detail: {ms: number}
 */
export class GameSocket extends EventTarget {
  /**
   * @param {object} opts
   * @param {string} opts.lobbyId
   * @param {string} opts.edgeUrl     ws(s)://host[:port] of the edge node (or a full /ws/lobbies/… URL)
   * @param {string} opts.joinToken
   * @param {() => Promise<{edge_url: string, join_token: string}>} opts.renew  a fresh join token (and edge URL)
   * @param {number} [opts.lastSeq]   resume from here (after a page reload)
   */
  constructor({ lobbyId, edgeUrl, joinToken, renew, lastSeq = 0 }) {
    super();
    this.lobbyId = lobbyId;
    this.edgeUrl = edgeUrl;
    this.joinToken = joinToken;
    this.renew = renew;
    this.lastSeq = lastSeq;
    /** @type {WebSocket|null} */
    this.ws = null;
    this.attempt = 0;
    this.closedByUs = false;
    this.everOpened = false;
    this.timer = 0;
    this.pinger = 0;
    this.pingSent = new Map();
    this.nonce = 0;
  }

  /** The socket URL for the current edge URL, join token and resume point. */
  url() {
    const base = this.edgeUrl.includes("/ws/")
      ? this.edgeUrl
      : `${this.edgeUrl.replace(/\/+$/, "")}/ws/lobbies/${encodeURIComponent(this.lobbyId)}`;
    const url = new URL(base, location.href);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    if (this.lastSeq > 0) url.searchParams.set("last_seq", String(this.lastSeq));
    return url.toString();
  }

  connect() {
    this.closedByUs = false;
    this.status({ state: this.attempt === 0 && !this.everOpened ? "connecting" : "reconnecting", attempt: this.attempt });
    let ws;
    try {
      // The join token travels as a subprotocol so it stays out of URLs and logs.
      ws = new WebSocket(this.url(), ["whoosh.v1", `bearer.${this.joinToken}`]);
    } catch (e) {
      this.scheduleReconnect(0, String(e));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.everOpened = true;
      this.status({ state: "open" });
      this.startPings();
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopPings();
      if (this.closedByUs) {
        this.status({ state: "closed", code: event.code, reason: "You left the lobby.", final: true });
        return;
      }
      const final = event.code === 1000 && event.reason === IDLE_REASON ? null : FINAL_CLOSES.get(event.code);
      if (final) {
        this.status({ state: "closed", code: event.code, reason: event.reason || final, final: true });
        return;
      }
      this.scheduleReconnect(event.code, event.reason);
    };
  }

  /** @param {string} data */
  receive(data) {
    /** @type {ServerMessage} */
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof msg.seq === "number") {
      if (STATE_MESSAGES.has(msg.t)) {
        // State messages carry the latest event's number and are never dropped: each supersedes
        // the one before. A WELCOME that did not resume (a fresh seat, a gap too long, a lobby
        // that moved to another node) sets the numbering base.
        if (msg.t === "WELCOME" && !msg.resumed) this.lastSeq = msg.seq;
        else this.lastSeq = Math.max(this.lastSeq, msg.seq);
      } else if (msg.seq > 0) {
        // (seq 0: an ERROR from a room that refused us, outside any stream.)
        // An event replayed twice (e.g. both before and after a resume) is applied once.
        if (msg.seq <= this.lastSeq) return;
        this.lastSeq = msg.seq;
      }
    }
    if (msg.t === "PONG") {
      const sent = this.pingSent.get(msg.nonce);
      this.pingSent.delete(msg.nonce);
      if (sent) this.dispatchEvent(new CustomEvent("latency", { detail: { ms: Math.round(performance.now() - sent) } }));
    }
    if (msg.t === "WELCOME" && msg.resumed) {
      this.dispatchEvent(new CustomEvent("resumed", { detail: { replayed: msg.replayed ?? 0 } }));
    }
    this.dispatchEvent(new CustomEvent("message", { detail: msg }));
  }

  scheduleReconnect(code, reason) {
    this.attempt += 1;
    if (this.attempt > MAX_ATTEMPTS) {
      this.status({ state: "closed", code, reason: "Could not reach the game server. Try again later.", final: true });
      return;
    }
    // 1001: the lobby was handed to another node, which is ready for us now.
    const base = code === 1001 && this.attempt === 1 ? 50 : BACKOFF_MS[Math.min(this.attempt - 1, BACKOFF_MS.length - 1)];
    const delayMs = base * (0.8 + Math.random() * 0.4);
    this.status({ state: "reconnecting", attempt: this.attempt, delayMs, code, reason });
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      try {
        // Join tokens live two minutes: ask for a fresh one (and the lobby's node now).
        const seat = await this.renew();
        if (seat?.join_token) this.joinToken = seat.join_token;
        if (seat?.edge_url) this.edgeUrl = seat.edge_url;
      } catch (e) {
        if (e?.status === 404 || e?.status === 403) {
          this.status({ state: "closed", code, reason: "This lobby no longer exists.", final: true });
          return;
        }
        // Otherwise try with the token we have; the next attempt asks again.
      }
      if (!this.closedByUs) this.connect();
    }, delayMs);
  }

  /** @param {Record<string, any>} msg @returns {boolean} whether it was sent */
  send(msg) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  startPings() {
    this.stopPings();
    const ping = () => {
      const nonce = ++this.nonce;
      this.pingSent.set(nonce, performance.now());
      if (this.pingSent.size > 8) this.pingSent.delete(this.pingSent.keys().next().value);
      this.send({ t: "PING", nonce });
    };
    ping();
    this.pinger = setInterval(ping, PING_EVERY_MS);
  }

  stopPings() {
    clearInterval(this.pinger);
  }

  /** Takes the seat back after another tab or device took it (close 4000). */
  reclaim() {
    this.attempt = 0;
    clearTimeout(this.timer);
    this.scheduleReconnect(4000, "play here");
  }

  /** Leaves for good: no reconnect. */
  close() {
    this.closedByUs = true;
    clearTimeout(this.timer);
    this.stopPings();
    this.ws?.close(1000, "left");
    if (!this.ws) this.status({ state: "closed", reason: "You left the lobby.", final: true });
  }

  /** Drops the connection as a network failure would (for tests and the "simulate drop" key). */
  drop() {
    this.ws?.close(3000, "simulated drop");
  }

  status(detail) {
    this.dispatchEvent(new CustomEvent("status", { detail }));
  }
}
