// The messages of the game socket and of the player's channel, as docs/PROTOCOL.md describes them
// (the sockets are not part of the OpenAPI document, so these are written by hand from it).
/** Messages that describe state: numbered by the latest event, never replayed. */
export const STATE_MESSAGES = new Set(["WELCOME", "LOBBY", "TICK"]);
