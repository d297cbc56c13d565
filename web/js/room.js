// The lobby the player is in: the game socket plus everything it has told us, kept across view
// changes (a player may look at the leaderboard mid-game and come back). Views read `room.state`
// and re-render on its `change` event; they act through the methods below, never on the socket.

import { api } from "./api.js";

const SAVED_KEY = "whoosh.room";
/** The newest chat lines and headlines kept for display. */
const CHAT_KEEP = 100;
const NEWS_KEEP = 10;

/**
 * @typedef {import("../vendor/whoosh-client/index.js").Lobby} Lobby
 * @typedef {import("../vendor/whoosh-client/index.js").GameView} PlayerView
 * @typedef {import("../vendor/whoosh-client/index.js").Outcome} Outcome
 * @typedef {import("../vendor/whoosh-client/index.js").PlayerResult} PlayerResult
 * @typedef {import("../vendor/whoosh-client/index.js").ServerMessage} ServerMessage
 *
 * @typedef {object} RoomState
 * @property {string} lobbyId
 * @property {string|null} code
 * @property {string|null} me                 my user id
 * @property {Lobby|null} lobby
 * @property {PlayerView|null} game
 * @property {{outcome: Outcome, you: PlayerResult}|null} result   the last game's result
 * @property {{id: number, text: string, headline: any}[]} news
 * @property {{id: number, from: string, name: string, text: string, mine: boolean}[]} chat
 * @property {{state: string, attempt?: number, delayMs?: number, code?: number, reason?: string, final?: boolean}} link
 * @property {number|null} latency
 * @property {{code: string, message: string}|null} lastError
 */

class Room extends EventTarget {
  constructor() {
    super();
    /** @type {import("../vendor/whoosh-client/index.js").GameSocket|null} */
    this.socket = null;
    /** @type {RoomState|null} */
    this.state = null;
    this.counter = 0;
    /** @type {Map<string, string>} user id → display name, from every LOBBY seen */
    this.names = new Map();
  }

  /** The lobby saved by this tab before a reload, if any. */
  saved() {
    try {
      return JSON.parse(sessionStorage.getItem(SAVED_KEY) ?? "null");
    } catch {
      return null;
    }
  }

  /**
   * Takes a seat: connects to the edge with the join token from matchmaking or the lobby API.
   * @param {{lobby_id: string, edge_url: string, join_token: string, code?: string}} seat
   * @param {number} [lastSeq] resume point (after a page reload)
   */
  enter(seat, lastSeq = 0) {
    if (this.state?.lobbyId === seat.lobby_id && this.socket) return;
    this.leave();
    this.over = false;
    this.state = {
      lobbyId: seat.lobby_id,
      code: seat.code ?? null,
      me: api.user?.id ?? null,
      lobby: null,
      game: null,
      result: null,
      news: [],
      chat: [],
      link: { state: "connecting" },
      latency: null,
      lastError: null,
    };
    const socket = api.gameSocket(seat, { lastSeq });
    this.socket = socket;
    socket.on("message", (msg) => this.apply(msg));
    socket.on("status", (link) => {
      if (!this.state || this.socket !== socket) return;
      this.state.link = { ...link, reason: describeClose(link) };
      if (link.final) sessionStorage.removeItem(SAVED_KEY);
      this.emit("link");
    });
    socket.on("resumed", (detail) => this.emit("resumed", detail));
    socket.on("latency", ({ ms }) => {
      if (this.state) this.state.latency = ms;
      this.emit("latency");
    });
    socket.connect();
    this.save(seat.edge_url);
    this.emit("enter");
  }

  save(edgeUrl) {
    if (!this.state || !this.socket) return;
    sessionStorage.setItem(
      SAVED_KEY,
      JSON.stringify({ lobby_id: this.state.lobbyId, edge_url: edgeUrl ?? this.socket.edgeUrl, last_seq: this.socket.lastSeq }),
    );
  }

  /** @param {ServerMessage} msg */
  apply(msg) {
    const s = this.state;
    if (!s) return;
    switch (msg.t) {
      case "WELCOME":
        s.me = msg.you?.user_id ?? s.me;
        this.setLobby(msg.lobby);
        // The snapshot is the truth: a game running now, or none.
        s.game = msg.game ?? null;
        if (s.game?.outcome && !s.result) s.result = { outcome: s.game.outcome, you: ownResult(s.game.outcome, s.me) };
        break;
      case "LOBBY":
        this.setLobby(msg.lobby);
        if (msg.lobby?.state === "waiting") s.game = null;
        break;
      case "GAME_STARTED":
        s.game = msg.game;
        s.result = null;
        s.news = [];
        break;
      case "TICK": {
        const { t, seq, ...view } = msg;
        s.game = /** @type {PlayerView} */ (view);
        break;
      }
      case "NEWS":
        s.news = [...s.news, { id: ++this.counter, text: msg.text, headline: msg.headline }].slice(-NEWS_KEEP);
        break;
      case "CHAT":
        s.chat = [
          ...s.chat,
          { id: ++this.counter, from: msg.from, name: msg.name ?? this.name(msg.from), text: msg.text, mine: msg.from === s.me },
        ].slice(-CHAT_KEEP);
        break;
      case "GAME_OVER":
        s.result = { outcome: msg.outcome, you: msg.you ?? ownResult(msg.outcome, s.me) };
        if (s.game) s.game = { ...s.game, outcome: msg.outcome, remaining_secs: 0 };
        // The lobby closes soon after its game: a reload should not try to take the seat again.
        this.over = true;
        sessionStorage.removeItem(SAVED_KEY);
        break;
      case "ERROR":
        s.lastError = { code: msg.code, message: msg.message };
        break;
      default:
        break;
    }
    if (!this.over) this.save();
    this.emit(msg.t, msg);
  }

  /** @param {Lobby} lobby */
  setLobby(lobby) {
    if (!lobby || !this.state) return;
    this.state.lobby = lobby;
    this.state.code = lobby.code ?? this.state.code;
    for (const p of lobby.players ?? []) this.names.set(p.user_id, p.name);
  }

  /** A player's display name as the lobby knows it. */
  name(userId) {
    if (!userId) return "nobody";
    return this.names.get(userId) ?? `Player ${userId.slice(-4)}`;
  }

  /** @param {string|null} target */
  suspect(target) {
    const s = this.state;
    if (!s?.game || s.game.outcome) return false;
    const sent = this.socket?.send({ t: "SUSPECT", target });
    // Show the choice at once; the next TICK confirms it.
    if (sent) {
      s.game = { ...s.game, target };
      this.emit("suspect");
    }
    return sent;
  }

  chat(text) {
    return this.socket?.send({ t: "CHAT", text }) ?? false;
  }

  ready(ready) {
    return this.socket?.send({ t: "READY", ready }) ?? false;
  }

  start() {
    return this.socket?.send({ t: "START" }) ?? false;
  }

  /** Whether the player is seated in a lobby that is still open. */
  get live() {
    return Boolean(this.state && !this.state.link.final);
  }

  leave() {
    this.socket?.close();
    this.socket = null;
    this.state = null;
    sessionStorage.removeItem(SAVED_KEY);
    this.emit("leave");
  }

  emit(kind, detail = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { kind, msg: detail } }));
  }
}

/** What players read when the link closes for good (the socket's own reasons are for developers). */
const CLOSE_TEXT = {
  1000: "The lobby has closed.",
  1008: "The server ended the connection (too many messages, or the session was revoked).",
  1009: "The server ended the connection: a message was too big.",
  4000: "You opened this lobby somewhere else, so this tab stepped aside.",
};

/** @param {import("../vendor/whoosh-client/index.js").LinkStatus} link */
function describeClose(link) {
  if (link.state !== "closed") return link.reason;
  if (link.reason === "closed by the client") return "You left the lobby.";
  if (link.code === 404 || /no longer/.test(link.reason ?? "")) return "This lobby no longer exists.";
  if (link.reason === "could not reach the game server") return "Could not reach the game server. Try again later.";
  return CLOSE_TEXT[link.code] ?? link.reason;
}

/** @param {Outcome} outcome @param {string|null} me */
function ownResult(outcome, me) {
  return outcome?.players?.find((p) => p.user === me) ?? null;
}

/** The lobby of this page. */
export const room = new Room();
