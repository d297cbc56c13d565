// Typed callbacks: `on(name, fn)` returns the function that removes it. Every event source of the
// client (the client itself, the game socket, the player's channel, the leaderboard feed) is one.

export type Listener<T> = (detail: T) => void;

export class Emitter<Events extends Record<string, unknown>> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `fn` on every `name` event until the returned function is called. */
  on<K extends keyof Events>(name: K, fn: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  /**
   * The next `name` event for which `accept` holds (every one without it). Rejects after
   * `timeoutMs` when one is given, or as soon as `signal` aborts.
   */
  next<K extends keyof Events>(
    name: K,
    accept: (detail: Events[K]) => boolean = () => true,
    { timeoutMs, signal }: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
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
        if (!accept(detail)) return;
        done();
        resolve(detail);
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort);
    });
  }

  protected emit<K extends keyof Events>(name: K, detail: Events[K]): void {
    for (const fn of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (fn as Listener<Events[K]>)(detail);
      } catch (error) {
        // One listener's bug must not stop the others, nor the socket that called it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
