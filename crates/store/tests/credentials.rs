//! Micro-credentials through the store, on SQLite and PostgreSQL alike: evidence submitted,
//! returned with feedback, submitted again and accepted — which raises the educator's competency
//! where staffing reads it and issues a credential that verifies under the district's did:key —
//! and every wrong step refused with nothing changed.

use ensemble_domain::credential::{Criterion, MicroCredential, SubmissionStatus};
use ensemble_domain::{EducatorId, Level, UserId};
use ensemble_store::testing::{each_backend, store_with, TestDb};
use ensemble_store::{actions, Actor, AuditEntry, Decision, StoreError};

fn entry(action: &'static str) -> AuditEntry {
    Actor::command_line("credentials test").entry(action, "credential", None)
}

fn lvl(n: i64) -> Level {
    Level::new(n).expect("level")
}

fn coaching() -> MicroCredential {
    let levels = || {
        [
            "Names a goal.".to_owned(),
            "Plans a cycle.".to_owned(),
            "Runs a full cycle with evidence of change.".to_owned(),
            "Coaches coaches.".to_owned(),
        ]
    };
    MicroCredential {
        code: "coaching_cycle".into(),
        name: "A full coaching cycle".into(),
        competency: "coaching".into(),
        level: lvl(3),
        evidence: "Notes of a six-week cycle with a colleague, and its results.".into(),
        rubric: vec![
            Criterion {
                name: "Goal".into(),
                levels: levels(),
            },
            Criterion {
                name: "Evidence of change".into(),
                levels: levels(),
            },
        ],
        assessor_level: lvl(3),
        hours: 20,
    }
    .checked()
    .expect("a good entry")
}

async fn one(db: &TestDb, sql: &str) -> i64 {
    db.strings(sql, &[]).await[0].parse().expect("a number")
}

async fn level_of(db: &TestDb, educator: i64) -> Option<String> {
    db.strings(
        &format!(
            "SELECT CAST(level AS TEXT) || ' ' || evidence FROM educator_competencies WHERE educator_id = {educator} AND code = 'coaching'"
        ),
        &[],
    )
    .await
    .pop()
}

#[tokio::test]
async fn evidence_returned_then_accepted_raises_the_level_and_issues_a_signed_credential() {
    each_backend(|b| async move {
        let (db, store) = store_with(b, &ensemble_demo::demo_school(1).0).await;
        let district = one(&db, "SELECT CAST(MIN(id) AS TEXT) FROM districts").await;
        // Someone below proficient in coaching (or without it), and a leader's account.
        let learner = one(
            &db,
            "SELECT CAST(MIN(id) AS TEXT) FROM educators WHERE id NOT IN
               (SELECT educator_id FROM educator_competencies WHERE code = 'coaching' AND level >= 3)",
        )
        .await;
        let leader = UserId(
            one(&db, "SELECT CAST(MIN(id) AS TEXT) FROM users WHERE system_role = 'school_leader'").await,
        );
        let before = level_of(&db, learner).await;
        let mc = store
            .save_micro_credential(district, &coaching(), &entry(actions::CREDENTIAL_CATALOG))
            .await
            .expect("saved");
        assert_eq!(store.catalog(district).await.expect("catalog").len(), 1);
        let me = EducatorId(learner);
        let submit = |text: &'static str| {
            let store = &store;
            async move {
                store
                    .submit_evidence(mc, me, text, &["https://example.org/notes".into()], &entry(actions::CREDENTIAL_SUBMIT))
                    .await
            }
        };
        let first = submit("Six weeks with a new colleague.").await.expect("submitted");
        assert!(
            matches!(submit("again").await, Err(StoreError::Conflict(m)) if m.contains("already waiting")),
            "{b:?}: one at a time"
        );
        let decide = |sub: i64, who: Option<EducatorId>, scores: Vec<Level>, accept: bool, feedback: &'static str| {
            let store = &store;
            async move {
                store
                    .decide_submission(sub, leader, who, &scores, accept, feedback, &entry(actions::CREDENTIAL_DECIDE))
                    .await
            }
        };
        // The wrong steps change nothing.
        assert!(matches!(
            decide(first, Some(me), vec![lvl(3), lvl(3)], true, "").await,
            Err(StoreError::Conflict(m)) if m.contains("own evidence")
        ));
        assert!(matches!(
            decide(first, None, vec![lvl(3), lvl(2)], true, "").await,
            Err(StoreError::Conflict(m)) if m.contains("Evidence of change (developing) fall short")
        ));
        assert!(matches!(
            decide(first, None, vec![lvl(3)], true, "").await,
            Err(StoreError::Conflict(m)) if m.contains("one score for each criterion")
        ));
        assert!(matches!(
            decide(first, None, vec![lvl(3), lvl(2)], false, "  ").await,
            Err(StoreError::Conflict(m)) if m.contains("needs feedback")
        ));
        let subs = store.submissions(district, Some(me)).await.expect("listed");
        assert_eq!(subs[0].status, SubmissionStatus::Submitted, "{b:?}");
        assert_eq!(level_of(&db, learner).await, before);

        // Returned with feedback, submitted again, accepted.
        assert_eq!(
            decide(first, None, vec![lvl(3), lvl(2)], false, "Show what changed for students.").await.expect("returned"),
            Decision::Returned
        );
        assert!(matches!(
            decide(first, None, vec![lvl(3), lvl(3)], true, "").await,
            Err(StoreError::Conflict(m)) if m.contains("already decided")
        ));
        let second = submit("Six weeks, with the class's results before and after.").await.expect("again");
        let Decision::Accepted { level, credential } =
            decide(second, None, vec![lvl(4), lvl(3)], true, "").await.expect("accepted")
        else {
            panic!("{b:?}: accepted");
        };
        assert_eq!(level, lvl(3), "{b:?}: below proficient before ({before:?})");
        assert_eq!(level_of(&db, learner).await.as_deref(), Some("3 micro_credential"), "{b:?}: where staffing reads it");
        assert!(matches!(
            submit("once more").await,
            Err(StoreError::Conflict(m)) if m.contains("already earned")
        ));

        // The credential verifies, issued by the district's key.
        let issued = store.issued_credentials(me).await.expect("issued");
        assert_eq!(issued.len(), 1);
        assert_eq!(issued[0].id, credential);
        assert_eq!(issued[0].name, "A full coaching cycle");
        let did = db.strings("SELECT did FROM district_keys", &[]).await;
        assert_eq!(did.len(), 1);
        assert_eq!(ensemble_credentials::verify(&issued[0].credential).expect("verifies"), did[0], "{b:?}");
        let mut tampered = issued[0].credential.clone();
        tampered["credentialSubject"]["achievement"]["name"] = serde_json::json!("A half coaching cycle");
        assert!(ensemble_credentials::verify(&tampered).is_err());

        let audited = db
            .strings("SELECT action FROM audit_log WHERE action LIKE 'credential.%' ORDER BY id", &[])
            .await;
        assert_eq!(
            audited,
            ["credential.catalog", "credential.submit", "credential.decide", "credential.submit", "credential.decide"],
            "{b:?}: each step once, refusals change nothing"
        );
    })
    .await;
}

/// Two clicks at once: one submission waits, one decision is taken, one credential is issued;
/// the other writer is told, never an error.
#[tokio::test]
async fn two_writers_at_once_get_one_result_and_a_clear_answer() {
    each_backend(|b| async move {
        let (db, store) = store_with(b, &ensemble_demo::demo_school(1).0).await;
        let district = one(&db, "SELECT CAST(MIN(id) AS TEXT) FROM districts").await;
        let me = EducatorId(one(&db, "SELECT CAST(MIN(id) AS TEXT) FROM educators").await);
        let leader = UserId(
            one(
                &db,
                "SELECT CAST(MIN(id) AS TEXT) FROM users WHERE system_role = 'school_leader'",
            )
            .await,
        );
        let mc = store
            .save_micro_credential(district, &coaching(), &entry(actions::CREDENTIAL_CATALOG))
            .await
            .expect("saved");
        let (s1, s2) = (store.clone(), store.clone());
        let e = entry(actions::CREDENTIAL_SUBMIT);
        let (a, c) = tokio::join!(
            s1.submit_evidence(mc, me, "one", &[], &e),
            s2.submit_evidence(mc, me, "two", &[], &e)
        );
        let ok: Vec<i64> = [&a, &c]
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        assert_eq!(ok.len(), 1, "{b:?}: {a:?} {c:?}");
        assert!(
            [a, c]
                .into_iter()
                .any(|r| matches!(r, Err(StoreError::Conflict(_)) | Err(StoreError::Busy(_)))),
            "{b:?}"
        );
        let scores = [lvl(3), lvl(3)];
        let e = entry(actions::CREDENTIAL_DECIDE);
        let (a, c) = tokio::join!(
            s1.decide_submission(ok[0], leader, None, &scores, true, "", &e),
            s2.decide_submission(ok[0], leader, None, &scores, true, "", &e)
        );
        assert_eq!(
            [&a, &c].iter().filter(|r| r.is_ok()).count(),
            1,
            "{b:?}: {a:?} {c:?}"
        );
        assert!(
            [a, c]
                .into_iter()
                .any(|r| matches!(r, Err(StoreError::Conflict(_)) | Err(StoreError::Busy(_)))),
            "{b:?}"
        );
        assert_eq!(
            store.issued_credentials(me).await.expect("issued").len(),
            1,
            "{b:?}"
        );
    })
    .await;
}
