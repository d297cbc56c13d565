//! Battles: a challenge between two players, or two groups, played as one match of the party game.
//!
//! `open` (players join their side) → `playing` (a lobby was opened for the players; its id is the
//! match id) → `finished` (the match was recorded: [`finish`] runs inside the transaction of
//! `matches::record`, which commits once per match id, so a battle finishes exactly once).
//!
//! The winner is the side with more of its players on the match's winning team (the game's teams,
//! moles and agents, are drawn at random across both sides); equal counts are a draw.

use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;
use whoosh_core::ErrorCode;

/// Players a side holds at most (two full sides fill a lobby of ten).
pub const MAX_SIDE: i64 = 5;
/// Players a battle needs to begin: the game's minimum.
pub const MIN_PLAYERS: usize = 3;

/// A battle and its players.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Battle {
    pub id: Uuid,
    /// `players` or `groups`.
    pub kind: String,
    /// `open`, `playing` or `finished`.
    pub state: String,
    pub challenger_id: Option<Uuid>,
    pub opponent_id: Option<Uuid>,
    pub challenger_group: Option<Uuid>,
    pub opponent_group: Option<Uuid>,
    /// The lobby (and match) id once the battle began.
    pub lobby_id: Option<Uuid>,
    /// `challenger`, `opponent` or `draw` once finished.
    pub winner: Option<String>,
    pub players: Vec<BattlePlayer>,
    /// Players invited to a side of a player battle who have not joined it yet.
    pub invited: Vec<BattlePlayer>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// One player of a battle and their side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct BattlePlayer {
    pub user_id: Uuid,
    /// `challenger` or `opponent`.
    pub side: String,
}

impl Battle {
    pub fn user_ids(&self) -> Vec<Uuid> {
        self.players.iter().map(|p| p.user_id).collect()
    }
}

#[derive(sqlx::FromRow)]
struct BattleRow {
    id: Uuid,
    kind: String,
    state: String,
    challenger_id: Option<Uuid>,
    opponent_id: Option<Uuid>,
    challenger_group: Option<Uuid>,
    opponent_group: Option<Uuid>,
    lobby_id: Option<Uuid>,
    winner: Option<String>,
    created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, kind, state, challenger_id, opponent_id, challenger_group, opponent_group, lobby_id, winner, created_at";

/// A failure a client can act on (answered with its code), or a database error.
#[derive(Debug, thiserror::Error)]
pub enum BattleError {
    #[error("{1}")]
    Rejected(ErrorCode, &'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn reject(code: ErrorCode, message: &'static str) -> BattleError {
    BattleError::Rejected(code, message)
}

fn not_found() -> BattleError {
    reject(ErrorCode::BattleNotFound, "no such battle")
}

/// Whom a battle challenges.
#[derive(Debug, Clone, Copy)]
pub enum Challenge {
    /// One player challenges another.
    Player { opponent: Uuid },
    /// An owner or admin of `mine` challenges the group `theirs`.
    Group { mine: Uuid, theirs: Uuid },
}

/// A new battle and who is invited to it (the opponent player, or the owner and admins of the
/// opponent group).
#[derive(Debug, Clone)]
pub struct Created {
    pub battle: Battle,
    pub invited: Vec<Uuid>,
}

/// Opens a battle with `challenger` on the challenger side.
pub async fn create(
    db: &PgPool,
    id: Uuid,
    challenger: Uuid,
    challenge: Challenge,
) -> Result<Created, BattleError> {
    let mut tx = db.begin().await?;
    let (kind, opponent, groups, invited) = match challenge {
        Challenge::Player { opponent } => {
            if opponent == challenger {
                return Err(reject(
                    ErrorCode::InvalidBattle,
                    "a player cannot challenge themselves",
                ));
            }
            let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(opponent)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(reject(ErrorCode::NotFound, "no such player"));
            }
            ("players", Some(opponent), (None, None), vec![opponent])
        }
        Challenge::Group { mine, theirs } => {
            if mine == theirs {
                return Err(reject(
                    ErrorCode::InvalidBattle,
                    "a group cannot challenge itself",
                ));
            }
            let role: Option<String> = sqlx::query_scalar(
                "SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2",
            )
            .bind(mine)
            .bind(challenger)
            .fetch_optional(&mut *tx)
            .await?;
            match role.as_deref() {
                Some("owner" | "admin") => {}
                Some(_) => {
                    return Err(reject(
                        ErrorCode::NotGroupAdmin,
                        "only the owner or an admin may challenge for a group",
                    ));
                }
                None => return Err(reject(ErrorCode::GroupNotFound, "no such group")),
            }
            let visibility: Option<String> =
                sqlx::query_scalar("SELECT visibility FROM groups WHERE id = $1")
                    .bind(theirs)
                    .fetch_optional(&mut *tx)
                    .await?;
            if visibility.is_none_or(|v| v == "private") {
                return Err(reject(ErrorCode::GroupNotFound, "no such group"));
            }
            let staff: Vec<Uuid> = sqlx::query_scalar(
                "SELECT user_id FROM group_members WHERE group_id = $1 AND role IN ('owner', 'admin')
                 ORDER BY position",
            )
            .bind(theirs)
            .fetch_all(&mut *tx)
            .await?;
            ("groups", None, (Some(mine), Some(theirs)), staff)
        }
    };
    sqlx::query(
        "INSERT INTO battles (id, kind, challenger_id, opponent_id, challenger_group, opponent_group, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'open')",
    )
    .bind(id)
    .bind(kind)
    .bind(challenger)
    .bind(opponent)
    .bind(groups.0)
    .bind(groups.1)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO battle_players (battle_id, user_id, side) VALUES ($1, $2, 'challenger')",
    )
    .bind(id)
    .bind(challenger)
    .execute(&mut *tx)
    .await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    // The invitation reaches the invited players' linked chats too, exactly once per battle and
    // player (in this transaction: no battle without its invitations, none twice).
    let (from, group): (String, Option<String>) = sqlx::query_as(
        "SELECT u.display_name, (SELECT g.name FROM groups g WHERE g.id = $2)
         FROM users u WHERE u.id = $1",
    )
    .bind(challenger)
    .bind(groups.0)
    .fetch_one(&mut *tx)
    .await?;
    for user in &invited {
        enqueue_invitation(&mut tx, id, *user, &from, group.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(Created { battle, invited })
}

/// Queues the notification of an invitation to battle `id`, once per battle and player (the
/// idempotency key), in the transaction that made the invitation.
async fn enqueue_invitation(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    user: Uuid,
    from: &str,
    group: Option<&str>,
) -> Result<(), sqlx::Error> {
    crate::notifications::enqueue(
        &mut **tx,
        &crate::notifications::NewNotification {
            user_id: user,
            kind: crate::notifications::Kind::BattleInvitation,
            payload: serde_json::json!({
                "battle_id": id,
                "from_display_name": from,
                "group_name": group,
            }),
            idempotency_key: format!("battle_invitation:{id}:{user}"),
        },
    )
    .await?;
    Ok(())
}

/// What an invitation did.
#[derive(Debug, Clone)]
pub struct Invited {
    pub battle: Battle,
    /// The side the invited player joins.
    pub side: &'static str,
    /// False when the player was already invited or playing: nothing changed.
    pub added: bool,
}

/// `inviter`, a player of the open player battle `id`, invites `invitee` to the inviter's side
/// (a duel takes seconds: the game needs at least [`MIN_PLAYERS`]). The invitee hears of it by
/// notification, sees the battle and joins it like the challenged player. Inviting a player who
/// is already invited or playing changes nothing.
pub async fn invite(
    db: &PgPool,
    id: Uuid,
    inviter: Uuid,
    invitee: Uuid,
) -> Result<Invited, BattleError> {
    let mut tx = db.begin().await?;
    let battle = load(&mut tx, id, true).await?.ok_or_else(not_found)?;
    let side = match battle.players.iter().find(|p| p.user_id == inviter) {
        Some(p) if p.side == "challenger" => "challenger",
        Some(_) => "opponent",
        None => return Err(not_found()),
    };
    if battle.kind != "players" {
        return Err(reject(
            ErrorCode::InvalidBattle,
            "a group battle is joined by its groups' members, without invitations",
        ));
    }
    if battle.state != "open" {
        return Err(reject(
            ErrorCode::BattleClosed,
            "the battle has begun; it takes no new players",
        ));
    }
    if let Some(theirs) = side_for(&mut tx, &battle, invitee).await? {
        return Ok(Invited {
            battle,
            side: theirs,
            added: false,
        });
    }
    let from: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(inviter)
        .fetch_optional(&mut *tx)
        .await?;
    let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(invitee)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(reject(ErrorCode::NotFound, "no such player"));
    }
    sqlx::query(
        "INSERT INTO battle_invites (battle_id, user_id, side, invited_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(invitee)
    .bind(side)
    .bind(inviter)
    .execute(&mut *tx)
    .await?;
    enqueue_invitation(
        &mut tx,
        id,
        invitee,
        from.as_deref().unwrap_or_default(),
        None,
    )
    .await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(Invited {
        battle,
        side,
        added: true,
    })
}

async fn load(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    lock: bool,
) -> Result<Option<Battle>, sqlx::Error> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<BattleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM battles WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let players: Vec<BattlePlayer> = sqlx::query_as(
        "SELECT user_id, side FROM battle_players WHERE battle_id = $1 ORDER BY joined_at, user_id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let invited: Vec<BattlePlayer> = sqlx::query_as(
        "SELECT i.user_id, i.side FROM battle_invites i
         WHERE i.battle_id = $1
           AND NOT EXISTS (SELECT 1 FROM battle_players p WHERE p.battle_id = i.battle_id AND p.user_id = i.user_id)
         ORDER BY i.created_at, i.user_id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some(Battle {
        id: row.id,
        kind: row.kind,
        state: row.state,
        challenger_id: row.challenger_id,
        opponent_id: row.opponent_id,
        challenger_group: row.challenger_group,
        opponent_group: row.opponent_group,
        lobby_id: row.lobby_id,
        winner: row.winner,
        players,
        invited,
        created_at: row.created_at,
    }))
}

/// The groups of `user` among `groups`.
async fn member_of(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    groups: &[Option<Uuid>],
) -> Result<Vec<Uuid>, sqlx::Error> {
    let groups: Vec<Uuid> = groups.iter().flatten().copied().collect();
    sqlx::query_scalar(
        "SELECT group_id FROM group_members WHERE user_id = $1 AND group_id = ANY($2)",
    )
    .bind(user)
    .bind(&groups)
    .fetch_all(&mut **tx)
    .await
}

/// Which side `user` may play on, if any: the challenged player, or a player invited to a side
/// of a player battle; for a group battle, a member of either group (a member of both plays for
/// the challengers).
async fn side_for(
    tx: &mut Transaction<'_, Postgres>,
    battle: &Battle,
    user: Uuid,
) -> Result<Option<&'static str>, sqlx::Error> {
    if let Some(p) = battle.players.iter().find(|p| p.user_id == user) {
        return Ok(Some(if p.side == "challenger" {
            "challenger"
        } else {
            "opponent"
        }));
    }
    if battle.kind == "players" {
        if battle.opponent_id == Some(user) {
            return Ok(Some("opponent"));
        }
        let invited: Option<String> = sqlx::query_scalar(
            "SELECT side FROM battle_invites WHERE battle_id = $1 AND user_id = $2",
        )
        .bind(battle.id)
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
        return Ok(invited.map(|side| {
            if side == "challenger" {
                "challenger"
            } else {
                "opponent"
            }
        }));
    }
    let groups = member_of(tx, user, &[battle.challenger_group, battle.opponent_group]).await?;
    Ok(
        if battle.challenger_group.is_some_and(|g| groups.contains(&g)) {
            Some("challenger")
        } else if battle.opponent_group.is_some_and(|g| groups.contains(&g)) {
            Some("opponent")
        } else {
            None
        },
    )
}

/// The battle as `viewer` may see it: its players, the challenged player, and members of the
/// two groups see it; anyone else gets 404.
pub async fn view(db: &PgPool, id: Uuid, viewer: Uuid) -> Result<Battle, BattleError> {
    let mut tx = db.begin().await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    if side_for(&mut tx, &battle, viewer).await?.is_none() {
        return Err(not_found());
    }
    Ok(battle)
}

/// What a join did.
#[derive(Debug, Clone)]
pub struct Joined {
    pub battle: Battle,
    pub side: &'static str,
    /// False when the player was on the battle already (nothing changed).
    pub added: bool,
}

/// `user` joins their side of an open battle (accepting the challenge, for the challenged player).
pub async fn join(db: &PgPool, id: Uuid, user: Uuid) -> Result<Joined, BattleError> {
    let mut tx = db.begin().await?;
    let battle = load(&mut tx, id, true).await?.ok_or_else(not_found)?;
    let side = side_for(&mut tx, &battle, user)
        .await?
        .ok_or_else(not_found)?;
    if battle.players.iter().any(|p| p.user_id == user) {
        return Ok(Joined {
            battle,
            side,
            added: false,
        });
    }
    if battle.state != "open" {
        return Err(reject(
            ErrorCode::BattleClosed,
            "the battle has begun; it takes no new players",
        ));
    }
    let on_side = battle.players.iter().filter(|p| p.side == side).count() as i64;
    if on_side >= MAX_SIDE {
        return Err(reject(
            ErrorCode::BattleSideFull,
            "this side holds its 5 players",
        ));
    }
    sqlx::query("INSERT INTO battle_players (battle_id, user_id, side) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(user)
        .bind(side)
        .execute(&mut *tx)
        .await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(Joined {
        battle,
        side,
        added: true,
    })
}

/// Checks that `actor` (a player of the battle) may begin it now: open, both sides present, at
/// least [`MIN_PLAYERS`] players. Returns the battle (its players become the lobby's members).
pub async fn ready(db: &PgPool, id: Uuid, actor: Uuid) -> Result<Battle, BattleError> {
    let mut tx = db.begin().await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    check_ready(&battle, actor)?;
    Ok(battle)
}

fn check_ready(battle: &Battle, actor: Uuid) -> Result<(), BattleError> {
    if !battle.players.iter().any(|p| p.user_id == actor) {
        return Err(not_found());
    }
    if battle.state != "open" {
        return Err(reject(ErrorCode::BattleClosed, "the battle has begun"));
    }
    let sides = ["challenger", "opponent"]
        .map(|side| battle.players.iter().filter(|p| p.side == side).count());
    if sides.contains(&0) || battle.players.len() < MIN_PLAYERS {
        return Err(reject(
            ErrorCode::BattleNotReady,
            "a battle begins with both sides present and at least 3 players (a player battle's sides invite players of their own)",
        ));
    }
    Ok(())
}

/// Marks the battle begun in `lobby` unless it began meanwhile (`Ok(None)`: the caller's lobby is
/// not used) or its players changed since [`ready`].
pub async fn begin(
    db: &PgPool,
    id: Uuid,
    actor: Uuid,
    lobby: Uuid,
    players: &[BattlePlayer],
) -> Result<Option<Battle>, BattleError> {
    let mut tx = db.begin().await?;
    let battle = load(&mut tx, id, true).await?.ok_or_else(not_found)?;
    if battle.state != "open" || battle.players != players {
        return Ok(None);
    }
    check_ready(&battle, actor)?;
    sqlx::query(
        "UPDATE battles SET state = 'playing', lobby_id = $2, began_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(lobby)
    .execute(&mut *tx)
    .await?;
    let battle = load(&mut tx, id, false).await?.ok_or_else(not_found)?;
    for p in &battle.players {
        let group_id = if p.side == "challenger" {
            battle.challenger_group
        } else {
            battle.opponent_group
        };
        crate::analytics::record(
            &mut *tx,
            &crate::analytics::Event::BattleStarted {
                user_id: p.user_id,
                battle_id: id,
                group_id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(battle))
}

/// A battle finished by a recorded match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub battle_id: Uuid,
    pub match_id: Uuid,
    /// `challenger`, `opponent` or `draw`.
    pub winner: String,
    pub players: Vec<Uuid>,
}

/// Finishes the battle played in lobby `match_id` (if any is playing there), given which players
/// won: inside the transaction that records the match, so once per match.
pub async fn finish(
    tx: &mut Transaction<'_, Postgres>,
    match_id: Uuid,
    winners: &[Uuid],
) -> Result<Option<Finished>, sqlx::Error> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM battles WHERE lobby_id = $1 AND state = 'playing' FOR UPDATE",
    )
    .bind(match_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let players: Vec<BattlePlayer> =
        sqlx::query_as("SELECT user_id, side FROM battle_players WHERE battle_id = $1")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
    let score = |side: &str| {
        players
            .iter()
            .filter(|p| p.side == side && winners.contains(&p.user_id))
            .count()
    };
    let winner = match score("challenger").cmp(&score("opponent")) {
        std::cmp::Ordering::Greater => "challenger",
        std::cmp::Ordering::Less => "opponent",
        std::cmp::Ordering::Equal => "draw",
    };
    sqlx::query(
        "UPDATE battles SET state = 'finished', winner = $2, finished_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(winner)
    .execute(&mut **tx)
    .await?;
    for p in &players {
        crate::analytics::record(
            &mut **tx,
            &crate::analytics::Event::BattleFinished {
                user_id: p.user_id,
                battle_id: id,
                won: p.side == winner,
                rank: None,
            },
        )
        .await?;
    }
    Ok(Some(Finished {
        battle_id: id,
        match_id,
        winner: winner.to_owned(),
        players: players.iter().map(|p| p.user_id).collect(),
    }))
}
