export type Role = "agent" | "mole";
export type Side = "agents" | "moles";
export interface LobbyPlayer {
    user_id: string;
    name: string;
    rating: number;
    ready: boolean;
    connected: boolean;
    host: boolean;
}
export interface Lobby {
    id: string;
    kind: "match" | "private";
    state: "waiting" | "playing" | "over";
    host: string | null;
    code: string | null;
    settings: {
        round_secs: number;
        max_players: number;
    };
    players: LobbyPlayer[];
}
export interface PlayerStatus {
    user: string;
    heat: number;
    suspected_by: number;
    connected: boolean;
    cleared: boolean;
}
export interface PlayerResult {
    user: string;
    role: Role;
    heat: number;
    final_suspect: string | null;
    won: boolean;
    rating_before: number;
    rating_delta: number;
    xp: number;
    coins: number;
}
export interface Outcome {
    winner: Side | null;
    reason: {
        kind: "exposed";
        user: string;
    } | {
        kind: "tie_at_top";
    } | {
        kind: "forfeit";
        side: Side;
    } | {
        kind: "abandoned";
    };
    players: PlayerResult[];
}
/** One player's view of a running game: `game` in WELCOME and GAME_STARTED, the body of TICK. */
export interface GameView {
    you: string;
    role: Role;
    fellow_moles: {
        user: string;
        target: string | null;
    }[];
    round_secs: number;
    remaining_secs: number;
    target: string | null;
    players: PlayerStatus[];
    outcome: Outcome | null;
}
export type Headline = {
    kind: "innocent_cleared";
    user: string;
} | {
    kind: "mole_suspects";
    target: string | null;
} | {
    kind: "agents_on_mole";
    agents: number;
} | {
    kind: "most_suspected";
    user: string;
    suspicions: number;
};
export type ServerMessage = {
    t: "WELCOME";
    seq: number;
    lobby: Lobby;
    you: {
        user_id: string;
    };
    game: GameView | null;
    resumed: boolean;
    replayed: number;
} | {
    t: "LOBBY";
    seq: number;
    lobby: Lobby;
} | {
    t: "GAME_STARTED";
    seq: number;
    game: GameView;
} | ({
    t: "TICK";
    seq: number;
    server_ms: number;
} & GameView) | {
    t: "NEWS";
    seq: number;
    headline: Headline;
    text: string;
} | {
    t: "CHAT";
    seq: number;
    from: string;
    name: string;
    text: string;
} | {
    t: "GAME_OVER";
    seq: number;
    outcome: Outcome;
    you: PlayerResult | null;
} | {
    t: "ERROR";
    seq: number;
    code: string;
    message: string;
} | {
    t: "PONG";
    seq: number;
    nonce: number | null;
};
export type MessageType = ServerMessage["t"];
/** The message of type `T`. */
export type MessageOf<T extends MessageType> = Extract<ServerMessage, {
    t: T;
}>;
export type ClientMessage = {
    t: "SUSPECT";
    target: string | null;
} | {
    t: "CHAT";
    text: string;
} | {
    t: "READY";
    ready?: boolean;
} | {
    t: "START";
} | {
    t: "PING";
    nonce?: number;
};
/** Messages that describe state: numbered by the latest event, never replayed. */
export declare const STATE_MESSAGES: ReadonlySet<string>;
export type PlayerEvent = {
    t: "battle:invite";
    seq: number;
    battle_id: string;
    kind: "players" | "groups";
    side: "challenger" | "opponent";
    challenger_id: string | null;
    challenger_group: string | null;
    opponent_group: string | null;
} | {
    t: "battle:join";
    seq: number;
    battle_id: string;
    user_id: string;
    side: "challenger" | "opponent";
} | {
    t: "battle:begin";
    seq: number;
    battle_id: string;
    lobby_id: string;
    edge_url: string;
    ws_url: string;
} | {
    t: "battle:finished";
    seq: number;
    battle_id: string;
    match_id: string;
    winner: "challenger" | "opponent" | "draw";
} | {
    t: "leaderboard";
    seq: number;
    board: string;
    value: number;
    rank: number | null;
};
export interface PlayerWelcome {
    t: "WELCOME";
    seq: number;
    user_id: string;
    resumed: boolean;
    replayed: number;
}
export interface BoardEntry {
    rank: number;
    user_id: string;
    display_name: string;
    avatar_id: string | null;
    value: number;
}
/** One `top` event: the board's whole top as of `version`. */
export interface BoardTop {
    board: string;
    version: number;
    entries: BoardEntry[];
}
