//! `ensemble credential verify`: a credential signed elsewhere (by Digital Bazaar's libraries)
//! verifies; a changed copy does not; one whose key is not a did:key cannot be checked offline,
//! and says so; a file that is not JSON names its line and column.

mod common;

use common::{ensemble, path};
use serde_json::{json, Value};

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../credentials/tests/data/digitalbazaar-signed.json"
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn credentials_verify_offline_or_say_plainly_why_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, v: &Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_vec(v).expect("json")).expect("write");
        p
    };
    let good = write("good.json", &fixture());
    let (code, out, _) = ensemble(&["credential", "verify", path(&good)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\"Team teaching: core team member\" verified: signed by Example School (did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z)"),
        "{out}"
    );

    let mut changed = fixture();
    changed["validFrom"] = json!("2024-01-01T00:00:00Z");
    let changed = write("changed.json", &changed);
    let mut elsewhere = fixture();
    elsewhere["proof"]["verificationMethod"] = json!("https://example.edu/issuers/565049#key-1");
    let elsewhere = write("elsewhere.json", &elsewhere);
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"name\": \"x\",\n}").expect("write");
    let (code, out, _) = ensemble(&[
        "credential",
        "verify",
        path(&good),
        path(&changed),
        path(&elsewhere),
        path(&broken),
    ]);
    assert_eq!(code, 2, "the worst verdict: cannot be checked\n{out}");
    let line = |file: &str| {
        out.lines()
            .find(|l| l.contains(file))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("good.json").contains("verified"), "{out}");
    assert!(
        line("changed.json")
            .ends_with("does not verify: the signature does not match the credential"),
        "{out}"
    );
    assert!(
        line("elsewhere.json")
            .contains("cannot be checked offline: the issuer's key cannot be resolved offline"),
        "{out}"
    );
    assert!(
        line("broken.json").contains("is not JSON (line 3, column 1"),
        "{out}"
    );
    let (code, out, _) = ensemble(&["credential", "verify", path(&good), path(&changed)]);
    assert_eq!(code, 1, "{out}");
}

/// A credential earned in Ensemble comes out of `credential export` as a file that
/// `credential verify` accepts.
#[tokio::test]
async fn an_earned_credential_exports_and_verifies() {
    use ensemble_domain::credential::{Criterion, MicroCredential};
    use ensemble_domain::Level;
    use ensemble_store::{actions, Actor};
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = ensemble_store::Store::connect(&url).await.expect("opens");
    let (demo, logins) = ensemble_demo::demo_school(1);
    store
        .import(&demo, Some("$argon2id$dummy"), &|_, _, _| {})
        .await
        .expect("the demo school");
    let entry = |a| Actor::command_line("test").entry(a, "credential", None);
    let lvl = |n| Level::new(n).expect("level");
    let mc = MicroCredential {
        code: "family_conferences".into(),
        name: "Family conferences".into(),
        competency: "family_communication".into(),
        level: lvl(2),
        evidence: "Notes of three conferences.".into(),
        rubric: vec![Criterion {
            name: "Listening".into(),
            levels: ["a".into(), "b".into(), "c".into(), "d".into()],
        }],
        assessor_level: lvl(3),
        hours: 4,
    };
    let district = 1; // the demo's one district
    let id = store
        .save_micro_credential(district, &mc, &entry(actions::CREDENTIAL_CATALOG))
        .await
        .expect("catalog");
    // A demo educator with an account.
    let mut earner = None;
    for l in &logins {
        let (user, _) = store
            .login_lookup(&l.email)
            .await
            .expect("lookup")
            .expect("account");
        if let Some(e) = store
            .principal(user)
            .await
            .expect("principal")
            .and_then(|p| p.educator)
        {
            earner = Some((l.email.clone(), e));
            break;
        }
    }
    let (email, educator) = earner.expect("a demo educator with an account");
    let sub = store
        .submit_evidence(
            id,
            educator,
            "Three conferences.",
            &[],
            &entry(actions::CREDENTIAL_SUBMIT),
        )
        .await
        .expect("submitted");
    let (leader, _) = store
        .login_lookup(
            &logins
                .iter()
                .find(|l| l.email.starts_with("principal"))
                .expect("a principal")
                .email,
        )
        .await
        .expect("lookup")
        .expect("principal");
    store
        .decide_submission(
            sub,
            leader,
            None,
            &[lvl(3)],
            true,
            "",
            &entry(actions::CREDENTIAL_DECIDE),
        )
        .await
        .expect("accepted");
    let out = dir.path().join("earned");
    let (code, text, err) = ensemble(&[
        "credential",
        "export",
        "--educator",
        &email,
        "--out",
        path(&out),
        "--database",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("Wrote 1 credential of"), "{text}");
    let file = out.join("01-family-conferences.json");
    let (code, text, _) = ensemble(&["credential", "verify", path(&file)]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("\"Family conferences\" verified: signed by"),
        "{text}"
    );
}
