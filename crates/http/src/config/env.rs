//! Reading settings: the variables, the value syntaxes shared by every section (durations like
//! `10s`, rates like `20/10m`), and the list of problems found on the way.

use std::{collections::HashMap, fmt::Display, path::PathBuf, str::FromStr, time::Duration};
use whoosh_cache::Rate;

/// Reads settings from a map of variables, remembering every problem and every name asked for.
#[derive(Debug)]
pub struct Env {
    vars: HashMap<String, String>,
    problems: Vec<String>,
    asked: Vec<&'static str>,
}

impl Env {
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            vars: vars.into_iter().collect(),
            problems: Vec::new(),
            asked: Vec::new(),
        }
    }

    /// The process environment, after loading `.env` from the working directory if present
    /// (variables already set win over the file).
    pub fn from_process() -> Self {
        let _ = dotenvy::dotenv();
        Self::new(std::env::vars())
    }

    /// Every setting name read so far.
    pub fn asked(&self) -> &[&'static str] {
        &self.asked
    }

    fn raw(&mut self, name: &'static str) -> Option<String> {
        self.asked.push(name);
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn optional<T: FromStr>(&mut self, name: &'static str) -> Option<T>
    where
        T::Err: Display,
    {
        let raw = self.raw(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(format!("{name}={raw:?}: {e}"));
                None
            }
        }
    }

    pub(super) fn get<T: FromStr>(&mut self, name: &'static str, default: T) -> T
    where
        T::Err: Display,
    {
        self.optional(name).unwrap_or(default)
    }

    /// Records a setting that parsed but cannot be used; the message names the setting.
    pub(super) fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// Records a problem unless `value` is greater than zero.
    pub(super) fn positive<T: PartialOrd + Default + Display + Copy>(
        &mut self,
        name: &'static str,
        value: T,
    ) -> T {
        if value <= T::default() {
            self.problem(format!("{name}={value}: must be greater than zero"));
        }
        value
    }

    /// Records a problem for every duration among `settings` that is zero.
    pub(super) fn nonzero(&mut self, settings: &[(&'static str, Duration)]) {
        for (name, value) in settings {
            if value.is_zero() {
                self.problem(format!("{name}: must be greater than zero"));
            }
        }
    }

    /// Every problem recorded so far, leaving none behind.
    pub(super) fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }
}

/// A duration written as `<number><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
#[derive(Debug, Clone, Copy)]
pub(super) struct HumanDuration(pub(super) Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num.parse().map_err(|_| {
            format!("expected a duration like 500ms, 10s, 5m, 2h or 30d, got {s:?}")
        })?;
        let secs = |k: u64| Duration::from_secs(n.saturating_mul(k));
        Ok(Self(match unit {
            "ms" => Duration::from_millis(n),
            "s" => secs(1),
            "m" => secs(60),
            "h" => secs(3600),
            "d" => secs(86_400),
            _ => return Err(format!("unknown unit in {s:?}; use ms, s, m, h or d")),
        }))
    }
}

/// A rate written as `<limit>/<period>`, e.g. `20/10m`.
#[derive(Debug, Clone, Copy)]
pub(super) struct HumanRate(pub(super) Rate);

impl FromStr for HumanRate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (limit, period) = s
            .split_once('/')
            .ok_or_else(|| format!("expected <limit>/<period> like 20/10m, got {s:?}"))?;
        let limit: u32 = limit.parse().map_err(|_| format!("bad limit in {s:?}"))?;
        if limit == 0 {
            return Err("the limit must be at least 1".into());
        }
        let HumanDuration(period) = period.parse()?;
        if period.is_zero() {
            return Err("the period must be positive".into());
        }
        Ok(Self(Rate::new(limit, period)))
    }
}

/// A folder on this machine, never a URL. A value that starts with a scheme (`s3://…`, `S3://…`,
/// `https:…`) is refused rather than taken for a relative path, so a URL that is mistyped or not
/// supported where it is given never becomes a local folder named after it (`./name:x` still
/// means a folder with a colon in its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDir(pub PathBuf);

impl FromStr for LocalDir {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err("expected a folder".into());
        }
        match url_scheme(s) {
            Some(scheme) => Err(format!(
                "{s:?} is a {scheme}: URL, not a folder (write ./{s} to mean a folder of that name)"
            )),
            None => Ok(Self(PathBuf::from(s))),
        }
    }
}

/// The scheme of `s` when it starts like a URL (`<letter><letters, digits, + - .>:`). One letter
/// is not enough: `C:` is a drive, not a scheme.
fn url_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts && rest && scheme.len() >= 2).then_some(scheme)
}

pub(super) fn secs(n: u64) -> HumanDuration {
    HumanDuration(Duration::from_secs(n))
}

pub(super) fn rate(limit: u32, period_secs: u64) -> HumanRate {
    HumanRate(Rate::new(limit, Duration::from_secs(period_secs)))
}

/// A comma-separated list, each entry trimmed (and cleaned by `clean`), empty entries dropped.
pub(super) fn list(raw: &str, clean: impl Fn(&str) -> &str) -> Vec<String> {
    raw.split(',')
        .map(|s| clean(s.trim()).to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_parse() {
        assert_eq!(
            "250ms".parse::<HumanDuration>().map(|d| d.0).ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            "30d".parse::<HumanDuration>().map(|d| d.0).ok(),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert!("10 s".parse::<HumanDuration>().is_err());
        assert!("0/1m".parse::<HumanRate>().is_err());
        assert!("5/0s".parse::<HumanRate>().is_err());
    }

    #[test]
    fn a_url_is_never_taken_for_a_folder() {
        for url in [
            "s3://bucket/events/",
            "S3://bucket/events/",
            "s3:/bucket/events",
            "s3:bucket",
            "https://example.com/x",
            "file:///tmp/x",
        ] {
            assert!(url.parse::<LocalDir>().is_err(), "{url} taken for a folder");
        }
        for dir in [
            ".whoosh/outbox",
            "/var/lib/whoosh",
            "./s3:bucket",
            "C:/whoosh",
            "out",
        ] {
            assert_eq!(
                dir.parse::<LocalDir>().ok(),
                Some(LocalDir(PathBuf::from(dir)))
            );
        }
    }
}
