//! docs/RELIABILITY.md maps every row of ROBUSTNESS.md to the tests that prove it. This test keeps
//! that map honest: every row names at least one test (only a `not covered` row may say `none`),
//! every named test exists in the named file, every status is one of the allowed ones, and a row
//! that is not fully covered says what is missing. When ROBUSTNESS.md is beside the clone (`../shared/ROBUSTNESS.md`, as in CI), every
//! row of it must appear in the map, in the same section, with the same expected text.
//!
//! Plain file reading: no database, no Redis.

use std::path::{Path, PathBuf};

const STATUSES: [&str; 3] = ["covered", "partly covered", "not covered"];

/// One table row of a Markdown document, with the `## ` section it sits in.
#[derive(Debug)]
struct Row {
    section: String,
    line: usize,
    cells: Vec<String>,
}

/// The rows of every table whose header is exactly `header`, in document order.
fn table_rows(text: &str, header: &[&str]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut section = String::new();
    let mut in_table = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(title) = trimmed.strip_prefix("## ") {
            section = title.trim().to_owned();
            in_table = false;
            continue;
        }
        if !trimmed.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells = split_row(trimmed);
        if cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| "-: ".contains(ch)))
        {
            continue; // the |---|---| separator
        }
        if cells.iter().map(String::as_str).eq(header.iter().copied()) {
            in_table = true;
            continue;
        }
        if in_table {
            rows.push(Row {
                section: section.clone(),
                line: index + 1,
                cells,
            });
        }
    }
    rows
}

fn split_row(line: &str) -> Vec<String> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

/// `` `path` › `name` `` items of a test(s) cell, separated by `<br>`.
fn test_refs(cell: &str) -> Result<Vec<(String, String)>, String> {
    let mut refs = Vec::new();
    for item in cell.split("<br>").map(str::trim).filter(|i| !i.is_empty()) {
        let parsed = item.split_once(" › ").and_then(|(path, name)| {
            let path = path.trim().strip_prefix('`')?.strip_suffix('`')?;
            let name = name.trim().strip_prefix('`')?.strip_suffix('`')?;
            (!path.is_empty() && !name.is_empty() && !path.contains('`') && !name.contains('`'))
                .then(|| (path.to_owned(), name.to_owned()))
        });
        match parsed {
            Some(r) => refs.push(r),
            None => return Err(format!("`{item}` is not of the form `file` › `test name`")),
        }
    }
    Ok(refs)
}

/// Whether `file` (relative to the repository root) defines the test `name`: a Rust function, or
/// for JavaScript a test or step titled `name`.
fn defines(root: &Path, file: &str, name: &str) -> Result<(), String> {
    if Path::new(file).is_absolute() || file.split('/').any(|part| part == "..") {
        return Err(format!("{file}: give a path inside the repository"));
    }
    let source = std::fs::read_to_string(root.join(file))
        .map_err(|e| format!("{file}: cannot be read ({e})"))?;
    let found = if file.ends_with(".rs") {
        source.contains(&format!("fn {name}("))
    } else if file.ends_with(".mjs") || file.ends_with(".js") {
        ['"', '\'', '`']
            .iter()
            .any(|q| source.contains(&format!("{q}{name}{q}")))
    } else {
        return Err(format!(
            "{file}: only Rust and JavaScript test files are understood"
        ));
    };
    if found {
        Ok(())
    } else {
        Err(format!("{file} has no test `{name}`"))
    }
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Checks docs/RELIABILITY.md under `root`, and against `robustness` when that file exists.
/// Returns the problems found.
fn check(root: &Path, robustness: &Path) -> Vec<String> {
    let doc_path = root.join("docs/RELIABILITY.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", doc_path.display()));
    let rows = table_rows(&doc, &["case", "expected", "test(s)", "status", "note"]);
    assert!(
        !rows.is_empty(),
        "docs/RELIABILITY.md has no table with the columns case | expected | test(s) | status | note"
    );

    let mut problems = Vec::new();
    let (mut covered, mut partly, mut not_covered, mut tests) = (0, 0, 0, 0);
    for row in &rows {
        let at = format!("docs/RELIABILITY.md:{} ({})", row.line, row.section);
        let [case, _expected, refs, status, note] = row.cells.as_slice() else {
            problems.push(format!("{at}: {} cells, expected 5", row.cells.len()));
            continue;
        };
        if case.is_empty() {
            problems.push(format!("{at}: empty case"));
        }
        match status.as_str() {
            "covered" => covered += 1,
            "partly covered" => partly += 1,
            "not covered" => not_covered += 1,
            other => problems.push(format!("{at}: status `{other}` is not one of {STATUSES:?}")),
        }
        if matches!(status.as_str(), "partly covered" | "not covered")
            && !note.to_lowercase().contains("missing")
        {
            problems.push(format!(
                "{at}: `{case}` is {status}; its note must say what is missing (\"Missing: …\")"
            ));
        }
        if refs == "none" && status == "not covered" {
            continue; // allowed: nothing proves it yet, and the note says what is missing
        }
        match test_refs(refs) {
            Ok(found) if found.is_empty() => {
                problems.push(format!("{at}: `{case}` names no test"));
            }
            Ok(found) => {
                for (file, name) in found {
                    tests += 1;
                    if let Err(problem) = defines(root, &file, &name) {
                        problems.push(format!("{at}: {problem}"));
                    }
                }
            }
            Err(problem) => problems.push(format!("{at}: {problem}")),
        }
    }

    match std::fs::read_to_string(robustness) {
        Ok(source) => {
            let wanted = table_rows(&source, &["case", "expected"]);
            assert!(
                !wanted.is_empty(),
                "{} has no case | expected table",
                robustness.display()
            );
            for want in &wanted {
                let [case, expected] = want.cells.as_slice() else {
                    problems.push(format!(
                        "ROBUSTNESS.md:{}: {} cells, expected 2",
                        want.line,
                        want.cells.len()
                    ));
                    continue;
                };
                match rows.iter().find(|r| r.cells.first() == Some(case)) {
                    None => problems.push(format!(
                        "ROBUSTNESS.md:{} ({}): `{case}` has no row in docs/RELIABILITY.md",
                        want.line, want.section
                    )),
                    Some(mine) => {
                        if mine.section != want.section {
                            problems.push(format!(
                                "docs/RELIABILITY.md:{}: `{case}` sits under `{}`, ROBUSTNESS.md has it under `{}`",
                                mine.line, mine.section, want.section
                            ));
                        }
                        if mine.cells.get(1) != Some(expected) {
                            problems.push(format!(
                                "docs/RELIABILITY.md:{}: expected text of `{case}` differs from ROBUSTNESS.md: `{expected}`",
                                mine.line
                            ));
                        }
                    }
                }
            }
            for mine in &rows {
                if !wanted.iter().any(|w| w.cells.first() == mine.cells.first()) {
                    problems.push(format!(
                        "docs/RELIABILITY.md:{}: `{}` is not a row of ROBUSTNESS.md",
                        mine.line,
                        mine.cells.first().map(String::as_str).unwrap_or_default()
                    ));
                }
            }
            println!(
                "ROBUSTNESS.md: {} rows, every one checked against docs/RELIABILITY.md",
                wanted.len()
            );
        }
        Err(_) => println!(
            "note: {} is absent; only docs/RELIABILITY.md itself was checked",
            robustness.display()
        ),
    }

    println!(
        "docs/RELIABILITY.md: {} rows ({covered} covered, {partly} partly covered, {not_covered} not covered), {tests} test references",
        rows.len()
    );
    problems
}

#[test]
fn every_robustness_row_has_a_test_that_exists() {
    let root = repository_root();
    let problems = check(&root, &root.join("../shared/ROBUSTNESS.md"));
    assert!(
        problems.is_empty(),
        "docs/RELIABILITY.md is out of date:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn without_robustness_md_the_document_alone_is_checked() {
    let root = repository_root();
    let absent = root.join("target/no-such-dir/ROBUSTNESS.md");
    assert!(!absent.exists());
    let problems = check(&root, &absent);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_parser_reads_cells_and_refuses_loose_references() {
    let doc = "## A\n\n| case | expected | test(s) | status | note |\n|---|---|---|---|---|\n| x `y` | z | `a.rs` › `f`<br>`b.mjs` › `a step` | covered |  |\n\ntext\n| stray | row |\n";
    let rows = table_rows(doc, &["case", "expected", "test(s)", "status", "note"]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].section, "A");
    assert_eq!(rows[0].cells[0], "x `y`");
    assert_eq!(rows[0].cells[4], "");
    assert_eq!(
        test_refs(&rows[0].cells[2]),
        Ok(vec![
            ("a.rs".to_owned(), "f".to_owned()),
            ("b.mjs".to_owned(), "a step".to_owned())
        ])
    );
    assert!(test_refs("a.rs::f").is_err());
    assert_eq!(test_refs(""), Ok(Vec::new()));
    let root = repository_root();
    assert!(defines(&root, "../etc/passwd", "x").is_err());
    assert!(
        defines(
            &root,
            "crates/test-support/tests/reliability.rs",
            "every_robustness_row_has_a_test_that_exists"
        )
        .is_ok()
    );
    assert!(
        defines(
            &root,
            "crates/test-support/tests/reliability.rs",
            "no_such_test"
        )
        .is_err()
    );
}

#[test]
fn each_kind_of_problem_is_reported() {
    let root = std::env::temp_dir().join(format!("whoosh-reliability-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(&root)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("t/a.rs", "#[test]\nfn real() {}\n");
    write(
        "docs/RELIABILITY.md",
        "## S\n\n| case | expected | test(s) | status | note |\n|---|---|---|---|---|\n\
         | ok | e | `t/a.rs` › `real` | covered | |\n\
         | gone | e | `t/a.rs` › `imagined` | covered | |\n\
         | bare | e |  | covered | |\n\
         | odd | e | `t/a.rs` › `real` | mostly | |\n\
         | vague | e | `t/a.rs` › `real` | partly covered | some of it |\n\
         | open | e | none | not covered | Missing: a test |\n\
         | extra | e | `t/a.rs` › `real` | covered | |\n",
    );
    write(
        "shared/ROBUSTNESS.md",
        "## S\n| case | expected |\n|---|---|\n| ok | e |\n| gone | e |\n| bare | e |\n\
         | odd | e |\n| vague | e |\n| open | other |\n| absent | e |\n",
    );
    let problems = check(&root, &root.join("shared/ROBUSTNESS.md"));
    let _ = std::fs::remove_dir_all(&root);
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(has("has no test `imagined`"), "{problems:#?}");
    assert!(has("`bare` names no test"), "{problems:#?}");
    assert!(has("status `mostly`"), "{problems:#?}");
    assert!(has("`vague` is partly covered"), "{problems:#?}");
    assert!(has("expected text of `open` differs"), "{problems:#?}");
    assert!(has("`absent` has no row"), "{problems:#?}");
    assert!(
        has("`extra` is not a row of ROBUSTNESS.md"),
        "{problems:#?}"
    );
    assert!(!has("`ok`"), "{problems:#?}");
    assert_eq!(problems.len(), 7, "{problems:#?}");
}
