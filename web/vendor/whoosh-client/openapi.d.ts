export interface paths {
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The public keys that verify Whoosh tokens. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key set; `Cache-Control: public, max-age=300`. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Jwks"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A trusted game service registers a completed action and gets the token the player submits. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ActionRequest"];
                };
            };
            responses: {
                /** @description The action and its token. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionIssued"];
                    };
                };
                /** @description `invalid_score` (max_score); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: no valid service token. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such user. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first: every sign-in and every change staff made, with who, when,
         *     why, and the state before and after. Read-only: no endpoint writes, edits or deletes a row.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only rows about this player (a user id). */
                    player?: string;
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of the audit log. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditPage"];
                    };
                };
                /** @description `invalid_request` (limit); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: `player` is not a user id. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/leaderboards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The active leaderboards. */
        get: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The boards. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BoardList"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/leaderboards/{board}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A board's top rows, whether its index is in use, and its latest rebuild's progress (poll it
         *     while a rebuild runs).
         */
        get: {
            parameters: {
                query?: {
                    /** @description 1–100 rows (clamped); 20 when omitted. */
                    limit?: number;
                };
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The board id. */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The board. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BoardTop"];
                    };
                };
                /** @description `invalid_request`: limit not a whole number. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/leaderboards/{board}/drift-check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Runs a board's drift check now (admin): the top N of the index compared with PostgreSQL,
         *     rebuilt on any difference. Audited.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The board id. */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The drift found. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DriftChecked"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (admin). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: Redis is down, or another rebuild holds the board. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/leaderboards/{board}/rebuild": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rebuilds a board's Redis index from PostgreSQL (admin), answering when it is done; meanwhile
         *     `GET /api/admin/leaderboards/{board}` reports its progress. Audited.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The board id. */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The index rebuilt. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Rebuilt"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (admin). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: Redis is down, or another rebuild holds the board. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The fleet now: every live edge node of every region, their lobbies, and the queues. */
        get: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The live view. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LiveView"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: Redis is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Signs a staff member in. Throttled per address and per account like player login
         *     (`LOGIN_RATE_PER_IP`, `LOGIN_RATE_PER_ACCOUNT`, budgets of their own); an unknown username and
         *     a wrong password answer alike. Each sign-in is an audit row.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["StaffCredentials"];
                };
            };
            responses: {
                /** @description A console session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConsoleSession"];
                    };
                };
                400: components["responses"]["InvalidJson"];
                /** @description `invalid_credentials`: wrong password, unknown or disabled account, invalid input, all alike. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends the calling console session: its token stops working at once. */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in staff member. */
        get: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Who is signed in, with their role. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StaffView"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Finds players by id, device id, username or display name. */
        get: {
            parameters: {
                query: {
                    /** @description A user id, a guest device id (exact), or the start of a username or display name (case-insensitive); 1–128 characters. */
                    q: string;
                };
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The players found (possibly none). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SearchResults"];
                    };
                };
                /** @description `invalid_request`: `q` missing, empty or longer than 128 characters. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A player's profile, devices, ban state, balances, inventory and sessions. */
        get: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The player. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PlayerPage"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/ban": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bans a player (support): every session ends (tokens stop, live sockets close with 1008) and
         *     login, refresh and guest sign-in answer 403 `account_banned` until an unban.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["BanRequest"];
                };
            };
            responses: {
                /** @description The player, banned. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BanState"];
                    };
                };
                /** @description `invalid_request` (reason); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (support). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Grants or refunds a player coins (support): a ledger entry with reason `admin_grant` or
         *     `admin_refund` (never an edit of the balance), once per `Idempotency-Key` — the same key and
         *     body again answers the first grant and credits nothing; the same key with another body is 422.
         *     The audit row (who, why, balance before and after) is written in the grant's transaction.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                    /** @description 1–128 visible ASCII characters (a UUID is ideal); the same key with the same body replays the first answer, with another body is 422 `idempotency_key_reused`. */
                    "Idempotency-Key": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GrantRequest"];
                };
            };
            responses: {
                /** @description The grant (also the replay of an earlier one with the same key and body). */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GrantReceipt"];
                    };
                };
                /** @description `invalid_amount`; `invalid_currency`; `invalid_request` (note, reference); `invalid_idempotency_key`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (support). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `idempotency_key_reused`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A player's ledger (every change of every balance, with its reason), newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of the ledger. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LedgerPage"];
                    };
                };
                /** @description `invalid_request` (limit); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/matches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A player's match history, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of matches. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MatchPage"];
                    };
                };
                /** @description `invalid_request` (limit); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/sessions/end-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends every session of a player (support), as logout everywhere does. */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EndSessions"];
                };
            };
            responses: {
                /** @description The sessions ended. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionsEnded"];
                    };
                };
                /** @description `invalid_request` (reason). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (support). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/sessions/{session}/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ends one session of a player (support): its refresh token dies, its access tokens stop and
         *     its live sockets close, as on logout.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                    /** @description The session id. */
                    session: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EndSessions"];
                };
            };
            responses: {
                /** @description The session ended (or was not live). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionsEnded"];
                    };
                };
                /** @description `invalid_request` (reason). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (support). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player or session. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/players/{player}/unban": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Lifts a player's ban (support). */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Any non-empty value (the console sends `1`); without it 403 `console_header_required`. */
                    "X-Whoosh-Console": string;
                };
                path: {
                    /** @description The player's user id. */
                    player: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UnbanRequest"];
                };
            };
            responses: {
                /** @description The player, no longer banned. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BanState"];
                    };
                };
                /** @description `invalid_request` (reason); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `console_header_required`; `role_required` (support). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/guest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Logs in as the guest account of a device, creating it on the device's first call. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GuestRequest"];
                };
            };
            responses: {
                /** @description A session of the device's existing guest. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description A session of a new guest. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description `invalid_device_id`; `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `account_banned`: the device's guest account is banned. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOGIN_RATE_PER_IP` (policy `guest-ip`) or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Checks a username and password and starts a new session. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Credentials"];
                };
            };
            responses: {
                /** @description A new session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_credentials`: wrong password, unknown username or invalid input, all alike. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `account_banned`: the password is right but the account is banned. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOGIN_RATE_PER_IP`, `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: password hashing is saturated, or the database is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends the calling session. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session has ended. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`: see docs/API.md#authenticating-requests. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends every session of the calling user, the calling one included. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every session has ended. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`: see docs/API.md#authenticating-requests. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling account. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The account. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: see docs/API.md#authenticating-requests. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Changes the password of a full account; every other session ends. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PasswordChange"];
                };
            };
            responses: {
                /** @description Changed; the calling session continues. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_password` (the new one); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_credentials` (the current password is wrong); `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `forbidden`: a guest has no password; upgrade instead. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: password hashing is saturated, or the database is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchanges a refresh token for a new access token and a new refresh token.
         * @description Reusing a spent refresh token revokes the whole session.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RefreshRequest"];
                };
            };
            responses: {
                /** @description The same session with new tokens. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_refresh_token`: unknown, expired, revoked or already spent. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `account_banned`: the account was banned (which also ended the session). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Creates a full account and starts a session. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Credentials"];
                };
            };
            responses: {
                /** @description The new account's session. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description `invalid_username`, `invalid_password`, `invalid_display_name` (a field fails its rule); `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `username_taken`: registered already, in any case. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `REGISTER_RATE_PER_IP` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: password hashing is saturated, or the database is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/telegram/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issues a short-lived, single-use code that links a Telegram chat to the calling account.
         * @description The player opens `url`; Telegram sends `/start <code>` to the bot, and the webhook links that
         *     chat. Notifications (a match found, a battle invitation, being passed on a leaderboard) then
         *     arrive there. A new code does not cancel earlier unexpired ones.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A new code. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TelegramLinkCode"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: see docs/API.md#authenticating-requests. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `rate_limited`: `LOGIN_RATE_PER_ACCOUNT` (policy `telegram-link`) or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: the database is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/telegram/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The Telegram Bot API webhook (set with `setWebhook` and `secret_token`).
         * @description Checks `X-Telegram-Bot-Api-Secret-Token` in constant time. A message `/start <code>` with a
         *     live code links its chat to the code's account and answers with a confirmation the Bot API
         *     sends; an unknown, used or expired code answers with a message saying so. Every other
         *     well-formed update is acknowledged with 200 so that Telegram does not resend it.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description The secret from `TELEGRAM_WEBHOOK_SECRET_SOURCE`. */
                    "X-Telegram-Bot-Api-Secret-Token": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TelegramUpdate"];
                };
            };
            responses: {
                /** @description Handled (linked, refused, or nothing to do); may carry a `sendMessage` for Telegram to make. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookReply"];
                    };
                };
                /** @description `invalid_json`: not a Telegram update. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_webhook_secret`: the header is missing or wrong, or no secret is configured. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: the database is unavailable (Telegram retries). */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/upgrade": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Turns the calling guest into a full account (same id; its sessions continue). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Credentials"];
                };
            };
            responses: {
                /** @description The upgraded account. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description `invalid_username`, `invalid_password`, `invalid_display_name`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: see docs/API.md#authenticating-requests. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `username_taken` (checked first); `not_a_guest`. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: password hashing is saturated, or the database is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/battles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Opens a battle with the caller on the challenger side, and invites the other side. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewBattle"];
                };
            };
            responses: {
                /** @description The battle. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Battle"];
                    };
                };
                /** @description `invalid_battle`: neither or both of `opponent_id` and `opponent_group`, an id that is not a UUID, or a challenge to oneself or one's own group; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_admin`: only the owner or an admin challenges for a group. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found` (no such player); `group_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/battles/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A battle, for its players, the challenged player and members of its groups. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The battle id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The battle. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Battle"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_not_found`: no such battle, or not one the caller may see. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/battles/{id}/begin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Begins the battle (any of its players): opens its lobby on a live edge node. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The battle id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The battle, playing, and where. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BattleBegun"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_not_found`: no such battle, or the caller is not one of its players. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_closed` (it began already); `battle_not_ready` (a side is empty, or fewer than 3 players: a player battle's sides invite more). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: no live edge node has room. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/battles/{id}/invite": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Invites a player to the caller's side of an open player battle: the party game takes at least
         *     3 players, so a duel's sides bring players of their own. The invited player gets a
         *     `battle:invite` event (and a notification), may see the battle and joins it with
         *     `POST /api/battles/{id}/join`. Inviting someone already invited or playing changes nothing.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The battle id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["BattleInvite"];
                };
            };
            responses: {
                /** @description The battle, the player among `invited` (or already playing). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Battle"];
                    };
                };
                /** @description `invalid_battle`: a user id that is not a UUID, or a group battle (its groups' members join without invitations); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_not_found`: no such battle, or the caller is not one of its players; `not_found`: no such player. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_closed`: the battle began. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/battles/{id}/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Joins the caller's side: the challenged player and invited players accept; group members join
         *     their group's side.
         *     Joining again changes nothing.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The battle id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The battle with the caller on it. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Battle"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_not_found`: no such battle, or the caller has no side in it (not challenged, invited or a member of its groups). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `battle_closed` (it began); `battle_side_full` (5 players). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Creates a group owned by the caller. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewGroup"];
                };
            };
            responses: {
                /** @description The group. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupView"];
                    };
                };
                /** @description `invalid_group_name`; `invalid_group_tag`; `invalid_group_settings` (description, visibility); `invalid_json` (also for unknown fields). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: the account no longer exists. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_name_taken`; `too_many_groups` (a player is in at most 5). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Joins the group an invite code opens (any visibility). Attempts, guesses included, count
         *     against the same budget as lobby and party codes.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["JoinByInvite"];
                };
            };
            responses: {
                /** @description The group joined. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupView"];
                    };
                };
                /** @description `invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invite_not_found`: unknown, expired or used up. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `already_group_member`; `group_full`; `too_many_groups`. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/leaderboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Open and invite-only groups by the average rating of their members (ties: more members, then
         *     the older group, then the id), one page at a time.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of the group leaderboard. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupBoardPage"];
                    };
                };
                /** @description `invalid_request` (limit not a whole number); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's groups (at most 5), oldest membership first. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller's groups with the caller's role in each. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MyGroups"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A group as the caller sees it. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The group. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupView"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`: no such group, or a private one the caller is not in. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        /** Disbands a group (owner only). */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The group is gone. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_owner`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/invites": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Makes an invite code (owner or admin), good for seven days. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            /** @description Optional. */
            requestBody?: {
                content: {
                    "application/json": null | components["schemas"]["NewInvite"];
                };
            };
            responses: {
                /** @description The invite code. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Invite"];
                    };
                };
                /** @description `invalid_group_settings` (max_uses); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_admin`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Joins an open group. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The group joined. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupView"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invite_required`: the group takes members by invite code. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `already_group_member`; `group_full` (50 members); `too_many_groups` (a player is in at most 5). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/leave": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Leaves a group. The owner leaves only as the last member (which disbands the group). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Left. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LeftGroup"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`; `group_member_not_found` (the caller is not a member). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `owner_must_transfer`: hand the group over or disband it first. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A group's members in join order, one page at a time (`limit` clamped to 1–100). */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of members. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MemberPage"];
                    };
                };
                /** @description `invalid_request` (limit not a whole number); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`: no such group, or a private one the caller is not in. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/members/{user}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Removes a member: the owner removes anyone else, an admin plain members only. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                    /** @description The member's user id. */
                    user: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_admin` (a plain member or an outsider); `not_group_owner` (an admin removing an admin or the owner). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`; `group_member_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/members/{user}/role": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Promotes a member to admin or demotes an admin (owner only). */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                    /** @description The member's user id. */
                    user: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RoleChange"];
                };
            };
            responses: {
                /** @description The role is set. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_group_settings` (role); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_owner`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`; `group_member_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/groups/{id}/transfer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hands the group to another member (owner only); the old owner stays as an admin. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The group id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Transfer"];
                };
            };
            responses: {
                /** @description Ownership passed. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_group_settings` (to oneself); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_group_owner`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `group_not_found`; `group_member_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The items the caller owns, whole (bounded by the catalogue). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The inventory. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Inventory"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/{item}/equip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Equips an owned avatar or title. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The item id. */
                    item: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description What is equipped now. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Loadout"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: the caller does not own that item. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_equippable`: only avatars and titles can be equipped. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The active leaderboards. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The boards. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BoardList"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards/{board}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One page of a board, best first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @description The board id, e.g. `elo` (see `GET /api/leaderboards`). */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of the board. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BoardPage"];
                    };
                };
                /** @description `invalid_request` (limit not a whole number); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards/{board}/around-me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lines around the caller's on a board. */
        get: {
            parameters: {
                query?: {
                    /** @description Lines above and below the caller's, clamped to 0–25; 5 by default. */
                    radius?: number;
                };
                header?: never;
                path: {
                    /** @description The board id, e.g. `elo` (see `GET /api/leaderboards`). */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The entries around the caller. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AroundMe"];
                    };
                };
                /** @description `invalid_request`: radius not a whole number. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards/{board}/drift-check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Compares a board's index with PostgreSQL and rebuilds it on any difference. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The board id, e.g. `elo` (see `GET /api/leaderboards`). */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The drift found. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Drift"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: no valid service token. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards/{board}/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's line of a board. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The board id, e.g. `elo` (see `GET /api/leaderboards`). */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller's entry, or `null`. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BoardStanding"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/leaderboards/{board}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rebuilds a board's Redis index from PostgreSQL (operators and schedules). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The board id, e.g. `elo` (see `GET /api/leaderboards`). */
                    board: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The index rebuilt. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Rebuilt"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: no valid service token. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such leaderboard. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Opens a private lobby hosted by the caller on a live edge node, under a fresh join code. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewLobby"];
                };
            };
            responses: {
                /** @description The lobby. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Lobby"];
                    };
                };
                /** @description `invalid_lobby_settings`; `invalid_region`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                /** @description `service_unavailable`: no live edge node in the region has room. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Joins a private lobby by its code. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["JoinByCode"];
                };
            };
            responses: {
                /** @description Where to connect. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LobbyJoined"];
                    };
                };
                /** @description `invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `lobby_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `lobby_full`; `lobby_started`. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/parties": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Opens a party led by the caller, under a fresh join code. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The party. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Party"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/parties/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Joins a party by its code. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["JoinByCode"];
                };
            };
            responses: {
                /** @description The party. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Party"];
                    };
                };
                /** @description `invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `party_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `party_full`; `ticket_already_live` (the party is searching). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/parties/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The party as a member sees it (poll it to find the party's match). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The party id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The party. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Party"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `party_not_found`: no such party, or the caller is not a member. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/parties/{id}/leave": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Leaves the party; when the leader leaves, the party is disbanded. Not while it searches. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The party id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Left. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `party_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `ticket_already_live`: cancel the party's ticket first. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/lobbies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lobby as a member sees it, with a fresh join token (to reconnect). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The lobby id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The lobby. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Lobby"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `lobby_not_found`: no such live lobby, or the caller is not a member. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/matchmaking/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Asks for a quick match, for the caller or (its leader) a whole party. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewTicket"];
                };
            };
            responses: {
                /** @description The ticket, `searching`. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Ticket"];
                    };
                };
                /** @description `invalid_mode`; `invalid_region`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_party_leader`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `party_not_found`; `not_found` (the player has no profile). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `ticket_already_live`: the caller or a party member has a searching ticket. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/matchmaking/tickets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket as the calling player sees it; poll it about once a second. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The ticket id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The ticket. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Ticket"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `ticket_not_found`: no such ticket, or the caller is not on it. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        /** Cancels a searching ticket; any player on it may (a party leaves the queue together). */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The ticket id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The ticket, `cancelled` (or `expired`). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Ticket"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `ticket_not_found`. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `ticket_matched`: join its lobby instead. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The document served at [`PATH`]. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description This document (OpenAPI 3.1). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/profiles/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's profile. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The profile. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Profile"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: the account no longer exists. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        /**
         * Deletes the caller's account: with the password, or (guests and password-less clients) with a
         *     token from a login in the last five minutes.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description Optional: omit it for a guest with a fresh token. */
            requestBody?: {
                content: {
                    "application/json": null | components["schemas"]["DeleteRequest"];
                };
            };
            responses: {
                /** @description The account is gone; every session has ended. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_credentials` (wrong password); `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `reauthentication_required`: send the password, or log in again and delete within five minutes. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: the account no longer exists. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `rate_limited`: `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        options?: never;
        head?: never;
        /** Edits the caller's display name and avatar; other fields are refused. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProfileEdit"];
                };
            };
            responses: {
                /** @description The edited profile. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Profile"];
                    };
                };
                /** @description `invalid_display_name`; `invalid_avatar` (not owned); `invalid_json` (also for unknown fields). */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: the account no longer exists. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        trace?: never;
    };
    "/api/profiles/{user}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A player's public profile. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The player's user id (a UUID). */
                    user: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The profile. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Profile"];
                    };
                };
                /** @description `not_found`: no such player (or not a UUID). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/profiles/{user}/matches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A player's matches, newest first, one page at a time. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @description The player's user id (a UUID). */
                    user: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of matches. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MatchPage"];
                    };
                };
                /** @description `invalid_request` (limit not a whole number); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: not a UUID. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/scores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A player turns an action token into score. Counted once: a replay gets the first answer. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ScoreRequest"];
                };
            };
            responses: {
                /** @description The new values (also the replay of an earlier submission). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ScoreCounted"];
                    };
                };
                /** @description `invalid_score` (delta); `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_action_token`; `action_token_expired`; `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `action_token_wrong_user`. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `score_over_cap`; `score_overflow`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/store": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The items on sale, whole (bounded by the catalogue). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The catalogue. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Catalogue"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/store/purchase": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Buys an item: debit and delivery in one transaction, once per Idempotency-Key. */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description 1–128 visible ASCII characters (a UUID is ideal); the same key with the same body replays the first answer, with another body is 422 `idempotency_key_reused`. */
                    "Idempotency-Key": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PurchaseRequest"];
                };
            };
            responses: {
                /** @description The purchase (also the replay of an earlier one with the same key and body). */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PurchaseReceipt"];
                    };
                };
                /** @description `invalid_quantity`; `invalid_idempotency_key`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such item on sale. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `insufficient_funds`; `purchase_limit_reached`. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `idempotency_key_reused`: the key was used with another body. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/wallet": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's balances, one per currency (0 where they hold none). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The balances. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Balances"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/wallet/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Credits a user on behalf of a trusted service, once per (user, Idempotency-Key): the edge
         *     uses `match:<match id>` as the key, so a match's reward lands once whatever the retries.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description 1–128 visible ASCII characters (a UUID is ideal); the same key with the same body replays the first answer, with another body is 422 `idempotency_key_reused`. */
                    "Idempotency-Key": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GrantRequest"];
                };
            };
            responses: {
                /** @description The grant (also the replay of an earlier one with the same key and body). */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GrantReceipt"];
                    };
                };
                /** @description `invalid_amount`; `invalid_currency`; `invalid_request` (reason or reference); `invalid_idempotency_key`; `invalid_json`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`: no valid service token. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `not_found`: no such user. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                415: components["responses"]["UnsupportedMediaType"];
                /** @description `idempotency_key_reused`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/wallet/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's ledger, newest first, one page at a time. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size, clamped to 1–100; not a whole number: 400 `invalid_request`. */
                    limit?: number;
                    /** @description The `next_cursor` of the previous page; one the server did not issue: 400 `invalid_cursor`. */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of the ledger. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LedgerPage"];
                    };
                };
                /** @description `invalid_request` (limit not a whole number); `invalid_cursor`. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description `invalid_token`, `token_expired`. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["ServiceUnavailable"];
                504: components["responses"]["RequestTimeout"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is alive. Checks nothing else; not rate limited. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Alive. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Alive"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The process takes new work: 200 unless it is draining or at capacity.
         * @description The body reports whether PostgreSQL and Redis each answered a round trip within 2 s; that does
         *     not change the status.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready (whatever the dependency checks say). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
                /** @description Draining, or at capacity. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description A registered action and the token its player submits a score with. */
        ActionIssued: {
            /** Format: uuid */
            action_id: string;
            action_token: string;
            /**
             * Format: int64
             * @description Unix seconds.
             */
            expires_at: number;
        };
        ActionRequest: {
            /**
             * Format: int64
             * @description The largest score the action allows: a whole number from 1 to 1 000 000 000.
             */
            max_score: number;
            /**
             * Format: uuid
             * @description The player who completed the action.
             */
            user_id: string;
        };
        /** @description The answer of `/healthz`. */
        Alive: {
            /**
             * @description Always `"ok"`.
             * @example ok
             */
            status: string;
        };
        /** @description The lines around the caller's (empty when the caller is not on the board). */
        AroundMe: {
            board: string;
            entries: components["schemas"]["LeaderboardRow"][];
        };
        /** @description One audit row as read back. */
        AuditEntry: {
            action: string;
            /** Format: uuid */
            admin_id?: string | null;
            admin_role: string;
            admin_username: string;
            after?: Record<string, never> | null;
            before?: Record<string, never> | null;
            client_ip?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: int64 */
            id: number;
            reason?: string | null;
            request_id?: string | null;
            target?: string | null;
            /** Format: uuid */
            target_user?: string | null;
        };
        AuditPage: {
            entries: components["schemas"]["AuditEntry"][];
            next_cursor?: string | null;
        };
        Balance: {
            /** Format: int64 */
            balance: number;
            currency: string;
        };
        /** @description The caller's balance in every currency. */
        Balances: {
            balances: components["schemas"]["Balance"][];
        };
        BanRequest: {
            /**
             * @description Why (1–500 characters): kept on the account and in the audit log; never shown to the player.
             * @example cheating: scripted suspicion votes
             */
            reason: string;
        };
        BanState: {
            /** @description False when the player already was in the asked state (nothing changed, no audit row). */
            changed: boolean;
            player: components["schemas"]["PlayerRecord"];
            /** @description Sessions the ban ended. */
            sessions_ended: number;
        };
        /** @description A battle and its players. */
        Battle: {
            /** Format: uuid */
            challenger_group?: string | null;
            /** Format: uuid */
            challenger_id?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            /** @description Players invited to a side of a player battle who have not joined it yet. */
            invited: components["schemas"]["BattlePlayer"][];
            /** @description `players` or `groups`. */
            kind: string;
            /**
             * Format: uuid
             * @description The lobby (and match) id once the battle began.
             */
            lobby_id?: string | null;
            /** Format: uuid */
            opponent_group?: string | null;
            /** Format: uuid */
            opponent_id?: string | null;
            players: components["schemas"]["BattlePlayer"][];
            /** @description `open`, `playing` or `finished`. */
            state: string;
            /** @description `challenger`, `opponent` or `draw` once finished. */
            winner?: string | null;
        };
        /** @description Where a begun battle is played. */
        BattleBegun: components["schemas"]["Battle"] & {
            edge_url: string;
            /** @description `{edge_url}/ws/lobbies/{lobby_id}`; the join token comes from `GET /api/lobbies/{lobby_id}`. */
            ws_url: string;
        };
        BattleInvite: {
            /** @description The player to invite (a user id). */
            user_id: string;
        };
        /** @description One player of a battle and their side. */
        BattlePlayer: {
            /** @description `challenger` or `opponent`. */
            side: string;
            /** Format: uuid */
            user_id: string;
        };
        Board: {
            id: string;
            kind: string;
            title: string;
        };
        /** @description The active leaderboards. */
        BoardList: {
            boards: components["schemas"]["Board"][];
        };
        /** @description One page of a board, best first. */
        BoardPage: {
            board: string;
            entries: components["schemas"]["LeaderboardRow"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description The caller's line of a board. */
        BoardStanding: {
            board: string;
            entry?: null | components["schemas"]["LeaderboardRow"];
        };
        BoardTop: {
            board: components["schemas"]["Board"];
            entries: components["schemas"]["LeaderboardRow"][];
            /** @description Whether readers use the Redis index now (false: they fall back to PostgreSQL). */
            index_ready: boolean;
            rebuild?: null | components["schemas"]["RebuildProgress"];
        };
        /** @description A board's new value for the player. */
        BoardValue: {
            board: string;
            /** Format: int64 */
            value: number;
        };
        /** @description The items on sale. */
        Catalogue: {
            items: components["schemas"]["StoreItem"][];
        };
        /**
         * @description Each dependency's round trip: `"ok"` or `"unavailable"`. Reported, not judged: an unavailable
         *     dependency does not make the process unready.
         */
        Checks: {
            /** @example ok */
            postgres: string;
            /** @example ok */
            redis: string;
        };
        /** @description A console session. */
        ConsoleSession: {
            admin: components["schemas"]["StaffView"];
            /**
             * Format: int64
             * @description Seconds until the token expires (`ADMIN_TOKEN_TTL`); then sign in again.
             */
            expires_in: number;
            /**
             * @description An RS256 JWT of kind `admin`: send it as `Authorization: Bearer <token>`, with
             *     `X-Whoosh-Console: 1`. It cannot call player endpoints, and player tokens cannot call these.
             */
            token: string;
        };
        /** @description A username and password (register, login, upgrade). */
        Credentials: {
            /**
             * @description 1–32 characters after trimming, no control characters (register, upgrade; ignored by
             *     login).
             * @example Mole Hunter
             */
            display_name?: string | null;
            /**
             * @description 8–128 characters.
             * @example correct horse battery
             */
            password: string;
            /**
             * @description 3–24 characters of `a–z A–Z 0–9 _ - .`, starting with a letter or digit; matched
             *     case-insensitively.
             * @example MoleHunter
             */
            username: string;
        };
        /** @description The confirmation of an account deletion; the body may be omitted. */
        DeleteRequest: {
            /**
             * @description Required for a full account; a guest confirms with a token from a login in the last five
             *     minutes instead.
             */
            password?: string | null;
        };
        /** @description The drift check of a board. */
        Drift: {
            board: string;
            /** @description Positions of the top N where the index differed from PostgreSQL (then it was rebuilt). */
            drift: number;
        };
        DriftChecked: {
            board: string;
            /** @description Positions of the top N where the index differed from PostgreSQL (then it was rebuilt). */
            drift: number;
        };
        EndSessions: {
            /** @description Why, for the audit log (1–500 characters); optional. */
            reason?: string | null;
        };
        /** @description What a user shows on their profile. */
        Equipped: {
            avatar?: string | null;
            title?: string | null;
        };
        /**
         * @description The body of every error answer. Its schema in the API document is derived from this struct.
         * @example {
         *       "error": {
         *         "code": "rate_limited",
         *         "message": "too many requests; retry after the time in Retry-After"
         *       }
         *     }
         */
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        /**
         * @description A stable snake_case error code; each always comes with the same HTTP status: `invalid_json` 400, `invalid_request` 400, `invalid_username` 400, `invalid_password` 400, `invalid_display_name` 400, `invalid_device_id` 400, `invalid_quantity` 400, `invalid_amount` 400, `invalid_currency` 400, `invalid_cursor` 400, `invalid_idempotency_key` 400, `invalid_score` 400, `invalid_avatar` 400, `invalid_action_token` 401, `action_token_expired` 401, `invalid_credentials` 401, `invalid_token` 401, `token_expired` 401, `invalid_refresh_token` 401, `forbidden` 403, `action_token_wrong_user` 403, `reauthentication_required` 403, `not_found` 404, `method_not_allowed` 405, `username_taken` 409, `not_a_guest` 409, `insufficient_funds` 409, `purchase_limit_reached` 409, `not_equippable` 409, `payload_too_large` 413, `unsupported_media_type` 415, `idempotency_key_reused` 422, `score_over_cap` 422, `score_overflow` 422, `rate_limited` 429, `internal_error` 500, `service_unavailable` 503, `request_timeout` 504, `upgrade_required` 426, `origin_not_allowed` 403, `token_wrong_lobby` 403, `not_lobby_member` 403, `lobby_not_found` 404, `wrong_edge_node` 421, `too_many_connections` 429, `edge_full` 503, `ticket_not_found` 404, `ticket_already_live` 409, `ticket_matched` 409, `lobby_full` 409, `lobby_started` 409, `party_not_found` 404, `party_full` 409, `invalid_join_code` 400, `invalid_mode` 400, `invalid_region` 400, `invalid_lobby_settings` 400, `not_party_leader` 403, `invalid_webhook_secret` 401, `invalid_group_name` 400, `invalid_group_tag` 400, `invalid_group_settings` 400, `group_not_found` 404, `group_member_not_found` 404, `invite_not_found` 404, `group_name_taken` 409, `already_group_member` 409, `group_full` 409, `too_many_groups` 409, `owner_must_transfer` 409, `invite_required` 403, `not_group_admin` 403, `not_group_owner` 403, `invalid_battle` 400, `battle_not_found` 404, `battle_closed` 409, `battle_side_full` 409, `battle_not_ready` 409, `account_banned` 403, `console_header_required` 403, `role_required` 403.
         * @enum {string}
         */
        ErrorCode: "invalid_json" | "invalid_request" | "invalid_username" | "invalid_password" | "invalid_display_name" | "invalid_device_id" | "invalid_quantity" | "invalid_amount" | "invalid_currency" | "invalid_cursor" | "invalid_idempotency_key" | "invalid_score" | "invalid_avatar" | "invalid_action_token" | "action_token_expired" | "invalid_credentials" | "invalid_token" | "token_expired" | "invalid_refresh_token" | "forbidden" | "action_token_wrong_user" | "reauthentication_required" | "not_found" | "method_not_allowed" | "username_taken" | "not_a_guest" | "insufficient_funds" | "purchase_limit_reached" | "not_equippable" | "payload_too_large" | "unsupported_media_type" | "idempotency_key_reused" | "score_over_cap" | "score_overflow" | "rate_limited" | "internal_error" | "service_unavailable" | "request_timeout" | "upgrade_required" | "origin_not_allowed" | "token_wrong_lobby" | "not_lobby_member" | "lobby_not_found" | "wrong_edge_node" | "too_many_connections" | "edge_full" | "ticket_not_found" | "ticket_already_live" | "ticket_matched" | "lobby_full" | "lobby_started" | "party_not_found" | "party_full" | "invalid_join_code" | "invalid_mode" | "invalid_region" | "invalid_lobby_settings" | "not_party_leader" | "invalid_webhook_secret" | "invalid_group_name" | "invalid_group_tag" | "invalid_group_settings" | "group_not_found" | "group_member_not_found" | "invite_not_found" | "group_name_taken" | "already_group_member" | "group_full" | "too_many_groups" | "owner_must_transfer" | "invite_required" | "not_group_admin" | "not_group_owner" | "invalid_battle" | "battle_not_found" | "battle_closed" | "battle_side_full" | "battle_not_ready" | "account_banned" | "console_header_required" | "role_required";
        ErrorDetail: {
            /** @description A stable code: clients branch on it. Each code always comes with the same HTTP status. */
            code: components["schemas"]["ErrorCode"];
            /** @description For people; it may change. */
            message: string;
        };
        /** @description What a grant did. */
        Grant: {
            /** Format: int64 */
            amount: number;
            /** Format: int64 */
            balance: number;
            currency: string;
            reason: string;
            reference?: string | null;
            /** Format: uuid */
            user_id: string;
        };
        /** @enum {string} */
        GrantKind: "grant" | "refund";
        /** @description The answer of a grant (stored with its Idempotency-Key and replayed as it was). */
        GrantReceipt: {
            grant: components["schemas"]["Grant"];
        };
        GrantRequest: {
            /**
             * Format: int64
             * @description A whole number from 1 to 1 000 000 000.
             */
            amount: number;
            /** @example coins */
            currency: string;
            /**
             * @description 1–64 characters of letters, digits, `_`, `-`, `:` and `.`.
             * @example match_reward
             */
            reason: string;
            /** @description As `reason`. */
            reference?: string | null;
            /** Format: uuid */
            user_id: string;
        };
        /** @description A group with its member count. */
        Group: {
            /** Format: date-time */
            created_at: string;
            description: string;
            /** Format: uuid */
            id: string;
            /** Format: int64 */
            members: number;
            name: string;
            tag: string;
            /** @description `open`, `invite_only` or `private`. */
            visibility: string;
        };
        /** @description One page of the group leaderboard. */
        GroupBoardPage: {
            entries: components["schemas"]["Standing"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description A group as the caller sees it. */
        GroupView: components["schemas"]["Group"] & {
            /** @description The caller's role, `null` when not a member. */
            my_role?: string | null;
        };
        GuestRequest: {
            /**
             * @description 16–128 characters of `A–Z a–z 0–9 - _` (a UUID fits). The guest's only credential.
             * @example 0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b
             */
            device_id: string;
        };
        /** @description The items the caller owns. */
        Inventory: {
            items: components["schemas"]["OwnedItem"][];
        };
        /** @description An invite code as it was stored. */
        Invite: {
            code: string;
            /** Format: date-time */
            expires_at: string;
            /** Format: uuid */
            group_id: string;
            /** Format: int32 */
            max_uses: number;
        };
        /** @description The body of a join by code (a lobby's or a party's). */
        JoinByCode: {
            /**
             * @description Six characters of the code alphabet.
             * @example K7QX2M
             */
            code: string;
        };
        /** @description The body of a join by invite code. */
        JoinByInvite: {
            /**
             * @description Six characters of the code alphabet.
             * @example K7QX2M
             */
            code: string;
        };
        /** @description The public signing keys (RFC 7517), current and rotated-in; cacheable for five minutes. */
        Jwks: {
            keys: Record<string, never>[];
        };
        /** @description One line of a leaderboard as clients see it. */
        LeaderboardRow: {
            avatar_id?: string | null;
            display_name: string;
            /**
             * Format: int64
             * @description 1-based; ties are broken by who reached the value first.
             */
            rank: number;
            /** Format: uuid */
            user_id: string;
            /** Format: int64 */
            value: number;
        };
        LedgerEntry: {
            /** Format: int64 */
            amount: number;
            /** Format: int64 */
            balance_after: number;
            /** Format: date-time */
            created_at: string;
            currency: string;
            /** Format: int64 */
            id: number;
            reason: string;
            reference?: string | null;
        };
        /** @description One page of the ledger, newest first. */
        LedgerPage: {
            entries: components["schemas"]["LedgerEntry"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description What a leave did. */
        LeftGroup: {
            /** @description True when the caller was the last member and the group is gone. */
            disbanded: boolean;
        };
        LiveView: {
            /** @description At most 200; `lobbies_total` counts them all. */
            lobbies: components["schemas"]["LobbyView"][];
            lobbies_total: number;
            nodes: components["schemas"]["NodeView"][];
            queues: components["schemas"]["QueueView"][];
        };
        /** @description What the caller shows on their profile after an equip. */
        Loadout: {
            equipped: components["schemas"]["Equipped"];
        };
        /** @description A private lobby as a member sees it, with a join token of the member's own. */
        Lobby: {
            /** @description The join code to share. */
            code?: string | null;
            /** Format: int64 */
            created_at_ms: number;
            edge_url: string;
            host?: string | null;
            /** @description A join token (JWT of kind `join`) for the caller, fresh on each read. */
            join_token: string;
            /** @description `private` or `match`. */
            kind: string;
            lobby_id: string;
            /** Format: int32 */
            max_players: number;
            /** @description User ids, sorted. */
            members: string[];
            mode: string;
            region: string;
            /** Format: int32 */
            round_secs: number;
            /** @description `waiting` until the host starts the game. */
            state: string;
            /** @description `{edge_url}/ws/lobbies/{lobby_id}`. */
            ws_url: string;
        };
        /** @description Where to open a joined lobby's socket, and with which token. */
        LobbyJoined: {
            edge_url: string;
            join_token: string;
            lobby_id: string;
            ws_url: string;
        };
        /** @description One live lobby. */
        LobbyView: {
            code?: string | null;
            /** Format: int64 */
            created_at_ms: number;
            host?: string | null;
            id: string;
            /** @description `match` (formed by the matchmaker) or `private` (by join code). */
            kind: string;
            /** Format: int32 */
            max_players: number;
            mode: string;
            /** @description The owning edge node. */
            node: string;
            /** @description `waiting`, `playing` or `over`. */
            phase: string;
            players: string[];
            region: string;
        };
        /** @description One page of a player's matches, newest first. */
        MatchPage: {
            matches: components["schemas"]["MatchSummary"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        MatchSummary: {
            /** Format: int64 */
            coins_gained: number;
            /** Format: int32 */
            elo_after: number;
            /** Format: int32 */
            elo_before: number;
            /** Format: date-time */
            finished_at: string;
            /** Format: uuid */
            match_id: string;
            mode: string;
            role: string;
            won: boolean;
            /** Format: int64 */
            xp_gained: number;
        };
        /** @description One member of a group. */
        Member: {
            display_name: string;
            /** Format: int32 */
            elo: number;
            /** Format: date-time */
            joined_at: string;
            /** @description `owner`, `admin` or `member`. */
            role: string;
            /** Format: uuid */
            user_id: string;
        };
        /** @description One page of a group's members, in join order. */
        MemberPage: {
            members: components["schemas"]["Member"][];
            /** @description Pass as `cursor` for the next page; `null` on the last page. */
            next_cursor?: string | null;
        };
        /** @description The caller's groups. */
        MyGroups: {
            groups: components["schemas"]["GroupView"][];
        };
        NewBattle: {
            /** @description The caller's group, with `opponent_group`. */
            group_id?: string | null;
            /** @description challenge this group (a group id), for `group_id`: the caller must own or administer it. */
            opponent_group?: string | null;
            /** @description Challenge this player (a user id); or */
            opponent_id?: string | null;
        };
        NewGroup: {
            /** @description At most 200 characters. */
            description?: string | null;
            /** @description 3–32 characters after trimming, no control characters; unique case-insensitively. */
            name: string;
            /** @description 2–5 letters and digits (kept upper case). */
            tag: string;
            /** @description `open` (default), `invite_only` or `private`. */
            visibility?: string | null;
        };
        NewInvite: {
            /**
             * Format: int32
             * @description Joins the code allows: a whole number from 1 to 50; 25 by default.
             */
            max_uses?: number | null;
        };
        NewLobby: {
            /**
             * Format: int32
             * @description A whole number from 3 to 10; 10 by default.
             */
            max_players?: number | null;
            /** @description A served region; `DEFAULT_REGION` when omitted. */
            region?: string | null;
            /**
             * Format: int32
             * @description Round length: a whole number of seconds from 60 to 600; 180 by default.
             */
            round_secs?: number | null;
        };
        NewTicket: {
            /**
             * @description The game mode; only `party` (the default) exists.
             * @example party
             */
            mode?: string | null;
            /** @description Queue this party (the caller must be its leader). */
            party_id?: string | null;
            /**
             * @description A served region; `DEFAULT_REGION` when omitted.
             * @example local
             */
            region?: string | null;
        };
        /** @description One edge node. */
        NodeView: {
            /** Format: int32 */
            capacity: number;
            /** @description True while it drains (SIGTERM): it keeps its lobbies but takes no new ones. */
            draining: boolean;
            id: string;
            /** @description Lobbies it runs, as of its last heartbeat. */
            lobbies: number;
            /**
             * Format: int32
             * @description Players connected (plus seats reserved since its last heartbeat).
             */
            players: number;
            region: string;
            /** @description Where players reach it. */
            url: string;
        };
        OwnedItem: {
            /** Format: date-time */
            acquired_at: string;
            equipped: boolean;
            item_id: string;
            kind: string;
            name: string;
            /** Format: int64 */
            quantity: number;
        };
        /** @description A party as a member sees it, with its latest ticket when the member is on it. */
        Party: {
            /**
             * @description The join code to share.
             * @example K7QX2M
             */
            code: string;
            /** Format: int64 */
            created_at_ms: number;
            leader: string;
            /** Format: int32 */
            max_players: number;
            /** @description User ids, sorted. */
            members: string[];
            party_id: string;
            ticket?: null | components["schemas"]["Ticket"];
        };
        PasswordChange: {
            current_password: string;
            /** @description 8–128 characters. */
            new_password: string;
        };
        /** @description A player as a search result. */
        PlayerHit: {
            banned: boolean;
            /** Format: date-time */
            created_at: string;
            display_name: string;
            /** Format: uuid */
            id: string;
            is_guest: boolean;
            username?: string | null;
        };
        /** @description The player page's summary. */
        PlayerPage: {
            balances: components["schemas"]["Balance"][];
            /** @description Bounded by the catalogue. */
            inventory: components["schemas"]["OwnedItem"][];
            player: components["schemas"]["PlayerRecord"];
            /** @description Live sessions first, then the latest ended ones; at most 50. */
            sessions: components["schemas"]["SessionRecord"][];
        };
        /** @description A player as the console's player page shows them. */
        PlayerRecord: {
            avatar_id?: string | null;
            ban_reason?: string | null;
            /** Format: date-time */
            banned_at?: string | null;
            /** Format: date-time */
            created_at: string;
            /** @description The guest device ids bound to the account. */
            devices: string[];
            display_name: string;
            /** Format: int32 */
            elo: number;
            /** Format: int32 */
            games_played: number;
            /** Format: uuid */
            id: string;
            is_guest: boolean;
            username?: string | null;
            /** Format: int32 */
            wins: number;
            /** Format: int64 */
            xp: number;
        };
        /** @description A player's profile as anyone sees it. */
        Profile: {
            avatar_id?: string | null;
            /**
             * Format: date-time
             * @description RFC 3339, UTC.
             */
            created_at: string;
            display_name: string;
            /** Format: int32 */
            elo: number;
            /** Format: int32 */
            games_played: number;
            /** Format: uuid */
            id: string;
            /** Format: int32 */
            level: number;
            /**
             * Format: int64
             * @description The XP at which the next level starts.
             */
            next_level_xp: number;
            title_id?: string | null;
            /** Format: int32 */
            wins: number;
            /** Format: int64 */
            xp: number;
        };
        /** @description The allow-listed fields of a profile edit; anything else is refused. */
        ProfileEdit: {
            /** @description An avatar the caller owns. */
            avatar_id?: string | null;
            /** @description 1–32 characters after trimming, no control characters. */
            display_name?: string | null;
        };
        /** @description What a purchase did, for the caller to render its answer. */
        Purchase: {
            /** Format: int64 */
            balance: number;
            /** Format: int64 */
            cost: number;
            currency: string;
            item_id: string;
            /** Format: int64 */
            owned: number;
            /** Format: int64 */
            quantity: number;
        };
        /** @description The answer of a purchase (stored with its Idempotency-Key and replayed as it was). */
        PurchaseReceipt: {
            purchase: components["schemas"]["Purchase"];
        };
        PurchaseRequest: {
            /** @example avatar_fox */
            item_id: string;
            /**
             * Format: int64
             * @description A whole number from 1 to 100; 1 when omitted.
             */
            quantity?: number | null;
        };
        /** @description One matchmaking queue. */
        QueueView: {
            mode: string;
            region: string;
            /**
             * Format: int64
             * @description Tickets waiting.
             */
            waiting: number;
        };
        /** @description The ratings a searching ticket accepts. */
        RatingWindow: {
            /** Format: int64 */
            max: number;
            /** Format: int64 */
            min: number;
        };
        /** @description The answer of `/readyz`. */
        Readiness: {
            checks?: null | components["schemas"]["Checks"];
            /**
             * @description `"ready"`, `"draining"` (shutting down; no checks) or `"at_capacity"` (full; no new work).
             * @example ready
             */
            status: string;
        };
        /** @description How far the latest rebuild of a board got. */
        RebuildProgress: {
            /** Format: int64 */
            started_at_ms: number;
            /** @description `writing` or `done`. */
            state: string;
            /** Format: int64 */
            total: number;
            /** Format: int64 */
            updated_at_ms: number;
            /** Format: int64 */
            written: number;
        };
        /** @description A board's index, rebuilt from PostgreSQL. */
        Rebuilt: {
            board: string;
            /** @description Entries written to the index (0 when a rebuild was already running). */
            entries: number;
        };
        RefreshRequest: {
            /** @description The refresh token from the latest session response of this session. */
            refresh_token: string;
        };
        /**
         * @description What a staff member may do. Each role may do everything the one before it may.
         * @enum {string}
         */
        Role: "viewer" | "support" | "admin";
        RoleChange: {
            /** @description `admin` or `member`. */
            role: string;
        };
        /** @description What a score submission counted (stored with the action and replayed as it was). */
        ScoreCounted: {
            /** Format: uuid */
            action_id: string;
            boards: components["schemas"]["BoardValue"][];
            /** Format: int64 */
            delta: number;
        };
        ScoreRequest: {
            /** @description The token from `POST /api/actions`, for the caller. */
            action_token: string;
            /**
             * Format: int64
             * @description A whole number from 1 to the action's cap.
             */
            delta: number;
        };
        SearchResults: {
            /** @description At most 25, the exact id match first, then the newest accounts. */
            players: components["schemas"]["PlayerHit"][];
        };
        /** @description A new or refreshed session. */
        Session: {
            /** @description An RS256 JWT of kind `access`: send it as `Authorization: Bearer <access_token>`. */
            access_token: string;
            /**
             * Format: int64
             * @description Seconds until the access token expires.
             */
            expires_in: number;
            /**
             * Format: int64
             * @description Seconds until the refresh token expires (each refresh issues a new one).
             */
            refresh_expires_in: number;
            /** @description Opaque, 43 characters, shown once and usable once. */
            refresh_token: string;
            /**
             * @description Always `"Bearer"`.
             * @example Bearer
             */
            token_type: string;
            user: components["schemas"]["User"];
        };
        /** @description One session (refresh-token family) of a player. */
        SessionRecord: {
            /** Format: date-time */
            expires_at: string;
            /** Format: uuid */
            id: string;
            /**
             * Format: date-time
             * @description When its latest refresh token was issued.
             */
            last_refreshed_at: string;
            live: boolean;
            /** Format: date-time */
            started_at: string;
        };
        SessionsEnded: {
            /** @description The sessions that were live and are now ended (empty: nothing was live; no audit row). */
            ended: string[];
        };
        StaffCredentials: {
            password: string;
            /** @example ops-alice */
            username: string;
        };
        /** @description A staff account as the console shows it. */
        StaffView: {
            /** Format: uuid */
            id: string;
            role: components["schemas"]["Role"];
            username: string;
        };
        /** @description One line of the group leaderboard. */
        Standing: {
            /** Format: uuid */
            group_id: string;
            /** Format: int64 */
            members: number;
            name: string;
            /** Format: int64 */
            rank: number;
            /**
             * Format: int32
             * @description The average rating (Elo) of the members, rounded to the nearest whole number.
             */
            rating: number;
            tag: string;
        };
        StoreItem: {
            currency: string;
            description: string;
            id: string;
            kind: string;
            name: string;
            /** Format: int32 */
            per_user_limit?: number | null;
            /** Format: int64 */
            price: number;
        };
        TelegramChat: {
            /** Format: int64 */
            id: number;
        };
        /** @description A link code and the bot link that spends it. */
        TelegramLinkCode: {
            /** @description Single use; 22 characters of `A–Z a–z 0–9 - _`. */
            code: string;
            /**
             * Format: int64
             * @description Seconds until the code expires (`TELEGRAM_LINK_CODE_TTL`).
             */
            expires_in: number;
            /** @description Open it in Telegram and press Start: `https://t.me/<bot>?start=<code>`. */
            url: string;
        };
        TelegramMessage: {
            chat: components["schemas"]["TelegramChat"];
            text?: string | null;
        };
        /** @description The part of a Telegram `Update` the webhook reads; every other field is ignored. */
        TelegramUpdate: {
            message?: null | components["schemas"]["TelegramMessage"];
            /** Format: int64 */
            update_id: number;
        };
        /**
         * @description A ticket as a player on it sees it. The searching-only and matched-only fields are present
         *     only in that status.
         */
        Ticket: {
            /** Format: int64 */
            created_at_ms: number;
            /** @description Matched only. */
            edge_url?: string | null;
            /**
             * Format: int64
             * @description Searching: when it expires unmatched. Matched: until when it answers its match.
             */
            expires_at_ms: number;
            /** @description Matched only: a join token (JWT of kind `join`) for the calling player, fresh on each read. */
            join_token?: string | null;
            /** @description Matched only. */
            lobby_id?: string | null;
            /**
             * Format: int64
             * @description Matched only.
             */
            matched_at_ms?: number | null;
            mode: string;
            party_id?: string | null;
            /** @description Every player on the ticket (user ids). */
            players: string[];
            /**
             * Format: int32
             * @description The player's Elo or the party's average.
             */
            rating: number;
            region: string;
            /**
             * @description `searching`, `matched`, `cancelled` or `expired`.
             * @example searching
             */
            status: string;
            ticket_id: string;
            /**
             * Format: int64
             * @description Searching only.
             */
            waited_ms?: number | null;
            /** @description Searching only: `players`, or `edge_node` when no game node with room is live. */
            waiting_for?: string | null;
            window?: null | components["schemas"]["RatingWindow"];
            /** @description Matched only: `{edge_url}/ws/lobbies/{lobby_id}`. */
            ws_url?: string | null;
        };
        Transfer: {
            /** @description The member who becomes the owner; the old owner becomes an admin. */
            user_id: string;
        };
        UnbanRequest: {
            /** @description Why (1–500 characters), for the audit log. */
            reason: string;
        };
        /** @description An account as its owner sees it. */
        User: {
            avatar_id?: string | null;
            /** Format: date-time */
            created_at: string;
            display_name: string;
            /**
             * Format: uuid
             * @description Never changes, also not when a guest is upgraded.
             */
            id: string;
            is_guest: boolean;
            /** @description As registered, with its case; `null` for a guest. */
            username?: string | null;
        };
        /**
         * @description What the webhook answers: nothing to do, or one Bot API call that Telegram makes on the
         *     answer (`sendMessage` to the chat that wrote).
         */
        WebhookReply: {
            /** Format: int64 */
            chat_id?: number | null;
            method?: string | null;
            text?: string | null;
        };
    };
    responses: {
        /** @description `internal_error` */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `invalid_json` */
        InvalidJson: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `payload_too_large` */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `rate_limited` */
        RateLimited: {
            headers: {
                /** @description Whole seconds to wait before retrying, at least 1. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `request_timeout` */
        RequestTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `service_unavailable` */
        ServiceUnavailable: {
            headers: {
                /** @description Whole seconds to wait before retrying, at least 1. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `unsupported_media_type` */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
