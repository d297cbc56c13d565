// The game socket: one WebSocket to the edge for one seat of a lobby (docs/PROTOCOL.md). It keeps
// `last_seq`, hands every event over exactly once and in order (a replayed event already seen is
// skipped), and after a drop reconnects by itself with `last_seq` so the edge replays what was
// missed — each time with a fresh join token, since they live two minutes. It stops after 1000
// `lobby closed`, 1008, 1009 and 4000 (the seat was taken by another connection: offer
// `reconnect()` as "play here" instead of doing it automatically).
import { ApiError } from "./errors.js";
import { Link } from "./link.js";
import { STATE_MESSAGES } from "./protocol.js";
const IDLE_REASON = "idle timeout";
const PINGS_KEPT = 8;
export class GameSocket extends Link {
    lobbyId;
    edgeUrl;
    #joinToken;
    #renew;
    #pingEveryMs;
    #pinger;
    #pingsSent = new Map();
    #nonce = 0;
    constructor(options) {
        super(options.lastSeq ?? 0, options.WebSocket);
        this.lobbyId = options.lobbyId;
        this.edgeUrl = options.edgeUrl;
        this.#joinToken = options.joinToken;
        this.#renew = options.renew;
        this.#pingEveryMs = options.pingEveryMs ?? 10_000;
    }
    baseUrl() {
        const base = this.edgeUrl.includes("/ws/")
            ? this.edgeUrl
            : `${this.edgeUrl.replace(/\/+$/, "")}/ws/lobbies/${encodeURIComponent(this.lobbyId)}`;
        const origin = globalThis.location?.href;
        const url = origin ? new URL(base, origin) : new URL(base);
        if (url.protocol === "http:")
            url.protocol = "ws:";
        if (url.protocol === "https:")
            url.protocol = "wss:";
        return url.toString();
    }
    async credentials(attempt) {
        if (attempt === 0)
            return { token: this.#joinToken };
        try {
            const seat = await this.#renew();
            this.#joinToken = seat.join_token;
            if (seat.edge_url)
                this.edgeUrl = seat.edge_url;
            return { token: this.#joinToken };
        }
        catch (error) {
            if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
                return { stop: "this lobby no longer exists, or the player is no longer in it" };
            }
            if (error instanceof ApiError && error.status === 401)
                return { stop: "signed out" };
            if (error instanceof ApiError && error.retryAfter !== null)
                return { retryAfter: error.retryAfter };
            // Otherwise (a network error) try with the token held; the next attempt asks again.
            return { token: this.#joinToken };
        }
    }
    finalClose(code, reason) {
        if (code === 1000 && reason === IDLE_REASON)
            return null;
        if (code === 1000)
            return "the lobby has closed";
        if (code === 1008)
            return "the server ended the connection (too many messages, or the session was revoked)";
        if (code === 1009)
            return "a message was too big";
        if (code === 4000)
            return "the seat was taken by a newer connection";
        return null;
    }
    receive(data) {
        let msg;
        try {
            msg = JSON.parse(data);
        }
        catch {
            return;
        }
        if (typeof msg?.t !== "string")
            return;
        if (typeof msg.seq === "number") {
            if (STATE_MESSAGES.has(msg.t)) {
                // A state message carries the latest event's number and is never dropped. A WELCOME
                // that did not resume (a new seat, a gap too long, a lobby that moved) sets the base.
                if (msg.t === "WELCOME" && !msg.resumed)
                    this.lastSeq = msg.seq;
                else
                    this.lastSeq = Math.max(this.lastSeq, msg.seq);
            }
            else if (msg.seq > 0) {
                // (seq 0: an ERROR from a room that refused the join, outside any stream.)
                if (msg.seq <= this.lastSeq)
                    return;
                this.lastSeq = msg.seq;
            }
        }
        if (msg.t === "PONG" && msg.nonce !== null) {
            const sent = this.#pingsSent.get(msg.nonce);
            this.#pingsSent.delete(msg.nonce);
            if (sent !== undefined)
                this.emit("latency", { ms: Math.round(performance.now() - sent) });
        }
        if (msg.t === "WELCOME" && msg.resumed)
            this.emit("resumed", { replayed: msg.replayed ?? 0 });
        this.emit("message", msg);
    }
    /**
     * Connects and resolves with the first WELCOME: the seat is taken. Rejects when the socket
     * closes for good first (the lobby is gone, the room refused the join, or it was unreachable).
     */
    join() {
        return new Promise((resolve, reject) => {
            const offs = [
                this.on("message", (msg) => {
                    if (msg.t !== "WELCOME")
                        return;
                    offs.forEach((off) => off());
                    resolve(msg);
                }),
                this.on("status", (status) => {
                    if (status.state !== "closed" || !status.final)
                        return;
                    offs.forEach((off) => off());
                    reject(new ApiError(status.code ?? 0, "not_joined", status.reason ?? "the socket closed before joining"));
                }),
            ];
            this.connect();
        });
    }
    /** The next message of type `t` (for which `accept` holds). */
    nextMessage(t, accept = () => true, options) {
        return this.next("message", (m) => m.t === t && accept(m), options);
    }
    /** Sends one message; false when the socket is not open (it is not queued). */
    send(message) {
        return this.sendRaw(message);
    }
    suspect(target) {
        return this.send({ t: "SUSPECT", target });
    }
    chat(text) {
        return this.send({ t: "CHAT", text });
    }
    ready(ready = true) {
        return this.send({ t: "READY", ready });
    }
    start() {
        return this.send({ t: "START" });
    }
    onOpen() {
        this.onDown();
        if (!this.#pingEveryMs)
            return;
        const ping = () => {
            const nonce = ++this.#nonce;
            this.#pingsSent.set(nonce, performance.now());
            if (this.#pingsSent.size > PINGS_KEPT)
                this.#pingsSent.delete(this.#pingsSent.keys().next().value);
            this.send({ t: "PING", nonce });
        };
        ping();
        this.#pinger = setInterval(ping, this.#pingEveryMs);
    }
    onDown() {
        clearInterval(this.#pinger);
        this.#pinger = undefined;
    }
}
