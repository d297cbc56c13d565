// Typed callbacks: `on(name, fn)` returns the function that removes it. Every event source of the
// client (the client itself, the game socket, the player's channel, the leaderboard feed) is one.
export class Emitter {
    #listeners = new Map();
    /** Calls `fn` on every `name` event until the returned function is called. */
    on(name, fn) {
        let set = this.#listeners.get(name);
        if (!set) {
            set = new Set();
            this.#listeners.set(name, set);
        }
        set.add(fn);
        return () => set.delete(fn);
    }
    /**
     * The next `name` event for which `accept` holds (every one without it). Rejects after
     * `timeoutMs` when one is given, or as soon as `signal` aborts.
     */
    next(name, accept = () => true, { timeoutMs, signal } = {}) {
        return new Promise((resolve, reject) => {
            let timer;
            const done = () => {
                off();
                clearTimeout(timer);
                signal?.removeEventListener("abort", onAbort);
            };
            const onAbort = () => {
                done();
                reject(signal?.reason ?? new Error("aborted"));
            };
            const off = this.on(name, (detail) => {
                if (!accept(detail))
                    return;
                done();
                resolve(detail);
            });
            if (timeoutMs !== undefined) {
                timer = setTimeout(() => {
                    done();
                    reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`));
                }, timeoutMs);
            }
            if (signal?.aborted)
                onAbort();
            else
                signal?.addEventListener("abort", onAbort);
        });
    }
    emit(name, detail) {
        for (const fn of [...(this.#listeners.get(name) ?? [])]) {
            try {
                fn(detail);
            }
            catch (error) {
                // One listener's bug must not stop the others, nor the socket that called it.
                queueMicrotask(() => {
                    throw error;
                });
            }
        }
    }
}
