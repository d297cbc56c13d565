// The game socket: one WebSocket to the edge for one seat of a lobby (docs/PROTOCOL.md). It keeps
// `last_seq`, hands every event over exactly once and in order (a replayed event already seen is
// skipped), and after a drop reconnects by itself with `last_seq` so the edge replays what was
// missed — each time with a fresh join token, since they live two minutes. It stops after 1000
// `lobby closed`, 1008, 1009 and 4000 (the seat was taken by another connection: offer
// `reconnect()` as "play here" instead of doing it automatically).

import { ApiError } from "./errors.js";
import { Link, type LinkEvents, type WebSocketConstructor } from "./link.js";
import { STATE_MESSAGES, type ClientMessage, type MessageOf, type MessageType, type ServerMessage } from "./protocol.js";

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
  renew: () => Promise<{ edge_url?: string | null; join_token: string }>;
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
  resumed: { replayed: number };
  latency: { ms: number };
}

const IDLE_REASON = "idle timeout";
const PINGS_KEPT = 8;

export class GameSocket extends Link<GameSocketEvents> {
  readonly lobbyId: string;
  edgeUrl: string;
  #joinToken: string;
  #renew: GameSocketOptions["renew"];
  #pingEveryMs: number;
  #pinger: ReturnType<typeof setInterval> | undefined;
  #pingsSent = new Map<number, number>();
  #nonce = 0;

  constructor(options: GameSocketOptions) {
    super(options.lastSeq ?? 0, options.WebSocket);
    this.lobbyId = options.lobbyId;
    this.edgeUrl = options.edgeUrl;
    this.#joinToken = options.joinToken;
    this.#renew = options.renew;
    this.#pingEveryMs = options.pingEveryMs ?? 10_000;
  }

  protected baseUrl(): string {
    const base = this.edgeUrl.includes("/ws/")
      ? this.edgeUrl
      : `${this.edgeUrl.replace(/\/+$/, "")}/ws/lobbies/${encodeURIComponent(this.lobbyId)}`;
    const origin = (globalThis as { location?: { href: string } }).location?.href;
    const url = origin ? new URL(base, origin) : new URL(base);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    return url.toString();
  }

  protected async credentials(attempt: number) {
    if (attempt === 0) return { token: this.#joinToken };
    try {
      const seat = await this.#renew();
      this.#joinToken = seat.join_token;
      if (seat.edge_url) this.edgeUrl = seat.edge_url;
      return { token: this.#joinToken };
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
        return { stop: "this lobby no longer exists, or the player is no longer in it" };
      }
      if (error instanceof ApiError && error.status === 401) return { stop: "signed out" };
      if (error instanceof ApiError && error.retryAfter !== null) return { retryAfter: error.retryAfter };
      // Otherwise (a network error) try with the token held; the next attempt asks again.
      return { token: this.#joinToken };
    }
  }

  protected finalClose(code: number, reason: string): string | null {
    if (code === 1000 && reason === IDLE_REASON) return null;
    if (code === 1000) return "the lobby has closed";
    if (code === 1008) return "the server ended the connection (too many messages, or the session was revoked)";
    if (code === 1009) return "a message was too big";
    if (code === 4000) return "the seat was taken by a newer connection";
    return null;
  }

  protected receive(data: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (typeof msg?.t !== "string") return;
    if (typeof msg.seq === "number") {
      if (STATE_MESSAGES.has(msg.t)) {
        // A state message carries the latest event's number and is never dropped. A WELCOME
        // that did not resume (a new seat, a gap too long, a lobby that moved) sets the base.
        if (msg.t === "WELCOME" && !msg.resumed) this.lastSeq = msg.seq;
        else this.lastSeq = Math.max(this.lastSeq, msg.seq);
      } else if (msg.seq > 0) {
        // (seq 0: an ERROR from a room that refused the join, outside any stream.)
        if (msg.seq <= this.lastSeq) return;
        this.lastSeq = msg.seq;
      }
    }
    if (msg.t === "PONG" && msg.nonce !== null) {
      const sent = this.#pingsSent.get(msg.nonce);
      this.#pingsSent.delete(msg.nonce);
      if (sent !== undefined) this.emit("latency", { ms: Math.round(performance.now() - sent) });
    }
    if (msg.t === "WELCOME" && msg.resumed) this.emit("resumed", { replayed: msg.replayed ?? 0 });
    this.emit("message", msg);
  }

  /**
   * Connects and resolves with the first WELCOME: the seat is taken. Rejects when the socket
   * closes for good first (the lobby is gone, the room refused the join, or it was unreachable).
   */
  join(): Promise<MessageOf<"WELCOME">> {
    return new Promise((resolve, reject) => {
      const offs = [
        this.on("message", (msg) => {
          if (msg.t !== "WELCOME") return;
          offs.forEach((off) => off());
          resolve(msg);
        }),
        this.on("status", (status) => {
          if (status.state !== "closed" || !status.final) return;
          offs.forEach((off) => off());
          reject(new ApiError(status.code ?? 0, "not_joined", status.reason ?? "the socket closed before joining"));
        }),
      ];
      this.connect();
    });
  }

  /** The next message of type `t` (for which `accept` holds). */
  nextMessage<T extends MessageType>(
    t: T,
    accept: (msg: MessageOf<T>) => boolean = () => true,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<MessageOf<T>> {
    return this.next("message", (m) => m.t === t && accept(m as MessageOf<T>), options) as Promise<MessageOf<T>>;
  }

  /** Sends one message; false when the socket is not open (it is not queued). */
  send(message: ClientMessage): boolean {
    return this.sendRaw(message);
  }

  suspect(target: string | null): boolean {
    return this.send({ t: "SUSPECT", target });
  }

  chat(text: string): boolean {
    return this.send({ t: "CHAT", text });
  }

  ready(ready = true): boolean {
    return this.send({ t: "READY", ready });
  }

  start(): boolean {
    return this.send({ t: "START" });
  }

  protected override onOpen(): void {
    this.onDown();
    if (!this.#pingEveryMs) return;
    const ping = () => {
      const nonce = ++this.#nonce;
      this.#pingsSent.set(nonce, performance.now());
      if (this.#pingsSent.size > PINGS_KEPT) this.#pingsSent.delete(this.#pingsSent.keys().next().value as number);
      this.send({ t: "PING", nonce });
    };
    ping();
    this.#pinger = setInterval(ping, this.#pingEveryMs);
  }

  protected override onDown(): void {
    clearInterval(this.#pinger);
    this.#pinger = undefined;
  }
}
