// The page's client of the Whoosh API: the @whoosh/client package (clients/typescript, copied into
// web/vendor/whoosh-client by scripts/build-sdk). Every view talks to the server through `api`;
// nothing else calls fetch. The session lives in localStorage and is followed across tabs; the
// package refreshes the access token before it expires and once on `token_expired`, one refresh at
// a time across every tab of this origin (Web Locks). The guest account belongs to this browser's
// device id.

import { WhooshClient, localStorageStore } from "../vendor/whoosh-client/index.js";

export { ApiError } from "../vendor/whoosh-client/index.js";

/**
 * The API's answers, as generated from docs/openapi.json.
 * @typedef {import("../vendor/whoosh-client/index.js").Schemas} Schemas
 * @typedef {import("../vendor/whoosh-client/index.js").User} User
 * @typedef {Schemas["Profile"]} Profile
 * @typedef {Schemas["Battle"]} Battle
 * @typedef {Schemas["GroupView"]} Group
 * @typedef {import("../vendor/whoosh-client/index.js").BoardTop} BoardTop
 */

const DEVICE_KEY = "whoosh.device_id";

/** The device id that names this browser's guest account, made once and kept. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{16,128}$/.test(id)) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** The API client of this page (same origin as the API and the edge). */
export const api = new WhooshClient({ store: localStorageStore("whoosh.session"), deviceId });
