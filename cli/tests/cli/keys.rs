//! `whoosh keys`: generate, rotate, retire, and mint service tokens.

use crate::{stderr_and_stdout, whoosh};
use whoosh_test_support::TestDb;

#[tokio::test]
async fn keys_generate_rotate_retire_and_mint_service_tokens() {
    let db = TestDb::create().await;
    let file = std::env::temp_dir().join(format!("whoosh-cli-keys-{}.json", uuid::Uuid::new_v4()));
    let source = format!("file:{}", file.display());
    let run = |args: &[&str]| {
        let out = whoosh(&db, &[("AUTH_KEYS_SOURCE", &source)])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            stderr_and_stdout(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["keys", "generate"]).contains("created a keyring"));
    assert!(run(&["keys", "generate"]).contains("already holds a keyring"));
    run(&["keys", "rotate", "--activate-in", "3600"]);
    let shown = run(&["keys", "show"]);
    assert_eq!(
        shown.lines().filter(|l| l.contains("\tsigning\t")).count(),
        1,
        "{shown}"
    );
    assert_eq!(
        shown
            .lines()
            .filter(|l| l.contains("\tverifying\t"))
            .count(),
        1,
        "{shown}"
    );

    let token = run(&["keys", "service-token", "edge", "--ttl", "60"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ring =
        whoosh_auth::Keyring::from_json(&std::fs::read_to_string(&file).unwrap(), now).unwrap();
    let spec = whoosh_auth::TokenSpec {
        issuer: "whoosh".into(),
        audience: "whoosh-players".into(),
    };
    let claims = ring
        .verify(&spec, token.trim(), whoosh_auth::TokenKind::Service)
        .unwrap();
    assert_eq!(claims.sub, "edge");

    let signing = shown
        .lines()
        .find(|l| l.contains("\tsigning\t"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    // Retiring the only key that can sign now is refused: the keyring would be unusable.
    let refused = whoosh(&db, &[("AUTH_KEYS_SOURCE", &source)])
        .args(["keys", "retire", &signing])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(stderr_and_stdout(&refused).contains("unusable"));
    run(&["keys", "rotate", "--activate-in", "0"]);
    run(&["keys", "retire", &signing]);
    assert!(run(&["keys", "show"]).contains("\tretired\t"));
    std::fs::remove_file(&file).ok();
}
