//! The proof against outside judges: 1EdTech's published Open Badges 3.0 test vector, and a
//! credential signed by Digital Bazaar's JavaScript libraries (`@digitalbazaar/vc` with the
//! `eddsa-rdfc-2022` cryptosuite, `tests/data/digitalbazaar-signed.json`). Ensemble must produce
//! their proof values byte for byte and accept their credentials, and a change anywhere must
//! break the proof.

use ensemble_credentials::{
    canonical_nquads, resolve_did_key, sign, sign_as, verify, CredentialError, IssuerKey,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn seed(text: &str) -> [u8; 32] {
    hex::FromHex::from_hex(text).expect("32 bytes in hex")
}

fn digitalbazaar_signed() -> Value {
    serde_json::from_str(include_str!("data/digitalbazaar-signed.json")).expect("json")
}

fn unsigned(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().expect("object").remove("proof");
    v
}

#[test]
fn the_key_seeded_with_sevens_is_the_one_the_javascript_libraries_made() {
    let key = IssuerKey::from_seed([7; 32]);
    assert_eq!(
        key.public_key_multibase(),
        "z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z"
    );
    assert_eq!(
        key.did(),
        "did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z"
    );
    let resolved = resolve_did_key(&key.verification_method()).expect("resolves");
    assert_eq!(
        hex(resolved.as_bytes()),
        "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
    );
}

#[test]
fn ensemble_signs_exactly_as_the_javascript_libraries_do() {
    let theirs = digitalbazaar_signed();
    let doc = unsigned(&theirs);
    assert_eq!(
        hex(&Sha256::digest(
            canonical_nquads(&doc).expect("canon").as_bytes()
        )),
        "d0d7789f30fe97b3c2b328bd774750f05002435fc8c059779b4333ebc453adb6"
    );
    let canon = canonical_nquads(&doc).expect("canon");
    assert!(
        canon.contains("<https://schema.org/AlignmentObject>"),
        "{canon}"
    );
    let key = IssuerKey::from_seed([7; 32]);
    let ours = sign(&doc, &key, "2025-01-01T00:00:00Z").expect("signs");
    assert_eq!(ours, theirs, "the same document, proof and all");
    assert_eq!(
        verify(&theirs).expect("their credential verifies"),
        key.did()
    );
}

#[test]
fn ensemble_reproduces_the_open_badges_3_test_vector() {
    // ob_v3p0/impl/linked-data-proof-ob.html (1EdTech), the eddsa-rdfc-2022 example.
    let context = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    ]);
    let doc = json!({
        "@context": context,
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.edu/issuers/565049", "type": ["Profile"],
                   "url": "https://www.imsglobal.org", "name": "Example Corp"},
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {"narrative": "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."},
                "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
                "name": "Teamwork"
            }
        }
    });
    let key = IssuerKey::from_seed(seed(
        "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4",
    ));
    assert_eq!(
        hex(&ed25519_public(&key)),
        "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
    );
    let signed = sign_as(
        &doc,
        &key,
        "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "2010-01-01T19:23:24Z",
    )
    .expect("signs");
    assert_eq!(
        signed["proof"]["proofValue"],
        "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
    );
    // Its key is named by an https address: not resolvable offline, and said so.
    assert!(matches!(
        verify(&signed),
        Err(CredentialError::Unresolvable(_))
    ));
}

fn ed25519_public(key: &IssuerKey) -> Vec<u8> {
    resolve_did_key(&key.verification_method())
        .expect("resolves")
        .as_bytes()
        .to_vec()
}

#[test]
fn a_changed_credential_or_proof_does_not_verify() {
    let good = digitalbazaar_signed();
    let mut renamed = good.clone();
    renamed["credentialSubject"]["achievement"]["name"] = json!("Core team membeR");
    assert!(matches!(
        verify(&renamed),
        Err(CredentialError::BadSignature)
    ));
    // A field no context defines would be dropped from what the proof signs: it is refused,
    // named (at the top, in the achievement and in its criteria).
    for path in [
        &[][..],
        &["credentialSubject", "achievement"][..],
        &["credentialSubject", "achievement", "criteria"][..],
    ] {
        let mut added = good.clone();
        let mut at = &mut added;
        for k in path {
            at = &mut at[*k];
        }
        at["level"] = json!("Expert");
        match verify(&added) {
            Err(CredentialError::Undefined(names)) => assert_eq!(names, "level"),
            other => panic!("{path:?}: {other:?}"),
        }
    }
    let mut later = good.clone();
    later["proof"]["created"] = json!("2025-01-01T00:00:01Z");
    assert!(matches!(verify(&later), Err(CredentialError::BadSignature)));
    let mut flipped = good.clone();
    let value = flipped["proof"]["proofValue"]
        .as_str()
        .expect("value")
        .to_owned();
    let last = if value.ends_with('N') { "M" } else { "N" };
    flipped["proof"]["proofValue"] = json!(format!("{}{last}", &value[..value.len() - 1]));
    assert!(verify(&flipped).is_err());
    // Signed by one district's key, claimed by another issuer.
    let mut claimed = good.clone();
    claimed["issuer"]["id"] = json!(IssuerKey::from_seed([8; 32]).did());
    assert!(matches!(
        verify(&claimed),
        Err(CredentialError::IssuerMismatch { .. })
    ));
    let mut unknown = good;
    unknown["@context"][1] = json!("https://example.org/not-a-known-context.json");
    assert!(matches!(verify(&unknown), Err(CredentialError::JsonLd(_))));
}

#[test]
fn keys_that_are_not_ed25519_did_keys_are_refused() {
    for vm in [
        "did:web:example.org#key-1",
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
        "did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z#z6MkOther",
        "did:key:not-base58-0OIl",
    ] {
        assert!(resolve_did_key(vm).is_err(), "{vm}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any text in any field signs and verifies, and changing any one character of it breaks
    /// the proof.
    #[test]
    fn any_credential_signed_verifies_and_any_change_breaks_it(
        name in "\\PC{1,40}",
        narrative in "\\PC{0,80}",
        target in "[a-z]{1,12}",
        flip in 0usize..40,
    ) {
        let key = IssuerKey::from_seed([3; 32]);
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": key.did(), "type": ["Profile"], "name": "Test District"},
            "validFrom": "2026-09-01T00:00:00Z",
            "name": name,
            "credentialSubject": {
                "id": "urn:uuid:00000000-0000-4000-8000-000000000002",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "urn:uuid:00000000-0000-4000-8000-000000000003",
                    "type": ["Achievement"],
                    "name": name,
                    "description": "A test achievement.",
                    "criteria": {"narrative": narrative},
                    "alignment": [{"type": ["Alignment"], "targetName": target,
                                   "targetUrl": format!("https://example.org/c#{target}")}]
                }
            }
        });
        let signed = sign(&doc, &key, "2026-09-01T00:00:00Z").expect("signs");
        prop_assert_eq!(verify(&signed).expect("verifies"), key.did());
        let chars: Vec<char> = name.chars().collect();
        let i = flip % chars.len();
        let mut changed: String = chars[..i].iter().collect();
        changed.push(if chars[i] == 'x' { 'y' } else { 'x' });
        changed.extend(&chars[i + 1..]);
        let mut tampered = signed.clone();
        tampered["name"] = json!(changed);
        prop_assert!(verify(&tampered).is_err());
    }
}

#[test]
fn the_vendored_contexts_are_the_published_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contexts");
    for (file, digest) in [
        (
            "credentials-v2.jsonld",
            "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
        ),
        (
            "ob-v3p0-context-3.0.3.json",
            "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
        ),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("vendored");
        assert_eq!(hex(&Sha256::digest(&bytes)), digest, "{file}");
    }
}
