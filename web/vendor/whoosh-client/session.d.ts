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
export declare function memoryStore(initial?: Session | null): SessionStore;
/** A session kept in `localStorage` under `key`, followed across the tabs of an origin. */
export declare function localStorageStore(key?: string): SessionStore;
/** Web Locks where the platform has them (every tab of an origin takes turns), else none needed. */
export declare const defaultLock: Lock;
/** The session of a session answer (login, register, guest, refresh), received `now`. */
export declare function sessionOf(body: components["schemas"]["Session"], now?: number): Session;
