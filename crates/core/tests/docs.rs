//! Error codes are part of the API: docs/API.md must list every one.

use whoosh_core::ErrorCode;

#[test]
fn api_docs_list_every_error_code() {
    let docs = include_str!("../../../docs/API.md");
    let section = docs.split("## Error codes").nth(1).unwrap_or_default();
    for code in ErrorCode::ALL {
        let cell = format!("`{}`", code.as_str());
        assert!(
            section.contains(&cell),
            "docs/API.md's error code table lacks {cell}"
        );
    }
}
