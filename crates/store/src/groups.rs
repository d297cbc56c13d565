//! Groups (clans): creation, membership with roles, invite codes, the group leaderboard, and what
//! happens to a player's groups when the account is deleted.
//!
//! Every change runs in one transaction that first locks the group row (`FOR UPDATE`), so two
//! concurrent changes of one group see each other; a join also locks the joining player's `users`
//! row, so the per-player group cap holds under concurrent joins to different groups.

use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;
use whoosh_core::{ErrorCode, GroupDescription, GroupName, GroupRole, GroupTag, Visibility};

/// Members a group holds at most.
pub const MAX_MEMBERS: i64 = 50;
/// Groups a player may be a member of at once.
pub const MAX_GROUPS_PER_PLAYER: i64 = 5;

/// A group with its member count.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub tag: String,
    pub description: String,
    /// `open`, `invite_only` or `private`.
    pub visibility: String,
    pub members: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// One member of a group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Member {
    pub user_id: Uuid,
    pub display_name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    pub elo: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
    /// Join order (for cursors).
    #[serde(skip)]
    pub position: i64,
}

/// One line of the group leaderboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Standing {
    pub rank: i64,
    pub group_id: Uuid,
    pub name: String,
    pub tag: String,
    pub members: i64,
    /// The average rating (Elo) of the members, rounded to the nearest whole number.
    pub rating: i32,
}

/// A failure a client can act on (answered with its code), or a database error.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("{1}")]
    Rejected(ErrorCode, &'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn reject(code: ErrorCode, message: &'static str) -> GroupError {
    GroupError::Rejected(code, message)
}

fn not_found() -> GroupError {
    reject(ErrorCode::GroupNotFound, "no such group")
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: Uuid,
    name: String,
    tag: String,
    description: String,
    visibility: String,
    members: i64,
    created_at: OffsetDateTime,
}

impl From<GroupRow> for Group {
    fn from(r: GroupRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            tag: r.tag,
            description: r.description,
            visibility: r.visibility,
            members: r.members,
            created_at: r.created_at,
        }
    }
}

const GROUP_COLUMNS: &str = "g.id, g.name, g.tag, g.description, g.visibility, g.created_at,
     (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS members";

/// What [`create`] makes.
#[derive(Debug)]
pub struct NewGroup<'a> {
    pub id: Uuid,
    pub name: &'a GroupName,
    pub tag: &'a GroupTag,
    pub description: &'a GroupDescription,
    pub visibility: Visibility,
    pub owner: Uuid,
}

/// Creates a group owned by `new.owner`. 409 `group_name_taken` when the name (case-folded) is
/// used; 409 `too_many_groups` when the owner is at the cap.
pub async fn create(db: &PgPool, new: &NewGroup<'_>) -> Result<Group, GroupError> {
    let mut tx = db.begin().await?;
    lock_player_with_room(&mut tx, new.owner).await?;
    let inserted = sqlx::query(
        "INSERT INTO groups (id, name, name_key, tag, description, visibility) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT groups_name_key_unique DO NOTHING",
    )
    .bind(new.id)
    .bind(new.name.as_str())
    .bind(new.name.key())
    .bind(new.tag.as_str())
    .bind(new.description.as_str())
    .bind(new.visibility.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(reject(
            ErrorCode::GroupNameTaken,
            "a group already has that name",
        ));
    }
    sqlx::query("INSERT INTO group_members (group_id, user_id, role) VALUES ($1, $2, 'owner')")
        .bind(new.id)
        .bind(new.owner)
        .execute(&mut *tx)
        .await?;
    let group = fetch(&mut tx, new.id).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(group)
}

/// Locks the player's row and checks they may join one more group.
async fn lock_player_with_room(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
) -> Result<(), GroupError> {
    let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(reject(ErrorCode::NotFound, "the account no longer exists"));
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM group_members WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut **tx)
        .await?;
    if count >= MAX_GROUPS_PER_PLAYER {
        return Err(reject(
            ErrorCode::TooManyGroups,
            "a player may be a member of at most 5 groups",
        ));
    }
    Ok(())
}

async fn fetch(tx: &mut Transaction<'_, Postgres>, id: Uuid) -> Result<Option<Group>, sqlx::Error> {
    let row: Option<GroupRow> = sqlx::query_as(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Group::from))
}

/// The group `id` as `viewer` may see it: a private group is only seen by its members. Returns the
/// viewer's role too.
pub async fn view(
    db: &PgPool,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<(Group, Option<GroupRole>), GroupError> {
    let row: Option<GroupRow> = sqlx::query_as(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    let group = Group::from(row.ok_or_else(not_found)?);
    let role = match viewer {
        Some(user) => role_in(db, id, user).await?,
        None => None,
    };
    if group.visibility == Visibility::Private.as_str() && role.is_none() {
        return Err(not_found());
    }
    Ok((group, role))
}

async fn role_in<'e, E>(db: E, group: Uuid, user: Uuid) -> Result<Option<GroupRole>, GroupError>
where
    E: sqlx::PgExecutor<'e>,
{
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group)
            .bind(user)
            .fetch_optional(db)
            .await?;
    Ok(role.and_then(|r| GroupRole::parse(&r).ok()))
}

/// Locks the group and returns its visibility and `actor`'s role there. A private group is not
/// found for a non-member.
async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    group: Uuid,
    actor: Uuid,
) -> Result<(Visibility, Option<GroupRole>), GroupError> {
    let visibility: Option<String> =
        sqlx::query_scalar("SELECT visibility FROM groups WHERE id = $1 FOR UPDATE")
            .bind(group)
            .fetch_optional(&mut **tx)
            .await?;
    let visibility = visibility
        .and_then(|v| Visibility::parse(&v).ok())
        .ok_or_else(not_found)?;
    let role = role_in(&mut **tx, group, actor).await?;
    if visibility == Visibility::Private && role.is_none() {
        return Err(not_found());
    }
    Ok((visibility, role))
}

/// Joins an open group. 403 `invite_required` for an invite-only group (and 404 for a private one).
pub async fn join_open(db: &PgPool, group: Uuid, user: Uuid) -> Result<Group, GroupError> {
    let mut tx = db.begin().await?;
    let (visibility, role) = lock(&mut tx, group, user).await?;
    if role.is_some() {
        return Err(reject(
            ErrorCode::AlreadyGroupMember,
            "you are a member of this group",
        ));
    }
    if visibility != Visibility::Open {
        return Err(reject(
            ErrorCode::InviteRequired,
            "this group takes new members by invite code",
        ));
    }
    add_member(&mut tx, group, user).await?;
    let joined = fetch(&mut tx, group).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(joined)
}

/// Joins the group an invite code opens; the code counts one use. 404 `invite_not_found` when
/// the code is unknown, expired or used up.
pub async fn join_by_invite(db: &PgPool, code: &str, user: Uuid) -> Result<Group, GroupError> {
    let mut tx = db.begin().await?;
    let group: Option<Uuid> = sqlx::query_scalar(
        "SELECT group_id FROM group_invites WHERE code = $1 AND expires_at > now() AND uses < max_uses",
    )
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?;
    let group = group.ok_or_else(|| {
        reject(
            ErrorCode::InviteNotFound,
            "no such invite code, or it expired or was used up",
        )
    })?;
    // Group first, then the invite: the same order as every other change of the group.
    let visibility: Option<String> =
        sqlx::query_scalar("SELECT visibility FROM groups WHERE id = $1 FOR UPDATE")
            .bind(group)
            .fetch_optional(&mut *tx)
            .await?;
    visibility.ok_or_else(not_found)?;
    let used = sqlx::query(
        "UPDATE group_invites SET uses = uses + 1 WHERE code = $1 AND expires_at > now() AND uses < max_uses",
    )
    .bind(code)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if used == 0 {
        return Err(reject(
            ErrorCode::InviteNotFound,
            "no such invite code, or it expired or was used up",
        ));
    }
    if role_in(&mut *tx, group, user).await?.is_some() {
        return Err(reject(
            ErrorCode::AlreadyGroupMember,
            "you are a member of this group",
        ));
    }
    add_member(&mut tx, group, user).await?;
    let joined = fetch(&mut tx, group).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(joined)
}

/// Adds `user` as a plain member of a locked group, within both caps.
async fn add_member(
    tx: &mut Transaction<'_, Postgres>,
    group: Uuid,
    user: Uuid,
) -> Result<(), GroupError> {
    lock_player_with_room(tx, user).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM group_members WHERE group_id = $1")
        .bind(group)
        .fetch_one(&mut **tx)
        .await?;
    if count >= MAX_MEMBERS {
        return Err(reject(
            ErrorCode::GroupFull,
            "the group holds its 50 members",
        ));
    }
    sqlx::query("INSERT INTO group_members (group_id, user_id, role) VALUES ($1, $2, 'member')")
        .bind(group)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An invite code as it was stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invite {
    pub code: String,
    pub group_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub max_uses: i32,
}

/// Stores an invite code made by `actor` (owner or admin). `Ok(None)` when the code is taken
/// (the caller draws another).
pub async fn create_invite(
    db: &PgPool,
    group: Uuid,
    actor: Uuid,
    code: &str,
    expires_at: OffsetDateTime,
    max_uses: i32,
) -> Result<Option<Invite>, GroupError> {
    let mut tx = db.begin().await?;
    let (_, role) = lock(&mut tx, group, actor).await?;
    if !role.is_some_and(GroupRole::is_staff) {
        return Err(reject(
            ErrorCode::NotGroupAdmin,
            "only the owner or an admin may make invite codes",
        ));
    }
    let inserted = sqlx::query(
        "INSERT INTO group_invites (code, group_id, created_by, expires_at, max_uses) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(code)
    .bind(group)
    .bind(actor)
    .bind(expires_at)
    .bind(max_uses)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok((inserted == 1).then(|| Invite {
        code: code.to_owned(),
        group_id: group,
        expires_at,
        max_uses,
    }))
}

/// What a leave did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    Left,
    /// The leaver was the last member: the group is gone.
    Disbanded,
}

/// `user` leaves the group. The owner leaves only as the last member (which disbands the group);
/// otherwise 409 `owner_must_transfer`.
pub async fn leave(db: &PgPool, group: Uuid, user: Uuid) -> Result<Left, GroupError> {
    let mut tx = db.begin().await?;
    let (_, role) = lock(&mut tx, group, user).await?;
    let role = role.ok_or_else(|| {
        reject(
            ErrorCode::GroupMemberNotFound,
            "you are not a member of this group",
        )
    })?;
    let left = if role == GroupRole::Owner {
        let others: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM group_members WHERE group_id = $1 AND user_id <> $2",
        )
        .bind(group)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        if others > 0 {
            return Err(reject(
                ErrorCode::OwnerMustTransfer,
                "hand the group to another member first, or disband it",
            ));
        }
        delete_group(&mut tx, group).await?;
        Left::Disbanded
    } else {
        remove_member(&mut tx, group, user).await?;
        Left::Left
    };
    tx.commit().await?;
    Ok(left)
}

async fn remove_member(
    tx: &mut Transaction<'_, Postgres>,
    group: Uuid,
    user: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(user)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

async fn delete_group(tx: &mut Transaction<'_, Postgres>, group: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(group)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

fn member_role(role: Option<GroupRole>) -> Result<GroupRole, GroupError> {
    role.ok_or_else(|| {
        reject(
            ErrorCode::GroupMemberNotFound,
            "that player is not a member of this group",
        )
    })
}

/// `actor` removes `target` from the group: the owner removes anyone else, an admin plain members
/// only (403 `not_group_owner`), a member nobody (403 `not_group_admin`).
pub async fn kick(db: &PgPool, group: Uuid, actor: Uuid, target: Uuid) -> Result<(), GroupError> {
    let mut tx = db.begin().await?;
    let (_, role) = lock(&mut tx, group, actor).await?;
    let Some(role) = role else {
        return Err(reject(
            ErrorCode::NotGroupAdmin,
            "only the owner or an admin may remove members",
        ));
    };
    if role == GroupRole::Member {
        return Err(reject(
            ErrorCode::NotGroupAdmin,
            "only the owner or an admin may remove members",
        ));
    }
    let target_role = member_role(role_in(&mut *tx, group, target).await?)?;
    role.may_kick(target_role).map_err(|code| {
        reject(
            code,
            "only the owner may remove an admin, and nobody removes the owner",
        )
    })?;
    remove_member(&mut tx, group, target).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner makes `target` an admin or a plain member.
pub async fn set_role(
    db: &PgPool,
    group: Uuid,
    actor: Uuid,
    target: Uuid,
    role: GroupRole,
) -> Result<(), GroupError> {
    if role == GroupRole::Owner {
        return Err(reject(
            ErrorCode::InvalidGroupSettings,
            "role must be admin or member; hand over ownership with the transfer endpoint",
        ));
    }
    let mut tx = db.begin().await?;
    require_owner(&mut tx, group, actor).await?;
    let current = member_role(role_in(&mut *tx, group, target).await?)?;
    if current == GroupRole::Owner {
        return Err(reject(
            ErrorCode::NotGroupOwner,
            "the owner's role changes only by a transfer",
        ));
    }
    sqlx::query("UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(target)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn require_owner(
    tx: &mut Transaction<'_, Postgres>,
    group: Uuid,
    actor: Uuid,
) -> Result<(), GroupError> {
    let (_, role) = lock(tx, group, actor).await?;
    if role != Some(GroupRole::Owner) {
        return Err(reject(
            ErrorCode::NotGroupOwner,
            "only the group's owner may do this",
        ));
    }
    Ok(())
}

/// The owner hands the group to another member and becomes an admin.
pub async fn transfer(
    db: &PgPool,
    group: Uuid,
    actor: Uuid,
    target: Uuid,
) -> Result<(), GroupError> {
    let mut tx = db.begin().await?;
    require_owner(&mut tx, group, actor).await?;
    if actor == target {
        return Err(reject(
            ErrorCode::InvalidGroupSettings,
            "you own this group already",
        ));
    }
    member_role(role_in(&mut *tx, group, target).await?)?;
    // One owner at a time (a partial unique index): step down first.
    sqlx::query("UPDATE group_members SET role = 'admin' WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE group_members SET role = 'owner' WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The owner disbands the group: members, invites and the group are gone.
pub async fn disband(db: &PgPool, group: Uuid, actor: Uuid) -> Result<(), GroupError> {
    let mut tx = db.begin().await?;
    require_owner(&mut tx, group, actor).await?;
    delete_group(&mut tx, group).await?;
    tx.commit().await?;
    Ok(())
}

/// Members in join order, strictly after position `after`. `viewer` must be able to see the
/// group (a private group's members are seen by its members only).
pub async fn members(
    db: &PgPool,
    group: Uuid,
    viewer: Option<Uuid>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Member>, GroupError> {
    view(db, group, viewer).await?;
    Ok(sqlx::query_as(
        "SELECT m.user_id, u.display_name, m.role, u.elo, m.joined_at, m.position
         FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = $1 AND ($2::bigint IS NULL OR m.position > $2)
         ORDER BY m.position LIMIT $3",
    )
    .bind(group)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// A player's groups with the player's role in each, oldest membership first.
pub async fn of_player(db: &PgPool, user: Uuid) -> Result<Vec<(Group, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        group: GroupRow,
        role: String,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {GROUP_COLUMNS}, me.role FROM group_members me JOIN groups g ON g.id = me.group_id
         WHERE me.user_id = $1 ORDER BY me.position"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (Group::from(r.group), r.role))
        .collect())
}

/// The group leaderboard: open and invite-only groups by the average rating of their members,
/// then more members first, then the older group, then the id — a total order, so pages never
/// overlap or skip. `offset` lines are skipped.
pub async fn leaderboard(
    db: &PgPool,
    offset: i64,
    limit: i64,
) -> Result<Vec<Standing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (row_number() OVER w + $1)::bigint AS rank, id AS group_id, name, tag, members, rating FROM (
             SELECT g.id, g.name, g.tag, g.created_at, count(*) AS members,
                    round(avg(u.elo))::int AS rating
             FROM groups g JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id
             WHERE g.visibility <> 'private'
             GROUP BY g.id
             ORDER BY rating DESC, members DESC, g.created_at ASC, g.id ASC
             OFFSET $1 LIMIT $2
         ) ranked
         WINDOW w AS (ORDER BY rating DESC, members DESC, created_at ASC, id ASC)
         ORDER BY rating DESC, members DESC, created_at ASC, id ASC",
    )
    .bind(offset)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// What deleting an account did to its groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Departure {
    /// Groups whose ownership passed to another member (an admin first, else the longest member).
    pub handed_over: Vec<(Uuid, Uuid)>,
    /// Groups the player was the last member of: disbanded.
    pub disbanded: Vec<Uuid>,
}

/// Takes `user` out of every group within the account deletion's transaction: an owned group
/// passes to the longest-standing admin, else the longest-standing member, else is disbanded.
pub async fn depart_all(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
) -> Result<Departure, sqlx::Error> {
    let mut departure = Departure::default();
    // Lock the groups in id order, like every other multi-group change, so no deadlock.
    let owned: Vec<Uuid> = sqlx::query_scalar(
        "SELECT g.id FROM groups g JOIN group_members m ON m.group_id = g.id
         WHERE m.user_id = $1 AND m.role = 'owner' ORDER BY g.id FOR UPDATE OF g",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    for group in owned {
        let heir: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM group_members WHERE group_id = $1 AND user_id <> $2
             ORDER BY (role = 'admin') DESC, position ASC LIMIT 1",
        )
        .bind(group)
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
        remove_member(tx, group, user).await?;
        match heir {
            Some(heir) => {
                sqlx::query(
                    "UPDATE group_members SET role = 'owner' WHERE group_id = $1 AND user_id = $2",
                )
                .bind(group)
                .bind(heir)
                .execute(&mut **tx)
                .await?;
                departure.handed_over.push((group, heir));
            }
            None => {
                delete_group(tx, group).await?;
                departure.disbanded.push(group);
            }
        }
    }
    sqlx::query("DELETE FROM group_members WHERE user_id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(departure)
}
