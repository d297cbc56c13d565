// The live top of a leaderboard: Server-Sent Events from the edge (docs/API.md, "Live
// leaderboards"). Read with fetch rather than EventSource so that it works the same in Node and
// in browsers and can honour `Retry-After`. Every event is the board's whole top; after a drop it
// reconnects with `Last-Event-ID` (the board's version), and the edge sends the top only if it
// changed meanwhile. It stops on a refusal that retrying cannot fix (404: no such board).

import { ApiError, errorOf } from "./errors.js";
import { backoffDelay, FEED_BACKOFF, parseRetryAfter } from "./backoff.js";
import { Emitter } from "./events.js";
import type { BoardTop } from "./protocol.js";

export interface LeaderboardFeedOptions {
  /** `https://host/sse/leaderboards/{board}`. */
  url: string;
  /** Resume from this version (the `id` of the last event held). */
  lastEventId?: string | null;
  fetch?: typeof fetch;
}

export interface FeedStatus {
  state: "connecting" | "open" | "reconnecting" | "closed";
  attempt?: number;
  delayMs?: number;
  /** Set when `closed` by a refusal. */
  error?: ApiError;
}

export interface LeaderboardFeedEvents extends Record<string, unknown> {
  top: BoardTop;
  status: FeedStatus;
}

/** One event of a `text/event-stream`. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Splits a `text/event-stream` into events as its chunks arrive (the WHATWG rules: `:` comments,
 * `field: value` lines, a blank line ends an event, `id` persists). Feed it text; it returns the
 * events completed so far and keeps the rest.
 */
export class SseParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];
  /** The last `id` seen, which the stream keeps until another comes. */
  lastEventId: string | null = null;

  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      const line = this.#buffer.slice(0, end);
      const eol = this.#buffer.startsWith("\r\n", end) ? 2 : 1;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      if (eol === 1 && this.#buffer[end] === "\r" && end === this.#buffer.length - 1) break;
      this.#buffer = this.#buffer.slice(end + eol);
      if (line === "") {
        if (this.#data.length) {
          events.push({ event: this.#event || "message", data: this.#data.join("\n"), id: this.lastEventId });
        }
        this.#event = "";
        this.#data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.#event = value;
      else if (field === "data") this.#data.push(value);
      else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    }
    return events;
  }
}

export class LeaderboardFeed extends Emitter<LeaderboardFeedEvents> {
  /** The version of the last top received: sent back as `Last-Event-ID` on reconnect. */
  lastEventId: string | null;
  /** The latest top received. */
  latest: BoardTop | null = null;
  state: FeedStatus["state"] = "closed";
  #url: string;
  #fetch: typeof fetch;
  #abort: AbortController | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LeaderboardFeedOptions) {
    super();
    this.#url = options.url;
    this.lastEventId = options.lastEventId ?? null;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Opens the feed; it then stays open by itself until `close()` or a refusal. */
  connect(): void {
    this.close();
    const abort = new AbortController();
    this.#abort = abort;
    void this.#run(abort.signal);
  }

  close(): void {
    clearTimeout(this.#timer);
    const abort = this.#abort;
    this.#abort = null;
    if (abort) {
      abort.abort();
      this.#status({ state: "closed" });
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    this.#status({ state: this.#attempt ? "reconnecting" : "connecting", attempt: this.#attempt });
    let retryAfter: number | null = null;
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (this.lastEventId !== null) headers["Last-Event-ID"] = this.lastEventId;
      const res = await this.#fetch(this.#url, { headers, signal, cache: "no-store" });
      if (!res.ok || !res.body) {
        retryAfter = parseRetryAfter(res.headers.get("Retry-After"));
        const body = errorOf(await res.json().catch(() => null));
        const error = new ApiError(res.status, body?.code ?? `http_${res.status}`, body?.message ?? res.statusText, retryAfter);
        if (res.status !== 429 && res.status < 500) {
          // A refusal retrying cannot fix (404: no such board).
          this.#abort = null;
          this.#status({ state: "closed", error });
          return;
        }
        throw error;
      }
      this.#attempt = 0;
      this.#status({ state: "open" });
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) this.#receive(event);
      }
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    // The stream ended (a node shutting down) or failed: come back with Last-Event-ID.
    this.#attempt += 1;
    const delayMs = backoffDelay(FEED_BACKOFF, this.#attempt, retryAfter);
    this.#status({ state: "reconnecting", attempt: this.#attempt, delayMs });
    this.#timer = setTimeout(() => {
      if (!signal.aborted) void this.#run(signal);
    }, delayMs);
  }

  #receive(event: SseEvent): void {
    if (event.event !== "top") return;
    let top: BoardTop;
    try {
      top = JSON.parse(event.data) as BoardTop;
    } catch {
      return;
    }
    if (event.id !== null) this.lastEventId = event.id;
    this.latest = top;
    this.emit("top", top);
  }

  #status(status: FeedStatus): void {
    this.state = status.state;
    this.emit("status", status);
  }
}
