//! The fuzz targets: every parser of untrusted input, fed raw bytes, arbitrary text and inputs
//! built from its format and then mutated, for `WHOOSH_FUZZ_SECONDS` each (see the crate docs).
//! A target fails on a panic or on an input whose answer breaks the format's rules.

#![allow(clippy::unwrap_used)]

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use proptest::{prelude::*, test_runner::TestCaseError};
use serde_json::{Value, json};
use std::sync::OnceLock;
use uuid::Uuid;
use whoosh_fuzz::{
    fuzz,
    inputs::{apply, edits, json, text},
};

// ---------------------------------------------------------------------------------------------
// Lobby socket messages (edge/src/protocol.rs)

fn message_text() -> impl Strategy<Value = String> {
    let tag = prop_oneof![
        Just("SUSPECT".to_owned()),
        Just("CHAT".to_owned()),
        Just("READY".to_owned()),
        Just("START".to_owned()),
        Just("PING".to_owned()),
        "[A-Za-z_]{0,10}",
    ];
    let field = prop_oneof![
        Just("target"),
        Just("text"),
        Just("ready"),
        Just("nonce"),
        Just("t"),
        Just("extra"),
    ];
    let shaped = (tag, prop::collection::vec((field, json()), 0..4), edits()).prop_map(
        |(t, fields, edits)| {
            let mut object = serde_json::Map::new();
            object.insert("t".to_owned(), Value::String(t));
            for (name, value) in fields {
                object.insert(name.to_owned(), value);
            }
            apply(&Value::Object(object).to_string(), &edits)
        },
    );
    prop_oneof![text(), json().prop_map(|v| v.to_string()), shaped]
}

#[test]
fn websocket_messages() {
    use whoosh_edge::protocol::{ClientMessage, ParseError};
    const KNOWN: [&str; 5] = ["SUSPECT", "CHAT", "READY", "START", "PING"];
    fuzz("websocket_messages", message_text(), |text| {
        let parsed = ClientMessage::parse(&text);
        let value = serde_json::from_str::<Value>(&text).ok();
        let tag = value
            .as_ref()
            .and_then(|v| v.get("t"))
            .and_then(Value::as_str);
        let wrong = match (&parsed, tag) {
            (Err(ParseError::Malformed), None) => None,
            (Err(e), None) => Some(format!("{e:?} for a frame without a string `t`")),
            (Err(ParseError::Malformed), Some(t)) => {
                Some(format!("a frame with `t` {t:?} called malformed"))
            }
            (Err(ParseError::Unknown), Some(t)) => KNOWN
                .contains(&t)
                .then(|| format!("known `t` {t:?} called unknown")),
            (Err(ParseError::Invalid) | Ok(_), Some(t)) => {
                (!KNOWN.contains(&t)).then(|| format!("unknown `t` {t:?} answered {parsed:?}"))
            }
            (Ok(m), None) => Some(format!("{m:?} parsed from a frame without `t`")),
        };
        match wrong {
            Some(wrong) => Err(TestCaseError::fail(wrong)),
            None => Ok(()),
        }
    });
}

#[test]
fn websocket_messages_of_the_documented_shape_parse_to_themselves() {
    use whoosh_edge::protocol::ClientMessage;
    let valid = prop_oneof![
        any::<String>().prop_map(|text| (
            json!({"t": "CHAT", "text": text}),
            ClientMessage::Chat { text }
        )),
        any::<Option<u128>>().prop_map(|id| {
            let target = id.map(|n| Uuid::from_u128(n).to_string().parse().unwrap());
            (
                json!({"t": "SUSPECT", "target": id.map(|n| Uuid::from_u128(n).to_string())}),
                ClientMessage::Suspect { target },
            )
        }),
        any::<bool>().prop_map(|ready| (
            json!({"t": "READY", "ready": ready}),
            ClientMessage::Ready { ready }
        )),
        any::<Option<u64>>().prop_map(|nonce| (
            json!({"t": "PING", "nonce": nonce}),
            ClientMessage::Ping { nonce }
        )),
        Just((json!({"t": "START"}), ClientMessage::Start)),
    ];
    fuzz(
        "websocket_messages_documented",
        valid,
        |(frame, expected)| {
            prop_assert_eq!(ClientMessage::parse(&frame.to_string()), Ok(expected));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Action tokens (lambdas/profiles/src/action_token.rs)

fn claim() -> impl Strategy<Value = whoosh_lambda_profiles::action_token::ActionClaim> {
    (any::<u128>(), any::<u128>(), any::<i64>(), any::<i64>()).prop_map(|(a, u, max, exp)| {
        whoosh_lambda_profiles::action_token::ActionClaim {
            action_id: Uuid::from_u128(a),
            user_id: Uuid::from_u128(u),
            max_score: max,
            expires_at: exp,
        }
    })
}

#[test]
fn action_tokens() {
    use whoosh_lambda_profiles::action_token::{MAX_LEN, sign, verify};
    let key = b"fuzzing key of at least thirty-two bytes".to_vec();
    let inputs = (
        claim(),
        edits(),
        text(),
        prop::collection::vec(any::<u8>(), 1..64),
    );
    fuzz(
        "action_tokens",
        inputs,
        |(claim, edits, noise, other_key)| {
            // Signed tokens verify to their claim, under their key only.
            let token = sign(&key, &claim);
            prop_assert_eq!(verify(&key, &token), Ok(claim));
            // (HMAC pads short keys with zero bytes, so keys differing only in trailing zeros
            // are the same key.)
            let unpadded = |k: &[u8]| k.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            if other_key[..unpadded(&other_key)] != key[..unpadded(&key)] {
                prop_assert!(verify(&other_key, &token).is_err());
            }
            // Any edit of a signed token is refused, unless it changed nothing.
            let edited = apply(&token, &edits);
            if edited != token {
                prop_assert!(
                    verify(&key, &edited).is_err(),
                    "edited token {edited:?} accepted"
                );
            }
            // Noise, and noise shaped like a token, never verifies (and never panics).
            prop_assert!(verify(&key, &noise).is_err());
            let forged = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(noise.as_bytes()),
                URL_SAFE_NO_PAD.encode(&other_key)
            );
            prop_assert!(verify(&key, &forged).is_err());
            let long = format!("{token}{}", "A".repeat(MAX_LEN));
            prop_assert!(verify(&key, &long).is_err());
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// JWT headers and claims (crates/auth/src/token.rs)

struct Signer {
    ring: whoosh_auth::Keyring,
    kid: String,
    key: jsonwebtoken::EncodingKey,
    spec: whoosh_auth::TokenSpec,
}

fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let (ring, stored) = whoosh_auth::Keyring::generate(now() - 60).unwrap();
        let stored_key = &stored.keys[0];
        Signer {
            kid: ring.signing_kid().to_owned(),
            key: jsonwebtoken::EncodingKey::from_rsa_pem(stored_key.private_key_pem.as_bytes())
                .unwrap(),
            ring,
            spec: whoosh_auth::TokenSpec {
                issuer: "whoosh".to_owned(),
                audience: "whoosh-players".to_owned(),
            },
        }
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A time claim relative to now (in seconds), or something that is not a time at all.
fn time_claim() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        4 => (-200i64..200).prop_map(|d| Some(json!(now() + d))),
        1 => any::<i64>().prop_map(|t| Some(json!(t))),
        1 => any::<f64>().prop_map(|t| Some(json!(t))),
        1 => json().prop_map(Some),
        1 => Just(None),
    ]
}

fn claims_json() -> impl Strategy<Value = Value> {
    let iss = prop_oneof![4 => Just(json!("whoosh")), 1 => json()];
    let aud = prop_oneof![
        4 => Just(json!("whoosh-players")),
        1 => Just(json!(["whoosh-players", "other"])),
        1 => json(),
    ];
    let typ = prop_oneof![
        Just(json!("access")),
        Just(json!("join")),
        Just(json!("service")),
        json(),
    ];
    let sub = prop_oneof![4 => "[a-z0-9-]{1,40}".prop_map(Value::String), 1 => json()];
    (
        (iss, aud, sub, typ),
        (time_claim(), time_claim(), time_claim()),
        prop::option::of(any::<u128>()),
        prop::option::of(json()),
        prop::collection::btree_map("[a-z]{1,6}", json(), 0..3),
    )
        .prop_map(
            |((iss, aud, sub, typ), (exp, nbf, iat), sid, lobby, extra)| {
                let mut claims = serde_json::Map::new();
                for (name, value) in [
                    ("iss", Some(iss)),
                    ("aud", Some(aud)),
                    ("sub", Some(sub)),
                    ("typ", Some(typ)),
                    ("exp", exp),
                    ("nbf", nbf),
                    ("iat", iat),
                    ("jti", Some(json!(Uuid::new_v4().to_string()))),
                    ("sid", sid.map(|s| json!(Uuid::from_u128(s).to_string()))),
                    ("lobby", lobby),
                ] {
                    if let Some(value) = value {
                        claims.insert(name.to_owned(), value);
                    }
                }
                for (name, value) in extra {
                    claims.entry(name).or_insert(value);
                }
                Value::Object(claims)
            },
        )
}

#[test]
fn jwt_headers_and_claims() {
    let s = signer();
    let header_extras = prop_oneof![
        Just(None),
        Just(Some(("jku", "http://127.0.0.1:9/keys"))),
        Just(Some(("x5u", "http://127.0.0.1:9/cert"))),
    ];
    let inputs = (claims_json(), header_extras, edits(), text());
    fuzz(
        "jwt_headers_and_claims",
        inputs,
        |(claims, extra, edits, noise)| {
            // Claims of every shape, genuinely signed with a known key: whatever is accepted has
            // the right issuer and audience and is within the 30 s leeway of exp and nbf.
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some(s.kid.clone());
            match extra {
                Some(("jku", url)) => header.jku = Some(url.to_owned()),
                Some((_, url)) => header.x5u = Some(url.to_owned()),
                None => {}
            }
            let token = jsonwebtoken::encode(&header, &claims, &s.key).unwrap();
            let checked_at = now();
            if let Ok(accepted) = s.ring.verify_any_kind(&s.spec, &token) {
                prop_assert_eq!(&accepted.iss, "whoosh");
                prop_assert_eq!(&accepted.aud, "whoosh-players");
                prop_assert!(
                    accepted.exp >= checked_at - 31,
                    "expired {} accepted",
                    accepted.exp
                );
                prop_assert!(
                    accepted.nbf <= checked_at + 31,
                    "future nbf {} accepted",
                    accepted.nbf
                );
                prop_assert_eq!(claims["exp"].as_i64(), Some(accepted.exp));
            }
            // Any edit of the signed token is refused, unless it changed nothing.
            let edited = apply(&token, &edits);
            if edited != token {
                prop_assert!(
                    s.ring.verify_any_kind(&s.spec, &edited).is_err(),
                    "edited token accepted"
                );
            }
            // Unsigned (`alg: none`) and symmetric (HS256 keyed with anything) forms are refused.
            let body = URL_SAFE_NO_PAD.encode(claims.to_string());
            for alg in ["none", "HS256", "RS512", "ES256"] {
                let forged_header = URL_SAFE_NO_PAD
                    .encode(json!({"alg": alg, "kid": s.kid, "typ": "JWT"}).to_string());
                let forged = format!(
                    "{forged_header}.{body}.{}",
                    URL_SAFE_NO_PAD.encode(noise.as_bytes())
                );
                prop_assert!(
                    s.ring.verify_any_kind(&s.spec, &forged).is_err(),
                    "alg {alg} accepted"
                );
            }
            // Noise never verifies.
            prop_assert!(s.ring.verify_any_kind(&s.spec, &noise).is_err());
            Ok(())
        },
    );
}

#[test]
fn jwt_minted_grants_verify_as_their_kind_only() {
    use whoosh_auth::{Grant, TokenKind};
    let s = signer();
    let inputs = (any::<String>(), any::<String>(), any::<u128>(), 0u8..3);
    fuzz("jwt_minted_grants", inputs, |(sub, lobby, sid, kind)| {
        let (grant, kind) = match kind {
            0 => (Grant::access(&sub, Uuid::from_u128(sid)), TokenKind::Access),
            1 => (Grant::join(&sub, &lobby), TokenKind::Join),
            _ => (Grant::service(&sub), TokenKind::Service),
        };
        let token = s
            .ring
            .mint(&s.spec, grant, now(), std::time::Duration::from_secs(300))
            .unwrap();
        let claims = s.ring.verify(&s.spec, &token, kind).unwrap();
        prop_assert_eq!(&claims.sub, &sub);
        for other in [TokenKind::Access, TokenKind::Join, TokenKind::Service] {
            if other != kind {
                prop_assert!(s.ring.verify(&s.spec, &token, other).is_err());
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Join codes (crates/core/src/matchmaking.rs)

#[test]
fn join_codes() {
    use whoosh_core::{LobbyCode, matchmaking::CODE_ALPHABET, matchmaking::CODE_LEN};
    let typed = prop_oneof![
        text(),
        "[ \\t]{0,2}[A-Za-z0-9]{4,8}[ \\t\\n]{0,2}",
        "[ABCDEFGHJKMNPQRSTUVWXYZ23456789abcdefghjkmnpqrstuvwxyz]{6}",
    ];
    fuzz("join_codes", (typed, any::<u64>()), |(raw, entropy)| {
        if let Ok(code) = LobbyCode::parse(&raw) {
            let s = code.as_str();
            prop_assert_eq!(s.len(), CODE_LEN);
            prop_assert!(s.bytes().all(|b| CODE_ALPHABET.contains(&b)));
            prop_assert_eq!(s, raw.trim().to_ascii_uppercase());
            prop_assert_eq!(LobbyCode::parse(s).ok(), Some(code.clone()));
        } else {
            let normal = raw.trim().to_ascii_uppercase();
            prop_assert!(
                normal.len() != CODE_LEN || !normal.bytes().all(|b| CODE_ALPHABET.contains(&b)),
                "a well-formed code {raw:?} was refused"
            );
        }
        let drawn = LobbyCode::from_entropy(entropy);
        prop_assert_eq!(LobbyCode::parse(drawn.as_str()).ok(), Some(drawn.clone()));
        let typed = format!(" {} ", drawn.as_str().to_ascii_lowercase());
        prop_assert_eq!(LobbyCode::parse(&typed).ok(), Some(drawn));
        Ok(())
    });
}
