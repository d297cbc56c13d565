//! Authentication primitives shared by every service and the edge: where secrets come from, the
//! RS256 keyring and its JWKS, the token kinds and their verifier, and password hashing.

pub mod secret;

pub use secret::{SecretError, SecretSource};
