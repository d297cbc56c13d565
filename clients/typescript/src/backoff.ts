// How long to wait before the next attempt: a schedule of delays with ±20 % jitter (so a crowd
// dropped at once does not come back at once), never shorter than a server's `Retry-After`.

/** Delays in ms for attempts 1, 2, 3 …; the last one repeats. */
export type Schedule = readonly number[];

export const SOCKET_BACKOFF: Schedule = [500, 1000, 2000, 4000, 5000];
export const FEED_BACKOFF: Schedule = [1000, 2000, 4000, 8000, 15000];

/** The wait before attempt `attempt` (1-based); `retryAfterSecs` from the server wins when longer. */
export function backoffDelay(
  schedule: Schedule,
  attempt: number,
  retryAfterSecs: number | null = null,
  random: () => number = Math.random,
): number {
  const base = schedule[Math.min(Math.max(attempt, 1), schedule.length) - 1] ?? 1000;
  const jittered = Math.round(base * (0.8 + random() * 0.4));
  return Math.max(jittered, (retryAfterSecs ?? 0) * 1000);
}

/** `Retry-After` in whole seconds (the API never sends the date form); null when absent or bad. */
export function parseRetryAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const secs = Number(value);
  return Number.isFinite(secs) && secs >= 0 ? secs : null;
}
