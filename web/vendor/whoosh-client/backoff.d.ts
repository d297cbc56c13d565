/** Delays in ms for attempts 1, 2, 3 …; the last one repeats. */
export type Schedule = readonly number[];
export declare const SOCKET_BACKOFF: Schedule;
export declare const FEED_BACKOFF: Schedule;
/** The wait before attempt `attempt` (1-based); `retryAfterSecs` from the server wins when longer. */
export declare function backoffDelay(schedule: Schedule, attempt: number, retryAfterSecs?: number | null, random?: () => number): number;
/** `Retry-After` in whole seconds (the API never sends the date form); null when absent or bad. */
export declare function parseRetryAfter(value: string | null | undefined): number | null;
