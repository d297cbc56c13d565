//! Validated group (clan) inputs and the rules of who may do what in a group.

use crate::{ErrorCode, Invalid};
use serde::Serialize;
use std::fmt;

/// A group's name: trimmed, 3–32 characters, no control characters. Unique case-insensitively
/// through [`GroupName::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct GroupName(String);

impl GroupName {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        // Byte length first: a huge string is refused without walking its characters.
        let len = if trimmed.len() > Self::MAX_LEN * 4 {
            usize::MAX
        } else {
            trimmed.chars().count()
        };
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Invalid::new(
                ErrorCode::InvalidGroupName,
                format!(
                    "group name must be {}–{} characters after trimming",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        if trimmed.chars().any(|c| c.is_control() || is_invisible(c)) {
            return Err(Invalid::new(
                ErrorCode::InvalidGroupName,
                "group name may not hold control or invisible characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form uniqueness is checked on (inner runs of spaces count as one).
    pub fn key(&self) -> String {
        self.0
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// Zero-width and direction characters: they would let two names look the same.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group's short tag, shown next to member names: 2–5 ASCII letters and digits, kept upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct GroupTag(String);

impl GroupTag {
    pub const MIN_LEN: usize = 2;
    pub const MAX_LEN: usize = 5;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let tag = raw.trim();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&tag.len())
            || !tag.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Invalid::new(
                ErrorCode::InvalidGroupTag,
                format!(
                    "group tag must be {}–{} letters and digits",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(Self(tag.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group's description: at most 200 characters after trimming; line breaks allowed, other
/// control characters not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct GroupDescription(String);

impl GroupDescription {
    pub const MAX_LEN: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.len() > Self::MAX_LEN * 4 || trimmed.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(
                ErrorCode::InvalidGroupSettings,
                format!("description must be at most {} characters", Self::MAX_LEN),
            ));
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n') {
            return Err(Invalid::new(
                ErrorCode::InvalidGroupSettings,
                "description may not hold control characters other than line breaks",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who may find and join a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Listed and seen by anyone; anyone may join.
    Open,
    /// Listed and seen by anyone; joined with an invite code.
    InviteOnly,
    /// Seen by its members only (a 404 to anyone else); joined with an invite code.
    Private,
}

impl Visibility {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "open" => Ok(Self::Open),
            "invite_only" => Ok(Self::InviteOnly),
            "private" => Ok(Self::Private),
            _ => Err(Invalid::new(
                ErrorCode::InvalidGroupSettings,
                "visibility must be open, invite_only or private",
            )),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InviteOnly => "invite_only",
            Self::Private => "private",
        }
    }
}

/// A member's role. Exactly one owner per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Member,
    Admin,
    Owner,
}

impl GroupRole {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            _ => Err(Invalid::new(
                ErrorCode::InvalidGroupSettings,
                "role must be owner, admin or member",
            )),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    /// Whether this role may create invite codes and remove members.
    pub const fn is_staff(self) -> bool {
        matches!(self, Self::Admin | Self::Owner)
    }

    /// Whether a member of this role may remove a member of role `target`: the owner removes
    /// anyone else; an admin removes plain members only; a member removes nobody.
    pub fn may_kick(self, target: GroupRole) -> Result<(), ErrorCode> {
        match (self, target) {
            (Self::Owner, Self::Admin | Self::Member) => Ok(()),
            (Self::Admin, Self::Member) => Ok(()),
            (Self::Member, _) => Err(ErrorCode::NotGroupAdmin),
            _ => Err(ErrorCode::NotGroupOwner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded_and_keyed_without_case() {
        let name = GroupName::parse("  The  Moles ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name.as_str(), "The  Moles");
        assert_eq!(name.key(), "the moles");
        for bad in [
            "ab",
            "  ab  ",
            "a\u{7}bc",
            "x\u{200B}yz",
            &"n".repeat(33),
            "",
        ] {
            assert_eq!(
                GroupName::parse(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidGroupName),
                "{bad:?}"
            );
        }
        assert!(GroupName::parse(&"é".repeat(32)).is_ok());
    }

    #[test]
    fn tags_are_short_alphanumerics_in_upper_case() {
        assert_eq!(GroupTag::parse("mo1").map(|t| t.0), Ok("MO1".to_owned()));
        for bad in ["a", "abcdef", "a b", "ñu", ""] {
            assert!(GroupTag::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_allow_line_breaks_only() {
        assert!(GroupDescription::parse("one\ntwo").is_ok());
        assert!(GroupDescription::parse("tab\there").is_err());
        assert!(GroupDescription::parse(&"d".repeat(201)).is_err());
    }

    #[test]
    fn kicking_goes_down_the_ranks_only() {
        use GroupRole::*;
        assert_eq!(Owner.may_kick(Admin), Ok(()));
        assert_eq!(Owner.may_kick(Member), Ok(()));
        assert_eq!(Admin.may_kick(Member), Ok(()));
        assert_eq!(Admin.may_kick(Admin), Err(ErrorCode::NotGroupOwner));
        assert_eq!(Admin.may_kick(Owner), Err(ErrorCode::NotGroupOwner));
        assert_eq!(Member.may_kick(Member), Err(ErrorCode::NotGroupAdmin));
        assert_eq!(Owner.may_kick(Owner), Err(ErrorCode::NotGroupOwner));
    }

    #[test]
    fn visibility_and_roles_round_trip() {
        for v in [
            Visibility::Open,
            Visibility::InviteOnly,
            Visibility::Private,
        ] {
            assert_eq!(Visibility::parse(v.as_str()), Ok(v));
        }
        for r in [GroupRole::Member, GroupRole::Admin, GroupRole::Owner] {
            assert_eq!(GroupRole::parse(r.as_str()), Ok(r));
        }
        assert!(Visibility::parse("secret").is_err());
    }
}
