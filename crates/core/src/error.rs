//! Every error code the API can answer with. The codes are part of the public contract: clients
//! branch on them, docs/API.md lists them, and tests pin them. Add codes; never rename one.

use serde::Serialize;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal), )*) => {
        /// A stable, snake_case error code and the HTTP status it is answered with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire form of the code.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status this code is answered with.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }
        }
    };
}

error_codes! {
    /// The body is not valid JSON or does not have the expected shape.
    InvalidJson = ("invalid_json", 400),
    /// A query parameter, path segment or header is malformed.
    InvalidRequest = ("invalid_request", 400),
    /// A username outside the documented length or alphabet.
    InvalidUsername = ("invalid_username", 400),
    /// A password outside 8–128 characters.
    InvalidPassword = ("invalid_password", 400),
    /// A display name that is empty, too long or holds control characters.
    InvalidDisplayName = ("invalid_display_name", 400),
    /// A device id outside the documented length or alphabet.
    InvalidDeviceId = ("invalid_device_id", 400),
    /// A quantity that is not a whole number in the allowed range.
    InvalidQuantity = ("invalid_quantity", 400),
    /// An amount that is not a whole number in the allowed range.
    InvalidAmount = ("invalid_amount", 400),
    /// A currency code that does not exist.
    InvalidCurrency = ("invalid_currency", 400),
    /// A pagination cursor that this server did not issue.
    InvalidCursor = ("invalid_cursor", 400),
    /// The `Idempotency-Key` header is missing or not 1–128 visible ASCII characters.
    InvalidIdempotencyKey = ("invalid_idempotency_key", 400),
    /// A score delta that is not a whole number of at least 1.
    InvalidScore = ("invalid_score", 400),
    /// An avatar the player does not own.
    InvalidAvatar = ("invalid_avatar", 400),
    /// An action token that is malformed or whose signature does not match.
    InvalidActionToken = ("invalid_action_token", 401),
    /// An action token past its expiry.
    ActionTokenExpired = ("action_token_expired", 401),
    /// Username or password wrong; deliberately the same for an unknown user.
    InvalidCredentials = ("invalid_credentials", 401),
    /// A bearer token that is missing, malformed, forged, of the wrong kind, or revoked.
    InvalidToken = ("invalid_token", 401),
    /// A well-formed, genuine token past its expiry: refresh and retry.
    TokenExpired = ("token_expired", 401),
    /// A refresh token that is unknown, expired, revoked, or was already rotated (which revokes
    /// its whole family).
    InvalidRefreshToken = ("invalid_refresh_token", 401),
    /// The caller is authenticated but may not do this.
    Forbidden = ("forbidden", 403),
    /// An action token issued for another player.
    ActionTokenWrongUser = ("action_token_wrong_user", 403),
    /// This needs a fresh login or the password (e.g. deleting the account).
    ReauthenticationRequired = ("reauthentication_required", 403),
    /// No such resource, or not one the caller may see.
    NotFound = ("not_found", 404),
    /// The route exists but not with this method.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// The username is already registered (case-insensitively).
    UsernameTaken = ("username_taken", 409),
    /// The account is already a full account; only guests can be upgraded.
    NotAGuest = ("not_a_guest", 409),
    /// Not enough of the currency for this purchase.
    InsufficientFunds = ("insufficient_funds", 409),
    /// The per-user purchase limit of the item is reached.
    PurchaseLimitReached = ("purchase_limit_reached", 409),
    /// Only avatars and titles can be equipped.
    NotEquippable = ("not_equippable", 409),
    /// The body is larger than the configured limit.
    PayloadTooLarge = ("payload_too_large", 413),
    /// The body is not `application/json`.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// The `Idempotency-Key` was already used with a different request body.
    IdempotencyKeyReused = ("idempotency_key_reused", 422),
    /// A score delta above the cap its action token allows.
    ScoreOverCap = ("score_over_cap", 422),
    /// The score would exceed the largest value a board holds (2^53 − 1).
    ScoreOverflow = ("score_overflow", 422),
    /// Too many requests; `Retry-After` says when to try again.
    RateLimited = ("rate_limited", 429),
    /// A bug or an unexpected fault; details are in the logs under the request id.
    InternalError = ("internal_error", 500),
    /// A dependency (database, cache) is unavailable or saturated; `Retry-After` says when to retry.
    ServiceUnavailable = ("service_unavailable", 503),
    /// The request took longer than the configured timeout.
    RequestTimeout = ("request_timeout", 504),
    /// A request to a WebSocket endpoint that is not an upgrade.
    UpgradeRequired = ("upgrade_required", 426),
    /// A browser page whose origin is not in `ALLOWED_ORIGINS` tried to open a game socket.
    OriginNotAllowed = ("origin_not_allowed", 403),
    /// A join token for another lobby.
    TokenWrongLobby = ("token_wrong_lobby", 403),
    /// The player is not a member of the lobby.
    NotLobbyMember = ("not_lobby_member", 403),
    /// No such live lobby (or join code), it has ended, or the caller is not a member.
    LobbyNotFound = ("lobby_not_found", 404),
    /// The lobby lives on another edge node (the message names it).
    WrongEdgeNode = ("wrong_edge_node", 421),
    /// Too many open game sockets from one address.
    TooManyConnections = ("too_many_connections", 429),
    /// The edge node holds all the sockets it may; try again shortly.
    EdgeFull = ("edge_full", 503),
    /// No such matchmaking ticket, or not one of the caller's.
    TicketNotFound = ("ticket_not_found", 404),
    /// The player (or a member of the party) already has a live ticket.
    TicketAlreadyLive = ("ticket_already_live", 409),
    /// The ticket was already matched: join its lobby instead of cancelling.
    TicketMatched = ("ticket_matched", 409),
    /// The lobby holds its maximum number of players.
    LobbyFull = ("lobby_full", 409),
    /// The lobby's game has started; it takes no new players.
    LobbyStarted = ("lobby_started", 409),
    /// No such party, or not one the caller is a member of.
    PartyNotFound = ("party_not_found", 404),
    /// The party holds its maximum number of players.
    PartyFull = ("party_full", 409),
    /// A join code that is not six characters of the code alphabet.
    InvalidJoinCode = ("invalid_join_code", 400),
    /// A game mode that does not exist.
    InvalidMode = ("invalid_mode", 400),
    /// A region that this deployment does not serve.
    InvalidRegion = ("invalid_region", 400),
    /// Private lobby settings outside their documented ranges.
    InvalidLobbySettings = ("invalid_lobby_settings", 400),
    /// Only the party's leader may do this.
    NotPartyLeader = ("not_party_leader", 403),
    /// A Telegram webhook call without the configured `X-Telegram-Bot-Api-Secret-Token`.
    InvalidWebhookSecret = ("invalid_webhook_secret", 401),
    /// A group name outside 3–32 characters after trimming, or holding control characters.
    InvalidGroupName = ("invalid_group_name", 400),
    /// A group tag that is not 2–5 letters and digits.
    InvalidGroupTag = ("invalid_group_tag", 400),
    /// A group description, visibility or role outside its documented values.
    InvalidGroupSettings = ("invalid_group_settings", 400),
    /// No such group, or a private one the caller is not a member of.
    GroupNotFound = ("group_not_found", 404),
    /// The player is not a member of the group.
    GroupMemberNotFound = ("group_member_not_found", 404),
    /// No such live invite code for a group (unknown, expired or used up).
    InviteNotFound = ("invite_not_found", 404),
    /// The group name is already taken (case-insensitively).
    GroupNameTaken = ("group_name_taken", 409),
    /// The player is already a member of the group.
    AlreadyGroupMember = ("already_group_member", 409),
    /// The group holds its maximum number of members.
    GroupFull = ("group_full", 409),
    /// The player is a member of as many groups as a player may be.
    TooManyGroups = ("too_many_groups", 409),
    /// The owner leaves only after handing the group over (or disbanding it).
    OwnerMustTransfer = ("owner_must_transfer", 409),
    /// This group takes new members by invite code only.
    InviteRequired = ("invite_required", 403),
    /// Only the group's owner or an admin may do this.
    NotGroupAdmin = ("not_group_admin", 403),
    /// Only the group's owner may do this (roles, ownership, removing an admin).
    NotGroupOwner = ("not_group_owner", 403),
    /// A battle request that makes no sense (challenging oneself or one's own group; neither or
    /// both of `opponent_id` and `opponent_group`).
    InvalidBattle = ("invalid_battle", 400),
    /// No such battle, or not one the caller may see.
    BattleNotFound = ("battle_not_found", 404),
    /// The battle has begun (or finished): it takes no new players and cannot begin again.
    BattleClosed = ("battle_closed", 409),
    /// The caller's side of the battle holds its maximum number of players.
    BattleSideFull = ("battle_side_full", 409),
    /// A battle begins only with both sides present and enough players for a game.
    BattleNotReady = ("battle_not_ready", 409),
    /// The account is banned: no login, refresh or guest session (the ban's reason is not told).
    AccountBanned = ("account_banned", 403),
    /// An operator-console request without the `X-Whoosh-Console` header, which a cross-site form
    /// or image cannot send (CSRF protection).
    ConsoleHeaderRequired = ("console_header_required", 403),
    /// The staff member's role does not allow this (e.g. a viewer granting coins).
    RoleRequired = ("role_required", 403),
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_with_error_statuses() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !s.starts_with('_'),
                "{s} is not snake_case"
            );
            assert!(
                (400..600).contains(&code.http_status()),
                "{s} has a non-error status"
            );
        }
    }

    #[test]
    fn serializes_as_its_wire_string() {
        let json = serde_json::to_string(&ErrorCode::UsernameTaken).unwrap_or_default();
        assert_eq!(json, "\"username_taken\"");
    }
}
