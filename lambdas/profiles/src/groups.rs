//! `/api/groups`: groups (clans). A player creates a group and owns it; others join an open group
//! directly or any group by an invite code the owner or an admin made; the owner appoints admins
//! and hands the group over; owner and admins remove members. A private group is invisible (404)
//! to anyone but its members. The group leaderboard ranks open and invite-only groups by the
//! average rating of their members.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::{
    ErrorCode, GroupDescription, GroupName, GroupRole, GroupTag, LobbyCode, Visibility,
};
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, ErrorBody, Json, Page};
use whoosh_store::groups::{self as store, Group, GroupError, Invite, Member, Standing};

/// How long an invite code stays good.
pub const INVITE_TTL: Duration = Duration::days(7);
/// Joins an invite code allows by default, and at most.
pub const DEFAULT_INVITE_USES: i32 = 25;
pub const MAX_INVITE_USES: i32 = 50;
/// Attempts at drawing an invite code no other invite holds.
const CODE_ATTEMPTS: usize = 8;

fn answer(e: GroupError) -> ApiError {
    match e {
        GroupError::Rejected(code, message) => ApiError::new(code, message),
        GroupError::Db(e) => e.into(),
    }
}

fn group_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::GroupNotFound, "no such group"))
}

fn member_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::GroupMemberNotFound,
            "that player is not a member of this group",
        )
    })
}

/// A group as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GroupView {
    #[serde(flatten)]
    group: Group,
    /// The caller's role, `null` when not a member.
    my_role: Option<&'static str>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewGroup {
    /// 3–32 characters after trimming, no control characters; unique case-insensitively.
    name: String,
    /// 2–5 letters and digits (kept upper case).
    tag: String,
    /// At most 200 characters.
    #[serde(default)]
    description: Option<String>,
    /// `open` (default), `invite_only` or `private`.
    #[serde(default)]
    visibility: Option<String>,
}

/// Creates a group owned by the caller.
#[utoipa::path(post, path = "/api/groups", tag = "groups", request_body = NewGroup, security(("access_token" = [])), responses(
    (status = 201, description = "The group.", body = GroupView),
    (status = 400, description = "`invalid_group_name`; `invalid_group_tag`; `invalid_group_settings` (description, visibility); `invalid_json` (also for unknown fields).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: the account no longer exists.", body = ErrorBody),
    (status = 409, description = "`group_name_taken`; `too_many_groups` (a player is in at most 5).", body = ErrorBody),
))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewGroup>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    let name = GroupName::parse(&body.name)?;
    let tag = GroupTag::parse(&body.tag)?;
    let description = GroupDescription::parse(body.description.as_deref().unwrap_or_default())?;
    let visibility = body
        .visibility
        .as_deref()
        .map_or(Ok(Visibility::Open), Visibility::parse)?;
    let new = store::NewGroup {
        id: Uuid::now_v7(),
        name: &name,
        tag: &tag,
        description: &description,
        visibility,
        owner: *user.user_id.as_uuid(),
    };
    let group = store::create(&state.db, &new).await.map_err(answer)?;
    tracing::info!(group = %group.id, user_id = %user.user_id, "group created");
    Ok((
        StatusCode::CREATED,
        Json(GroupView {
            group,
            my_role: Some(GroupRole::Owner.as_str()),
        }),
    ))
}

/// The caller's groups.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MyGroups {
    groups: Vec<GroupView>,
}

/// The caller's groups (at most 5), oldest membership first.
#[utoipa::path(get, path = "/api/groups/me", tag = "groups", security(("access_token" = [])), responses(
    (status = 200, description = "The caller's groups with the caller's role in each.", body = MyGroups),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<MyGroups>, ApiError> {
    let groups = store::of_player(&state.db, *user.user_id.as_uuid())
        .await?
        .into_iter()
        .map(|(group, role)| GroupView {
            group,
            my_role: GroupRole::parse(&role).ok().map(GroupRole::as_str),
        })
        .collect();
    Ok(Json(MyGroups { groups }))
}

/// A group as the caller sees it.
#[utoipa::path(get, path = "/api/groups/{id}", tag = "groups", params(("id" = String, Path, description = "The group id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The group.", body = GroupView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`: no such group, or a private one the caller is not in.", body = ErrorBody),
))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<GroupView>, ApiError> {
    let (group, role) = store::view(&state.db, group_id(&id)?, Some(*user.user_id.as_uuid()))
        .await
        .map_err(answer)?;
    Ok(Json(GroupView {
        group,
        my_role: role.map(GroupRole::as_str),
    }))
}

/// Joins an open group.
#[utoipa::path(post, path = "/api/groups/{id}/join", tag = "groups", params(("id" = String, Path, description = "The group id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The group joined.", body = GroupView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`invite_required`: the group takes members by invite code.", body = ErrorBody),
    (status = 404, description = "`group_not_found`.", body = ErrorBody),
    (status = 409, description = "`already_group_member`; `group_full` (50 members); `too_many_groups` (a player is in at most 5).", body = ErrorBody),
))]
pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<GroupView>, ApiError> {
    let group = store::join_open(&state.db, group_id(&id)?, *user.user_id.as_uuid())
        .await
        .map_err(answer)?;
    Ok(Json(GroupView {
        group,
        my_role: Some(GroupRole::Member.as_str()),
    }))
}

/// The body of a join by invite code.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct JoinByInvite {
    /// Six characters of the code alphabet.
    #[schema(example = "K7QX2M")]
    code: String,
}

/// Joins the group an invite code opens (any visibility). Attempts, guesses included, count
/// against the same budget as lobby and party codes.
#[utoipa::path(post, path = "/api/groups/join", tag = "groups", request_body = JoinByInvite, security(("access_token" = [])), responses(
    (status = 200, description = "The group joined.", body = GroupView),
    (status = 400, description = "`invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`invite_not_found`: unknown, expired or used up.", body = ErrorBody),
    (status = 409, description = "`already_group_member`; `group_full`; `too_many_groups`.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit.", body = ErrorBody),
))]
pub(crate) async fn join_by_invite(
    State(state): State<AppState>,
    user: AuthUser,
    ip: ClientIp,
    Json(body): Json<JoinByInvite>,
) -> Result<Json<GroupView>, ApiError> {
    whoosh_http::middleware::throttle_code_guess(&state, &user, ip).await?;
    let code = LobbyCode::parse(&body.code)?;
    let group = store::join_by_invite(&state.db, code.as_str(), *user.user_id.as_uuid())
        .await
        .map_err(answer)?;
    Ok(Json(GroupView {
        group,
        my_role: Some(GroupRole::Member.as_str()),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewInvite {
    /// Joins the code allows: a whole number from 1 to 50; 25 by default.
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 50)]
    max_uses: Option<Value>,
}

/// Makes an invite code (owner or admin), good for seven days.
#[utoipa::path(post, path = "/api/groups/{id}/invites", tag = "groups", params(("id" = String, Path, description = "The group id.")), request_body(content = Option<NewInvite>, description = "Optional."), security(("access_token" = [])), responses(
    (status = 201, description = "The invite code.", body = Invite),
    (status = 400, description = "`invalid_group_settings` (max_uses); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_admin`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`.", body = ErrorBody),
))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Invite>), ApiError> {
    let group = group_id(&id)?;
    let request: NewInvite = if body.is_empty() {
        NewInvite::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
    };
    let max_uses = match request.max_uses {
        None | Some(Value::Null) => DEFAULT_INVITE_USES,
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| (1..=MAX_INVITE_USES).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidGroupSettings,
                    format!("max_uses must be a whole number from 1 to {MAX_INVITE_USES}"),
                )
            })?,
    };
    let expires = OffsetDateTime::now_utc() + INVITE_TTL;
    for _ in 0..CODE_ATTEMPTS {
        let code = LobbyCode::from_entropy(Uuid::new_v4().as_u64_pair().0);
        let made = store::create_invite(
            &state.db,
            group,
            *user.user_id.as_uuid(),
            code.as_str(),
            expires,
            max_uses,
        )
        .await
        .map_err(answer)?;
        if let Some(invite) = made {
            return Ok((StatusCode::CREATED, Json(invite)));
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free invite code after {CODE_ATTEMPTS} draws"
    )))
}

/// What a leave did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LeftGroup {
    /// True when the caller was the last member and the group is gone.
    disbanded: bool,
}

/// Leaves a group. The owner leaves only as the last member (which disbands the group).
#[utoipa::path(post, path = "/api/groups/{id}/leave", tag = "groups", params(("id" = String, Path, description = "The group id.")), security(("access_token" = [])), responses(
    (status = 200, description = "Left.", body = LeftGroup),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`; `group_member_not_found` (the caller is not a member).", body = ErrorBody),
    (status = 409, description = "`owner_must_transfer`: hand the group over or disband it first.", body = ErrorBody),
))]
pub(crate) async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<LeftGroup>, ApiError> {
    let left = store::leave(&state.db, group_id(&id)?, *user.user_id.as_uuid())
        .await
        .map_err(answer)?;
    Ok(Json(LeftGroup {
        disbanded: left == store::Left::Disbanded,
    }))
}

/// Disbands a group (owner only).
#[utoipa::path(delete, path = "/api/groups/{id}", tag = "groups", params(("id" = String, Path, description = "The group id.")), security(("access_token" = [])), responses(
    (status = 204, description = "The group is gone."),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_owner`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`.", body = ErrorBody),
))]
pub(crate) async fn disband(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    store::disband(&state.db, group_id(&id)?, *user.user_id.as_uuid())
        .await
        .map_err(answer)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of a group's members, in join order.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MemberPage {
    members: Vec<Member>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// A group's members in join order, one page at a time (`limit` clamped to 1–100).
#[utoipa::path(get, path = "/api/groups/{id}/members", tag = "groups", params(("id" = String, Path, description = "The group id."), Page), security(("access_token" = [])), responses(
    (status = 200, description = "One page of members.", body = MemberPage),
    (status = 400, description = "`invalid_request` (limit not a whole number); `invalid_cursor`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`: no such group, or a private one the caller is not in.", body = ErrorBody),
))]
pub(crate) async fn members(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    page: Page,
) -> Result<Json<MemberPage>, ApiError> {
    let found = store::members(
        &state.db,
        group_id(&id)?,
        Some(*user.user_id.as_uuid()),
        page.after,
        page.limit + 1,
    )
    .await
    .map_err(answer)?;
    let (members, next_cursor) = page.after_last(found, |m| m.position);
    Ok(Json(MemberPage {
        members,
        next_cursor,
    }))
}

/// Removes a member: the owner removes anyone else, an admin plain members only.
#[utoipa::path(delete, path = "/api/groups/{id}/members/{user}", tag = "groups", params(("id" = String, Path, description = "The group id."), ("user" = String, Path, description = "The member's user id.")), security(("access_token" = [])), responses(
    (status = 204, description = "Removed."),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_admin` (a plain member or an outsider); `not_group_owner` (an admin removing an admin or the owner).", body = ErrorBody),
    (status = 404, description = "`group_not_found`; `group_member_not_found`.", body = ErrorBody),
))]
pub(crate) async fn kick(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, target)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let group = group_id(&id)?;
    store::kick(
        &state.db,
        group,
        *user.user_id.as_uuid(),
        member_id(&target)?,
    )
    .await
    .map_err(answer)?;
    tracing::info!(%group, user_id = %user.user_id, "group member removed");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleChange {
    /// `admin` or `member`.
    role: String,
}

/// Promotes a member to admin or demotes an admin (owner only).
#[utoipa::path(put, path = "/api/groups/{id}/members/{user}/role", tag = "groups", params(("id" = String, Path, description = "The group id."), ("user" = String, Path, description = "The member's user id.")), request_body = RoleChange, security(("access_token" = [])), responses(
    (status = 204, description = "The role is set."),
    (status = 400, description = "`invalid_group_settings` (role); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_owner`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`; `group_member_not_found`.", body = ErrorBody),
))]
pub(crate) async fn set_role(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, target)): Path<(String, String)>,
    Json(body): Json<RoleChange>,
) -> Result<StatusCode, ApiError> {
    let role = GroupRole::parse(&body.role)?;
    store::set_role(
        &state.db,
        group_id(&id)?,
        *user.user_id.as_uuid(),
        member_id(&target)?,
        role,
    )
    .await
    .map_err(answer)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Transfer {
    /// The member who becomes the owner; the old owner becomes an admin.
    user_id: String,
}

/// Hands the group to another member (owner only); the old owner stays as an admin.
#[utoipa::path(post, path = "/api/groups/{id}/transfer", tag = "groups", params(("id" = String, Path, description = "The group id.")), request_body = Transfer, security(("access_token" = [])), responses(
    (status = 204, description = "Ownership passed."),
    (status = 400, description = "`invalid_group_settings` (to oneself); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_owner`.", body = ErrorBody),
    (status = 404, description = "`group_not_found`; `group_member_not_found`.", body = ErrorBody),
))]
pub(crate) async fn transfer(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<Transfer>,
) -> Result<StatusCode, ApiError> {
    store::transfer(
        &state.db,
        group_id(&id)?,
        *user.user_id.as_uuid(),
        member_id(&body.user_id)?,
    )
    .await
    .map_err(answer)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of the group leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GroupBoardPage {
    entries: Vec<Standing>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Open and invite-only groups by the average rating of their members (ties: more members, then
/// the older group, then the id), one page at a time.
#[utoipa::path(get, path = "/api/groups/leaderboard", tag = "groups", params(Page), responses(
    (status = 200, description = "One page of the group leaderboard.", body = GroupBoardPage),
    (status = 400, description = "`invalid_request` (limit not a whole number); `invalid_cursor`.", body = ErrorBody),
))]
pub(crate) async fn leaderboard(
    State(state): State<AppState>,
    page: Page,
) -> Result<Json<GroupBoardPage>, ApiError> {
    let offset = page.after.unwrap_or(0).max(0);
    let rows = store::leaderboard(&state.db, offset, page.limit + 1).await?;
    let (entries, next_cursor) = page.from_offset(rows, offset);
    Ok(Json(GroupBoardPage {
        entries,
        next_cursor,
    }))
}
