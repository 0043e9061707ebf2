//! OneRoster bundles through the store, on SQLite and on PostgreSQL alike: a bundle written by
//! another system lands whole with its sourcedIds, again changes nothing, a delta applies its
//! changes (and the audit says what was removed), a refused bundle writes nothing, an export
//! comes back as the same school, and proposed core teams become teams only when a leader says.

use ensemble_domain::SchoolId;
use ensemble_oneroster::read::Files;
use ensemble_oneroster::Plan;
use ensemble_store::testing::{each_backend, TestDb};
use ensemble_store::{actions, Actor, AuditEntry, AuditFilter, ImportSummary, Store};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../oneroster/tests/data")
        .join(name)
}

fn entry() -> AuditEntry {
    Actor::command_line("oneroster test").entry(actions::ONEROSTER_IMPORT, "import", None)
}

async fn plan_of(store: &Store, files: &Files) -> Result<Plan, ensemble_oneroster::Refused> {
    let known = store.oneroster_known().await.expect("known");
    ensemble_oneroster::load(files, &|r, id| known.has(r, id)).map(|(_, p)| p)
}

async fn import(store: &Store, name: &str, dry_run: bool) -> ImportSummary {
    let files = Files::open(&data(name)).expect("opens");
    let plan = plan_of(store, &files).await.expect("a good bundle");
    store
        .apply_oneroster(&plan, name, &entry(), dry_run, &|_, _, _| {})
        .await
        .expect("applies")
}

/// Rows of each table that an import writes.
async fn counts(db: &TestDb) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in [
        "districts",
        "schools",
        "terms",
        "educators",
        "students",
        "student_sensitive",
        "users",
        "classes",
        "enrollments",
        "teams",
        "team_members",
        "roster_entries",
        "team_proposals",
        "audit_log",
    ] {
        let n = db
            .strings(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {t}"), &[])
            .await
            .remove(0);
        out.push((t.to_owned(), n));
    }
    out
}

#[tokio::test]
async fn a_bundle_from_another_system_lands_whole_and_again_changes_nothing() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        let empty = counts(&db).await;
        let dry = import(&store, "lincoln", true).await;
        assert_eq!(counts(&db).await, empty, "{b:?}: a dry run writes nothing");
        let sum = import(&store, "lincoln", false).await;
        assert_eq!(sum, ImportSummary { proposals: 3, ..dry.clone() }, "{b:?}: the dry run said what the import did");
        assert_eq!(sum.of("students").new, 68);
        assert_eq!(sum.of("educators").new, 8);
        assert_eq!(sum.of("classes").new, 6);
        assert_eq!(sum.of("enrollments").new, 149);
        assert_eq!(sum.of("demographics").new, 48);
        assert_eq!(sum.of("terms").new, 5);
        // sourcedIds kept.
        let ids = db
            .strings("SELECT sourced_id FROM students WHERE sourced_id IN ('s-1001', 's-2020') ORDER BY sourced_id", &[])
            .await;
        assert_eq!(ids, ["s-1001", "s-2020"]);
        let enrolled = db
            .strings("SELECT e.user_sourced_id FROM enrollments e JOIN classes c ON c.id = e.class_id WHERE c.sourced_id = 'cls-k-1' AND e.role = 'teacher' ORDER BY 1", &[])
            .await;
        assert_eq!(enrolled, ["t-ito", "t-moreau"]);
        let race = db
            .strings("SELECT x.race_ethnicity FROM student_sensitive x JOIN students s ON s.id = x.student_id WHERE s.sourced_id = 's-1001'", &[])
            .await;
        assert_eq!(race, ["Hispanic or Latino; Asian; White"]);
        let current = db
            .strings("SELECT t.session_sourced_id FROM schools s JOIN terms t ON t.id = s.current_term_id WHERE s.sourced_id = 'org-mesa'", &[])
            .await;
        assert_eq!(current, ["as-2027-s1"]);
        // Both schools share the sessions: each has its own copy, the session's id kept.
        let copies = db
            .strings("SELECT sourced_id FROM terms WHERE session_sourced_id = 'as-2027-s1' ORDER BY sourced_id", &[])
            .await;
        assert_eq!(copies, ["as-2027-s1", "as-2027-s1@org-oak"]);
        let after = counts(&db).await;
        let again = import(&store, "lincoln", false).await;
        assert!(again.unchanged(), "{b:?}: {again:?}");
        let mut expected = after.clone();
        // Only the audit log grows: the second import is recorded too.
        if let Some(a) = expected.iter_mut().find(|(t, _)| t == "audit_log") {
            a.1 = (a.1.parse::<u64>().expect("count") + 1).to_string();
        }
        assert_eq!(counts(&db).await, expected, "{b:?}");
    })
    .await;
}

#[tokio::test]
async fn a_delta_applies_its_changes_and_the_audit_names_what_it_removed() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        import(&store, "lincoln", false).await;
        let sum = import(&store, "lincoln-delta", false).await;
        assert_eq!(sum.of("students").new, 1);
        assert_eq!(sum.of("students").changed, 1);
        assert_eq!(sum.of("educators").removed, 1);
        assert_eq!(sum.of("enrollments").new, 2);
        assert_eq!(sum.of("enrollments").removed, 1);
        let name = db
            .strings(
                "SELECT family_name FROM students WHERE sourced_id = 's-1002'",
                &[],
            )
            .await;
        assert_eq!(name, ["Nguyen-Park"]);
        assert!(db
            .strings(
                "SELECT sourced_id FROM educators WHERE sourced_id = 'a-lindqvist'",
                &[]
            )
            .await
            .is_empty());
        let audit = store
            .audit_log(
                &AuditFilter {
                    action: Some(actions::ONEROSTER_IMPORT.into()),
                    ..Default::default()
                },
                10,
            )
            .await
            .expect("audit");
        let detail = &audit[0].detail;
        assert!(detail.contains("educator a-lindqvist"), "{detail}");
        assert!(detail.contains("enrollment e-cls-hr6-a-s-1003"), "{detail}");
        // A delta alone, on a database without the first import, is refused: its references
        // are unknown.
        let fresh = TestDb::new(b).await;
        let other = fresh.store().await;
        let files = Files::open(&data("lincoln-delta")).expect("opens");
        let err = plan_of(&other, &files).await.expect_err("refused");
        assert!(
            err.to_string().contains("no class has this sourcedId"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_bundle_with_one_bad_enrollment_writes_nothing() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        import(&store, "lincoln", false).await;
        let before = counts(&db).await;
        // A copy of the bundle with one enrollment pointing at a student nobody has.
        let dir = tempfile::tempdir().expect("tempdir");
        for e in std::fs::read_dir(data("lincoln")).expect("fixture") {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_owned();
            let mut bytes = std::fs::read(&p).expect("read");
            if name == "enrollments.csv" {
                bytes = String::from_utf8(bytes)
                    .expect("utf-8")
                    .replacen(
                        "cls-sci6-b,org-mesa,s-1030,",
                        "cls-sci6-b,org-mesa,s-1O30,",
                        1,
                    )
                    .into_bytes();
            }
            std::fs::write(dir.path().join(name), bytes).expect("write");
        }
        let files = Files::open(dir.path()).expect("opens");
        let err = plan_of(&store, &files).await.expect_err("refused");
        assert_eq!(err.problems.len(), 1, "{err}");
        let p = &err.problems[0];
        assert_eq!(
            (p.file.as_str(), p.column.as_str(), p.value.as_str()),
            ("enrollments.csv", "userSourcedId", "s-1O30")
        );
        assert!(p.line > 1);
        assert_eq!(counts(&db).await, before, "{b:?}");
        // A plan the store refuses midway (a school of a district nobody has) also leaves
        // everything as it was.
        let files = Files::open(&data("lincoln")).expect("opens");
        let mut plan = plan_of(&store, &files).await.expect("plan");
        plan.schools[1].district = "org-nowhere".into();
        plan.students.push(ensemble_oneroster::map::Student {
            sourced_id: "s-late".into(),
            school: "org-mesa".into(),
            given_name: "Late".into(),
            family_name: "Arrival".into(),
            grade: 6,
        });
        let err = store
            .apply_oneroster(&plan, "broken", &entry(), false, &|_, _, _| {})
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("org-nowhere"), "{err}");
        assert_eq!(counts(&db).await, before, "{b:?}");
    })
    .await;
}

#[tokio::test]
async fn an_export_comes_back_as_the_same_school() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        let (ds, _) = ensemble_demo::demo_school(1);
        store.import(&ds, None, &|_, _, _| {}).await.expect("demo");
        let plan = store.oneroster_plan().await.expect("plan");
        let files = ensemble_oneroster::write::files(&ensemble_oneroster::write::Export {
            plan,
            demographics: true,
            system_name: "Ensemble".into(),
        })
        .expect("files");
        let zip = ensemble_oneroster::write::zip(&files).expect("zip");
        let back = TestDb::new(b).await;
        let other = back.store().await;
        let bundle = Files::from_zip(&zip).expect("zip");
        let plan = plan_of(&other, &bundle)
            .await
            .expect("our own bundle reads");
        other
            .apply_oneroster(&plan, "export.zip", &entry(), false, &|_, _, _| {})
            .await
            .expect("imports");
        let pick = |c: Vec<(String, String)>| {
            c.into_iter()
                .filter(|(t, _)| {
                    [
                        "districts",
                        "schools",
                        "terms",
                        "educators",
                        "students",
                        "teams",
                        "team_members",
                        "roster_entries",
                    ]
                    .contains(&t.as_str())
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(counts(&back).await), pick(counts(&db).await), "{b:?}");
        // And exporting what came back writes the same files.
        let again = ensemble_oneroster::write::files(&ensemble_oneroster::write::Export {
            plan: other.oneroster_plan().await.expect("plan"),
            demographics: true,
            system_name: "Ensemble".into(),
        })
        .expect("files");
        for (name, bytes) in &files {
            assert_eq!(Some(bytes), again.get(name), "{b:?}: {name}");
        }
    })
    .await;
}

#[tokio::test]
async fn proposed_core_teams_become_teams_when_a_leader_confirms_merges_or_splits() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        import(&store, "lincoln", false).await;
        let mesa = SchoolId(
            db.strings(
                "SELECT CAST(id AS TEXT) FROM schools WHERE sourced_id = 'org-mesa'",
                &[],
            )
            .await[0]
                .parse()
                .expect("id"),
        );
        let ps = store.proposals(mesa).await.expect("proposals");
        assert_eq!(ps.len(), 2, "{b:?}: two houses at Mesa Verde");
        assert_eq!(ps[0].name, "Homeroom 6A team");
        assert!(
            ps[0].proposal.why.contains("co-teach"),
            "{}",
            ps[0].proposal.why
        );
        assert_eq!(ps[0].students.len(), 24);
        assert!(
            db.strings("SELECT name FROM teams", &[]).await.is_empty(),
            "no team before a leader confirms"
        );
        // Another school's proposal looks missing.
        let oak = SchoolId(
            db.strings(
                "SELECT CAST(id AS TEXT) FROM schools WHERE sourced_id = 'org-oak'",
                &[],
            )
            .await[0]
                .parse()
                .expect("id"),
        );
        let e = Actor::command_line("test").entry(actions::TEAM_PROPOSALS, "proposal", None);
        assert!(store.confirm_proposal(oak, ps[0].id, "", &e).await.is_err());
        // Split Ruiz out of the second house, then merge back, then confirm.
        let ruiz = ps[1]
            .members
            .iter()
            .find(|m| m.1 == "Marco Ruiz")
            .expect("Ruiz")
            .0;
        store
            .split_proposal(mesa, ps[1].id, &[ruiz], "Ruiz team", &e)
            .await
            .expect("split");
        let after = store.proposals(mesa).await.expect("proposals");
        assert_eq!(after.len(), 3);
        let ids: Vec<i64> = after.iter().skip(1).map(|p| p.id).collect();
        // A one-teacher proposal cannot be a core team.
        let lone = after
            .iter()
            .find(|p| p.name == "Ruiz team")
            .expect("split off");
        let err = store
            .confirm_proposal(mesa, lone.id, "", &e)
            .await
            .expect_err("one professional");
        assert!(err.to_string().contains("at least two"), "{err}");
        store
            .merge_or_dismiss_proposals(mesa, &ids, true, &e)
            .await
            .expect("merge");
        let merged = store.proposals(mesa).await.expect("proposals");
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[1].members.len(), 2);
        assert_eq!(merged[1].students.len(), 24);
        let done = store
            .confirm_proposal(mesa, merged[0].id, "Saguaro House", &e)
            .await
            .expect("confirm");
        assert_eq!((done.rostered, done.elsewhere), (24, 0));
        let team = store.team(done.team).await.expect("team").expect("exists");
        assert_eq!(team.team.name, "Saguaro House");
        assert_eq!(team.members.len(), 2);
        assert_eq!(store.proposals(mesa).await.expect("proposals").len(), 1);
    })
    .await;
}

/// An imported account has no password: a leader's sign-in link, for their school's accounts
/// only, lets its holder choose one, once; a used, replaced or expired link opens nothing, and
/// choosing a password ends the account's other sessions. Each step is audited.
#[tokio::test]
async fn a_sign_in_link_lets_an_imported_account_choose_its_password_once() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        import(&store, "lincoln", false).await;
        let id_of = |sql: &'static str| {
            let db = &db;
            async move { db.strings(sql, &[]).await[0].parse::<i64>().expect("id") }
        };
        let mesa = SchoolId(id_of("SELECT CAST(id AS TEXT) FROM schools WHERE sourced_id = 'org-mesa'").await);
        let other = SchoolId(id_of("SELECT CAST(id AS TEXT) FROM schools WHERE sourced_id <> 'org-mesa' ORDER BY id").await);
        let accounts = store.school_accounts(mesa).await.expect("accounts");
        let principal = accounts
            .iter()
            .find(|a| a.role == ensemble_domain::SystemRole::SchoolLeader)
            .expect("Mesa Verde's principal has an account");
        assert!(!principal.has_password, "{b:?}: an import keeps no password");
        assert!(accounts.iter().all(|a| !a.has_password));
        let link = |school, ms| {
            let store = &store;
            let e = Actor::command_line("test").entry(actions::USER_LINK, "user", None);
            async move {
                store
                    .make_sign_in_link(principal.id, school, ms, &e)
                    .await
                    .expect("link")
            }
        };
        // Another school's leader cannot make one for Mesa Verde's principal.
        assert_eq!(link(Some(other), 60_000).await, None, "{b:?}");
        let first = link(Some(mesa), 60_000).await.expect("a link");
        let (user, email, _) = store
            .sign_in_link(&first)
            .await
            .expect("reads")
            .expect("works");
        assert_eq!(user, principal.id);
        assert_eq!(email, principal.email);
        // A newer link replaces it; an expired one opens nothing.
        let second = link(Some(mesa), 60_000).await.expect("a link");
        assert_eq!(store.sign_in_link(&first).await.expect("reads"), None);
        let expired = link(None, -1).await.expect("a link");
        assert_eq!(store.sign_in_link(&expired).await.expect("reads"), None);
        assert_eq!(store.sign_in_link(&second).await.expect("reads"), None);
        let third = link(None, 60_000).await.expect("a link");
        // A session from before ends when the password is chosen.
        let e = Actor::command_line("test").entry(actions::LOGIN, "user", None);
        let (old, _) = store.create_session(user, 60_000, &e).await.expect("session");
        let e = Actor::command_line("test").entry(actions::USER_PASSWORD, "user", None);
        assert_eq!(
            store.use_sign_in_link(&third, "$argon2id$fake", &e).await.expect("uses"),
            Some(user)
        );
        assert_eq!(store.use_sign_in_link(&third, "$argon2id$other", &e).await.expect("uses"), None, "{b:?}: once");
        assert!(store.session_principal(&old, 60_000).await.expect("reads").is_none());
        let (_, hash) = store.login_lookup(&email).await.expect("reads").expect("account");
        assert_eq!(hash.as_deref(), Some("$argon2id$fake"));
        let audited = db
            .strings(
                "SELECT action FROM audit_log WHERE action IN ('user.link', 'user.password') ORDER BY id",
                &[],
            )
            .await;
        assert_eq!(audited, ["user.link", "user.link", "user.link", "user.link", "user.password"], "{b:?}");
    })
    .await;
}
