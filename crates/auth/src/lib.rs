//! Authentication primitives shared by every service and the edge: where secrets come from, the
//! RS256 keyring and its JWKS, the token kinds and their verifier, opaque refresh tokens, and
//! password hashing.

pub mod keyring;
pub mod password;
pub mod refresh;
pub mod secret;
pub mod token;
pub mod verified;

pub use keyring::{Keyring, KeyringError};
pub use password::PasswordHasher;
pub use secret::{SecretError, SecretSource};
pub use token::{Claims, Grant, TokenError, TokenKind, TokenSpec};
pub use verified::VerifiedTokens;
