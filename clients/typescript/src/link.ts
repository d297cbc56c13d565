// What the game socket and the player's channel share: a WebSocket to the edge that reconnects by
// itself with `last_seq` after a drop, with backoff (and a refusal's `Retry-After`), and stops
// after the close codes that mean stop. The token travels as a subprotocol (`bearer.<token>`, with
// `whoosh.v1`) so it stays out of URLs and logs, and it is asked for again on every attempt.

import { backoffDelay, parseRetryAfter, SOCKET_BACKOFF } from "./backoff.js";
import { Emitter } from "./events.js";

/** What the client needs of a WebSocket: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
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

const OPEN = 1;
/** About a minute and a half of attempts: past the 30 s grace window, to rejoin a running game. */
export const MAX_ATTEMPTS = 20;

/** A refusal of the upgrade, when the WebSocket implementation lets it be seen (`ws` does). */
export interface Refusal {
  status: number;
  retryAfter: number | null;
}

export abstract class Link<E extends LinkEvents> extends Emitter<E> {
  /** The highest `seq` seen: what a reconnect resumes from. */
  lastSeq: number;
  /** The state of the link, as the latest `status` event said. */
  state: LinkStatus["state"] = "closed";
  protected ws: WebSocketLike | null = null;
  protected attempt = 0;
  #everOpened = false;
  #closedByUs = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by close(): an attempt still waiting for its token then gives up. */
  #generation = 0;
  #WebSocket: WebSocketConstructor;

  constructor(lastSeq: number, WebSocketImpl: WebSocketConstructor | undefined) {
    super();
    this.lastSeq = lastSeq;
    const ctor = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) {
      throw new TypeError(
        "no WebSocket here: pass one (on Node 20: `import WebSocket from \"ws\"`, then { WebSocket })",
      );
    }
    this.#WebSocket = ctor;
  }

  /** The socket URL without its query (`last_seq` is added). */
  protected abstract baseUrl(): string;
  /** The token for this attempt (1-based; 0 for the first connection), or null to stop. */
  protected abstract credentials(attempt: number): Promise<{ token: string } | { stop: string } | { retryAfter: number | null }>;
  /** Handles one text frame. */
  protected abstract receive(data: string): void;
  /** Why a close means stop, or null to reconnect. */
  protected abstract finalClose(code: number, reason: string): string | null;
  protected onOpen(): void {}
  protected onDown(): void {}

  /** Opens the link; it then stays up by itself until `close()` or a close that means stop. */
  connect(): void {
    this.#closedByUs = false;
    clearTimeout(this.#timer);
    void this.#open();
  }

  async #open(retryAfter: number | null = null): Promise<void> {
    const generation = this.#generation;
    this.#status({ state: this.#everOpened || this.attempt > 0 ? "reconnecting" : "connecting", attempt: this.attempt });
    let credentials;
    try {
      credentials = await this.credentials(this.attempt);
    } catch {
      credentials = { retryAfter };
    }
    if (generation !== this.#generation || this.#closedByUs) return;
    if ("stop" in credentials) {
      this.#status({ state: "closed", reason: credentials.stop, final: true });
      return;
    }
    if (!("token" in credentials)) {
      this.#retry(0, "could not get a token", credentials.retryAfter);
      return;
    }
    const url = new URL(this.baseUrl());
    if (this.lastSeq > 0) url.searchParams.set("last_seq", String(this.lastSeq));
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(url.toString(), ["whoosh.v1", `bearer.${credentials.token}`]);
    } catch (error) {
      this.#retry(0, String(error));
      return;
    }
    this.ws = ws;
    let refusal: Refusal | null = null;
    // The `ws` package shows a refused upgrade's answer (browsers only report a close 1006).
    const node = ws as unknown as { on?: (name: string, fn: (...args: never[]) => void) => void; terminate?: () => void };
    if (typeof node.on === "function") {
      node.on("unexpected-response", ((_req: unknown, res: { statusCode: number; headers: Record<string, string>; resume(): void }) => {
        refusal = { status: res.statusCode, retryAfter: parseRetryAfter(res.headers["retry-after"]) };
        res.resume();
        // Ends the handshake: `ws` then reports a close (1006), handled below with the refusal.
        node.terminate?.();
      }) as never);
    }
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.#everOpened = true;
      this.#status({ state: "open" });
      this.onOpen();
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.receive(String(event.data));
    };
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onDown();
      if (this.#closedByUs) {
        this.#status({ state: "closed", code: event.code, reason: "closed by the client", final: true });
        return;
      }
      const refused = refusal as Refusal | null;
      if (refused) {
        const stop = refusalStop(refused.status);
        if (stop) {
          this.#status({ state: "closed", code: refused.status, reason: stop, final: true });
          return;
        }
        this.#retry(refused.status, `refused with ${refused.status}`, refused.retryAfter);
        return;
      }
      const stop = this.finalClose(event.code, event.reason);
      if (stop) {
        this.#status({ state: "closed", code: event.code, reason: event.reason || stop, final: true });
        return;
      }
      this.#retry(event.code, event.reason);
    };
  }

  #retry(code: number, reason: string, retryAfter: number | null = null): void {
    this.attempt += 1;
    if (this.attempt > MAX_ATTEMPTS) {
      this.#status({ state: "closed", code, reason: "could not reach the game server", final: true });
      return;
    }
    // 1001: the lobby was handed to another node, which is ready now.
    const delayMs =
      code === 1001 && this.attempt === 1 ? 50 : backoffDelay(SOCKET_BACKOFF, this.attempt, retryAfter);
    this.#status({ state: "reconnecting", attempt: this.attempt, delayMs, code, reason });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#closedByUs) void this.#open(retryAfter);
    }, delayMs);
  }

  /** Reconnects now, whatever the state (e.g. to take a seat back after close 4000). */
  reconnect(): void {
    this.attempt = 0;
    this.#closedByUs = false;
    clearTimeout(this.#timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "reconnecting");
    this.#generation += 1;
    void this.#open();
  }

  /** Sends one message; false when the link is not open. */
  protected sendRaw(message: unknown): boolean {
    if (this.ws?.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Closes for good: no reconnect. */
  close(): void {
    this.#closedByUs = true;
    this.#generation += 1;
    clearTimeout(this.#timer);
    if (this.ws) this.ws.close(1000, "left");
    else this.#status({ state: "closed", reason: "closed by the client", final: true });
  }

  /** Drops the connection as a network failure would; it then resumes (for tests and demos). */
  drop(): void {
    this.ws?.close(3000, "simulated drop");
  }

  #status(status: LinkStatus): void {
    this.state = status.state;
    this.emit("status", status);
  }
}

/** The refusals of an upgrade after which retrying is wrong (docs/PROTOCOL.md, "Refusals"). */
function refusalStop(status: number): string | null {
  if (status === 404) return "the lobby no longer exists";
  if (status === 403) return "not allowed in this lobby";
  if (status === 426) return "not a WebSocket upgrade";
  return null;
}
