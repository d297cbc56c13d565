// Where a session is kept between calls and page loads, and how the refreshes of several holders
// of one session (browser tabs) take turns: a refresh token is single-use, and a second refresh
// with a spent one counts as reuse and ends the whole session.

import type { components } from "./openapi.js";

export type User = components["schemas"]["User"];

/** A session as the client keeps it: the server's answer plus when its access token expires. */
export interface Session {
  user: User;
  access_token: string;
  refresh_token: string;
  /** Epoch ms when the access token expires, computed locally from `expires_in`. */
  expires_at: number;
  /** Epoch ms when it was received (older stored sessions lack it). */
  issued_at?: number;
}

export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
  /** Calls `changed` when another holder (another tab) changed the stored session. */
  subscribe?(changed: () => void): () => void;
}

/** Runs `fn` while holding the lock `name`, shared by every holder of the session. */
export type Lock = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** A session kept in memory only: for Node services, bots and tests. */
export function memoryStore(initial: Session | null = null): SessionStore {
  let session = initial;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

/** A session kept in `localStorage` under `key`, followed across the tabs of an origin. */
export function localStorageStore(key = "whoosh.session"): SessionStore {
  return {
    load() {
      try {
        return JSON.parse(localStorage.getItem(key) ?? "null") as Session | null;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session) localStorage.setItem(key, JSON.stringify(session));
      else localStorage.removeItem(key);
    },
    subscribe(changed) {
      const listener = (event: StorageEvent) => {
        if (event.key === key) changed();
      };
      addEventListener("storage", listener);
      return () => removeEventListener("storage", listener);
    },
  };
}

/** Web Locks where the platform has them (every tab of an origin takes turns), else none needed. */
export const defaultLock: Lock = (name, fn) => {
  const locks = (globalThis as { navigator?: { locks?: { request?: LockManager["request"] } } }).navigator?.locks;
  if (locks?.request) return locks.request(name, fn) as ReturnType<typeof fn>;
  return fn();
};

/** The session of a session answer (login, register, guest, refresh), received `now`. */
export function sessionOf(body: components["schemas"]["Session"], now = Date.now()): Session {
  return {
    user: body.user,
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_at: now + body.expires_in * 1000,
    issued_at: now,
  };
}
