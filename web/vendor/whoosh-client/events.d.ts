export type Listener<T> = (detail: T) => void;
export declare class Emitter<Events extends Record<string, unknown>> {
    #private;
    /** Calls `fn` on every `name` event until the returned function is called. */
    on<K extends keyof Events>(name: K, fn: Listener<Events[K]>): () => void;
    /**
     * The next `name` event for which `accept` holds (every one without it). Rejects after
     * `timeoutMs` when one is given, or as soon as `signal` aborts.
     */
    next<K extends keyof Events>(name: K, accept?: (detail: Events[K]) => boolean, { timeoutMs, signal }?: {
        timeoutMs?: number;
        signal?: AbortSignal;
    }): Promise<Events[K]>;
    protected emit<K extends keyof Events>(name: K, detail: Events[K]): void;
}
