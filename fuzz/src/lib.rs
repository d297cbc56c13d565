//! Bounded-time fuzzing on stable Rust, inside the ordinary test build: each target is a proptest
//! strategy (raw bytes, arbitrary text, and inputs built from the format and then mutated) and a
//! check that must hold for every input — the parser never panics, and what it accepts obeys the
//! format's rules. The driver runs fresh randomly seeded batches until the time budget is spent;
//! a failing input is shrunk to a minimal one and the test fails with it.
//!
//! The budget is `WHOOSH_FUZZ_SECONDS` per target (3 s by default, so the test suite stays quick);
//! `scripts/fuzz --seconds N` runs longer. The targets are in `tests/fuzz.rs`.

use proptest::{
    strategy::Strategy,
    test_runner::{Config, TestCaseError, TestError, TestRunner},
};
use std::{
    cell::Cell,
    fmt::Debug,
    time::{Duration, Instant},
};

/// The time each target runs: `WHOOSH_FUZZ_SECONDS` (a whole or fractional number), else 3 s.
pub fn budget() -> Duration {
    std::env::var("WHOOSH_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(3), Duration::from_secs_f64)
}

/// What one target did.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub executions: u64,
    pub elapsed: Duration,
}

/// Runs `check` on inputs drawn from `strategy` until the budget is spent. Panics with the
/// shrunk input when a check fails or panics.
pub fn fuzz<S>(
    name: &str,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> Report
where
    S: Strategy,
    S::Value: Debug,
{
    let budget = budget();
    let started = Instant::now();
    let executions = Cell::new(0u64);
    while started.elapsed() < budget {
        let mut runner = TestRunner::new(Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        });
        let outcome = runner.run(&strategy, |input| {
            executions.set(executions.get() + 1);
            check(input)
        });
        match outcome {
            Ok(()) => {}
            Err(TestError::Fail(reason, input)) => {
                panic!("fuzz {name}: {reason}\nminimal failing input: {input:?}")
            }
            Err(TestError::Abort(reason)) => panic!("fuzz {name}: aborted: {reason}"),
        }
    }
    let report = Report {
        executions: executions.get(),
        elapsed: started.elapsed(),
    };
    println!(
        "fuzz {name}: {} executions in {:.1} s, no failure",
        report.executions,
        report.elapsed.as_secs_f64()
    );
    report
}

/// Strategies shared by the targets.
pub mod inputs {
    use proptest::prelude::*;

    /// Arbitrary bytes read as UTF-8 with replacement (what a text frame may carry after a
    /// lossy client), arbitrary Unicode text, and ASCII noise.
    pub fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            any::<String>(),
            "[ -~]{0,200}",
        ]
    }

    /// Any JSON value, nested a few levels.
    pub fn json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[a-zA-Z0-9_-]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{0,12}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// One edit of a text: a byte replaced, inserted or removed at some position.
    #[derive(Debug, Clone)]
    pub enum Edit {
        Replace(usize, u8),
        Insert(usize, u8),
        Remove(usize),
    }

    pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
        let edit = prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
            any::<usize>().prop_map(Edit::Remove),
        ];
        prop::collection::vec(edit, 0..4)
    }

    /// `text` after `edits`, read back as UTF-8 with replacement.
    pub fn apply(text: &str, edits: &[Edit]) -> String {
        let mut bytes = text.as_bytes().to_vec();
        for edit in edits {
            let len = bytes.len();
            match *edit {
                Edit::Replace(i, b) if len > 0 => bytes[i % len] = b,
                Edit::Insert(i, b) => bytes.insert(i % (len + 1), b),
                Edit::Remove(i) if len > 0 => {
                    bytes.remove(i % len);
                }
                _ => {}
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
