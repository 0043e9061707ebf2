//! The independent judge: credentials Ensemble signs are verified by Digital Bazaar's Verifiable
//! Credentials libraries (`e2e/verify-credentials.mjs`, offline), and a copy with one change —
//! in the credential, in its proof, or a field no context defines — is refused by them and by
//! Ensemble alike.
//!
//! Needs Node and the packages of `e2e/package.json` (`npm ci` in `e2e/`; `cargo xtask test`
//! installs them before the tests run).

use ensemble_credentials::{new_urn_uuid, open_badge, sign, Badge, IssuerKey};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn e2e() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// A credential as Ensemble will issue one, with the given texts and alignments.
fn credential(key: &IssuerKey, n: usize, name: &str, narrative: &str, aligned: &[&str]) -> Value {
    let alignment: Vec<Value> = aligned
        .iter()
        .map(|code| {
            json!({
                "type": ["Alignment"],
                "targetName": code.replace('_', " "),
                "targetCode": code,
                "targetFramework": "Ensemble competencies",
                "targetUrl": format!("https://ensemble.example.org/competencies/{code}"),
            })
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": format!("urn:uuid:00000000-0000-4000-8000-{n:012}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.did(), "type": ["Profile"], "name": "Lincoln Unified School District"},
        "validFrom": "2026-09-01T00:00:00Z",
        "name": name,
        "credentialSubject": {
            "id": format!("urn:uuid:10000000-0000-4000-8000-{n:012}"),
            "type": ["AchievementSubject"],
            "achievement": {
                "id": format!("urn:uuid:20000000-0000-4000-8000-{n:012}"),
                "type": ["Achievement"],
                "name": name,
                "description": "Shows the competency at the level it names, assessed against its rubric.",
                "criteria": {"narrative": narrative},
                "alignment": alignment,
            }
        }
    })
}

#[test]
fn javascript_verifies_what_ensemble_signs_and_refuses_any_change() {
    assert!(
        e2e().join("node_modules/@digitalbazaar/vc").exists(),
        "the independent verifier is not installed: run `npm ci` in e2e/ (cargo xtask test does)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let key = IssuerKey::generate();
    let cases = [
        ("Small-group instruction: proficient", "Plans and leads flexible groups from formative data.\n\n* Two observed lessons\n* A reflection", vec!["small_group_instruction"]),
        ("Co-teaching — \"station\" model", "Tabs\tquotes \" backslash \\ é 漢字 😀\r\nand a bell \u{7}", vec!["co_teaching", "planning"]),
        ("Twice aligned", "The same alignment twice (two blank nodes alike).", vec!["data_literacy", "data_literacy"]),
        ("No alignment", "", vec![]),
    ];
    // The credential as Ensemble issues it for an accepted micro-credential.
    let issued = open_badge(
        &Badge {
            id: &new_urn_uuid(),
            issuer_name: "Lincoln Unified School District",
            valid_from: "2026-09-01T08:00:00Z",
            achievement_id: "urn:ensemble:micro-credential:lincoln:small_groups_proficient",
            name: "Small groups from formative data",
            description: "Shows small-group instruction at the proficient level.",
            criteria: "Scored at proficient or above on every criterion:\n\n- Groups from data\n- Regrouping",
            competency: ("small_group_instruction", "Small-group instruction"),
            email: "Grace.Okafor@lincoln.example",
            salt: "f00d",
        },
        &key,
    );
    let mut docs: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(n, (name, narrative, aligned))| credential(&key, n, name, narrative, aligned))
        .collect();
    docs.push(issued);
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (n, doc) in docs.iter().enumerate() {
        let name = doc["name"].as_str().expect("name").to_owned();
        let signed = sign(doc, &key, "2026-09-01T08:00:00Z").expect("signs");
        let path = dir.path().join(format!("good-{n}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&signed).expect("json")).expect("write");
        good.push(path);
        // One change in the credential, one in the proof.
        let mut renamed = signed.clone();
        renamed["credentialSubject"]["achievement"]["name"] = json!(format!("{name}!"));
        let mut redated = signed.clone();
        redated["proof"]["created"] = json!("2026-09-01T08:00:01Z");
        // And a field no context defines (it would not be signed).
        let mut extra = signed.clone();
        extra["credentialSubject"]["achievement"]["level"] = json!("Expert");
        for (what, v) in [("renamed", renamed), ("redated", redated), ("extra", extra)] {
            let path = dir.path().join(format!("{what}-{n}.json"));
            std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
            bad.push(path);
        }
    }
    let out = Command::new("node")
        .arg(e2e().join("verify-credentials.mjs"))
        .args(&good)
        .args(&bad)
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        verdicts.len(),
        good.len() + bad.len(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for v in &verdicts {
        let file = v["file"].as_str().expect("file");
        let should = file.contains("good-");
        assert_eq!(v["verified"], json!(should), "{v}");
        // Every verdict is also Ensemble's own.
        let doc: Value = serde_json::from_slice(&std::fs::read(file).expect("read")).expect("json");
        assert_eq!(ensemble_credentials::verify(&doc).is_ok(), should, "{file}");
    }
}
