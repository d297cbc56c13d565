//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool with a bounded number of hashes at once, so a login flood queues instead of
//! exhausting memory or starving the async threads. Unknown users are checked against a dummy
//! hash so that "no such user" costs the same time as "wrong password".

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{
        PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng,
    },
};
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;
use whoosh_core::Password;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

/// How long a request waits for a hashing slot before it is told to come back later.
pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants inside argon2's accepted ranges.
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes one password synchronously (benchmarks and the dummy hash).
pub fn hash_blocking(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The shared hasher of a process.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    slots: Arc<Semaphore>,
    dummy: Arc<str>,
}

impl PasswordHasher {
    /// `concurrency` hashes at once; 0 means one per CPU core.
    pub fn new(concurrency: usize) -> Result<Self, HashError> {
        let n = if concurrency == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        } else {
            concurrency
        };
        let dummy = hash_blocking("whoosh-dummy-password-for-timing")?;
        Ok(Self {
            slots: Arc::new(Semaphore::new(n)),
            dummy: dummy.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let result = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))?;
        Ok(result)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.expose().to_owned();
        self.run(move || hash_blocking(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown user, guest) the dummy
    /// hash is checked so the answer takes as long, and is `false`.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<bool, HashError> {
        let password = password.expose().to_owned();
        let (phc, real) = match stored {
            Some(s) => (s.to_owned(), true),
            None => (self.dummy.to_string(), false),
        };
        self.run(move || verify_blocking(&password, &phc) && real)
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let hasher = PasswordHasher::new(1).unwrap();
        let pw = Password::parse("correct horse battery").unwrap();
        let phc = hasher.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher.verify(&pw, Some(&phc)).await.unwrap());
        let wrong = Password::parse("incorrect horse").unwrap();
        assert!(!hasher.verify(&wrong, Some(&phc)).await.unwrap());
        assert!(
            !hasher.verify(&pw, None).await.unwrap(),
            "no stored hash never verifies"
        );
    }

    /// An unknown user costs what a wrong password costs: the dummy hash has the parameters of a
    /// stored one (memory, passes, lanes, salt and output length), so its check does the same
    /// work. The time itself is measured by `whoosh-bench login` (docs/BENCHMARKS.md).
    #[test]
    fn the_dummy_hash_costs_what_a_stored_hash_costs() {
        let hasher = PasswordHasher::new(1).unwrap();
        let stored = hash_blocking("some player's password").unwrap();
        let shape = |phc: &str| {
            let parsed = PasswordHash::new(phc).unwrap();
            (
                parsed.algorithm.to_string(),
                parsed.version,
                parsed.params.to_string(),
                parsed.salt.map(|s| s.len()),
                parsed.hash.map(|h| h.len()),
            )
        };
        assert_eq!(shape(&hasher.dummy), shape(&stored));
    }
}
