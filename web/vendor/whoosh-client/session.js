// Where a session is kept between calls and page loads, and how the refreshes of several holders
// of one session (browser tabs) take turns: a refresh token is single-use, and a second refresh
// with a spent one counts as reuse and ends the whole session.
/** A session kept in memory only: for Node services, bots and tests. */
export function memoryStore(initial = null) {
    let session = initial;
    return {
        load: () => session,
        save: (next) => {
            session = next;
        },
    };
}
/** A session kept in `localStorage` under `key`, followed across the tabs of an origin. */
export function localStorageStore(key = "whoosh.session") {
    return {
        load() {
            try {
                return JSON.parse(localStorage.getItem(key) ?? "null");
            }
            catch {
                return null;
            }
        },
        save(session) {
            if (session)
                localStorage.setItem(key, JSON.stringify(session));
            else
                localStorage.removeItem(key);
        },
        subscribe(changed) {
            const listener = (event) => {
                if (event.key === key)
                    changed();
            };
            addEventListener("storage", listener);
            return () => removeEventListener("storage", listener);
        },
    };
}
/** Web Locks where the platform has them (every tab of an origin takes turns), else none needed. */
export const defaultLock = (name, fn) => {
    const locks = globalThis.navigator?.locks;
    if (locks?.request)
        return locks.request(name, fn);
    return fn();
};
/** The session of a session answer (login, register, guest, refresh), received `now`. */
export function sessionOf(body, now = Date.now()) {
    return {
        user: body.user,
        access_token: body.access_token,
        refresh_token: body.refresh_token,
        expires_at: now + body.expires_in * 1000,
        issued_at: now,
    };
}
