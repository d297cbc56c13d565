//! Validated account inputs. Once parsed, a value is known good; handlers never re-check.

use crate::{ErrorCode, Invalid};
use serde::Serialize;
use std::fmt;

/// A login name: 3–24 characters from `a–z A–Z 0–9 _ - .`, starting with a letter or digit.
/// Case is kept for display; uniqueness and login use [`Username::key`] (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 24;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let len = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Invalid::new(
                ErrorCode::InvalidUsername,
                format!(
                    "username must be {}–{} characters",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        let starts_well = raw
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_well || !raw.chars().all(allowed) {
            return Err(Invalid::new(
                ErrorCode::InvalidUsername,
                "username may hold letters, digits, '_', '-' and '.', and must start with a letter or digit",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that uniqueness and login lookups use.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password of 8–128 characters. Checked before any hashing so an oversized one costs nothing.
/// Never printed: `Debug` is redacted.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        // Byte length first: a 1 MiB string is refused without walking its characters.
        if raw.len() > Self::MAX_LEN * 4
            || !(Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.chars().count())
        {
            return Err(Invalid::new(
                ErrorCode::InvalidPassword,
                format!(
                    "password must be {}–{} characters",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The name other players see: trimmed, 1–32 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len == 0 || len > Self::MAX_LEN {
            return Err(Invalid::new(
                ErrorCode::InvalidDisplayName,
                format!(
                    "display name must be 1–{} characters after trimming",
                    Self::MAX_LEN
                ),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Invalid::new(
                ErrorCode::InvalidDisplayName,
                "display name may not hold control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Username> for DisplayName {
    fn from(name: &Username) -> Self {
        // A username is always a valid display name: shorter and with a stricter alphabet.
        Self(name.as_str().to_owned())
    }
}

/// A client-generated device identifier for guest accounts: 16–128 characters of
/// `A–Z a–z 0–9 - _` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId(String);

impl DeviceId {
    pub const MIN_LEN: usize = 16;
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok_len = (Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok_len || !ok_chars {
            return Err(Invalid::new(
                ErrorCode::InvalidDeviceId,
                format!(
                    "device id must be {}–{} characters of letters, digits, '-' and '_'",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn username_rules() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse("_abc").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("Zoë123").is_err());
        assert!(Username::parse(&"a".repeat(25)).is_err());
        assert_eq!(
            Username::parse("MoleHunter")
                .map(|u| u.key())
                .ok()
                .as_deref(),
            Some("molehunter")
        );
    }

    #[test]
    fn password_length_is_checked_in_characters_and_bytes() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(1 << 20)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-words").ok()),
            "Some(Password(..))"
        );
    }

    #[test]
    fn display_name_is_trimmed_and_refuses_control_characters() {
        assert_eq!(
            DisplayName::parse("  Agent K  ")
                .map(|d| d.0)
                .ok()
                .as_deref(),
            Some("Agent K")
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("bad\u{7}bell").is_err());
        assert!(DisplayName::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn device_id_accepts_a_uuid() {
        assert!(DeviceId::parse("0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b").is_ok());
        assert!(DeviceId::parse("short").is_err());
        assert!(DeviceId::parse("has spaces in it, sadly").is_err());
    }

    proptest! {
        #[test]
        fn parsed_usernames_always_satisfy_the_rules(raw in "\\PC{0,40}") {
            if let Ok(name) = Username::parse(&raw) {
                let n = name.as_str().chars().count();
                prop_assert!((Username::MIN_LEN..=Username::MAX_LEN).contains(&n));
                prop_assert!(DisplayName::parse(name.as_str()).is_ok());
            }
        }

        #[test]
        fn display_names_never_hold_control_chars_or_edge_whitespace(raw in "\\PC{0,40}|[\\x00-\\x1f ]{0,5}") {
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert!(!name.as_str().chars().any(char::is_control));
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }
    }
}
