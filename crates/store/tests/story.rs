//! The store's story, told on SQLite and on PostgreSQL alike: a demo school lands whole, its
//! rules hold, a refused change leaves everything as it was, and the access policy's facts are
//! right.

use ensemble_domain::access::{authorize_student, Access, Principal};
use ensemble_domain::*;
use ensemble_store::testing::{each_backend, TestDb};
use ensemble_store::{Backend, Store, StoreError};

async fn demo_store(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let (ds, _) = ensemble_demo::demo_school(1);
    store
        .import(&ds, Some("$argon2id$dummy"), &|_, _, _| {})
        .await
        .expect("import demo");
    (db, store)
}

async fn principal(store: &Store, email: &str) -> Principal {
    let (user, _) = store
        .login_lookup(email)
        .await
        .expect("lookup")
        .expect("account exists");
    store
        .principal(user)
        .await
        .expect("principal")
        .expect("principal exists")
}

#[tokio::test]
async fn demo_lands_whole_on_both_backends() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        assert!(!store.is_empty().await.expect("count"));
        let schools = store.schools().await.expect("schools");
        assert_eq!(schools.len(), 1, "{b:?}");
        let school = &schools[0];
        assert_eq!(school.students, 600, "{b:?}");
        assert_eq!(
            school.current_term.as_ref().map(|t| t.name.as_str()),
            Some("Fall 2026")
        );
        let teams = store.teams(Some(school.id)).await.expect("teams");
        let core: Vec<_> = teams.iter().filter(|t| t.kind == TeamKind::Core).collect();
        assert_eq!(core.len(), 5);
        assert_eq!(core.iter().map(|t| t.roster_size).sum::<i64>(), 600);
        let grid = store
            .grid(school.id)
            .await
            .expect("grid")
            .expect("grid exists");
        assert_eq!(grid.days().len(), 5);
        assert!(grid.planning_minutes_per_week() >= 5 * 45);
        let spaces = store.spaces(school.id).await.expect("spaces");
        assert!(spaces.len() >= 20);
        let team = store
            .team(core[0].id)
            .await
            .expect("team")
            .expect("team exists");
        assert!(
            team.members
                .iter()
                .filter(|m| m.role_type.is_professional())
                .count()
                >= 2
        );
        assert!(!store
            .team_bookings(core[0].id)
            .await
            .expect("bookings")
            .is_empty());
        // Every student is in a booked space in each instruction block, within the seats.
        let uses = store.space_use(school.id).await.expect("space use");
        let block1 = uses
            .iter()
            .find(|u| u.day == DayOfWeek::Monday && u.period == 1)
            .expect("block 1 is booked");
        assert_eq!((block1.teams, block1.students), (5, 600));
        assert!(uses.iter().all(|u| u.students <= u.seats), "{uses:?}");
    })
    .await;
}

#[tokio::test]
async fn a_bad_import_writes_nothing() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        let (mut ds, _) = ensemble_demo::demo_school(1);
        // The last team's roster takes a student the first team already has.
        let stolen = ds.teams[0].roster[0].clone();
        let last = ds
            .teams
            .iter()
            .rposition(|t| t.kind == TeamKind::Core)
            .expect("a core team");
        ds.teams[last].roster.push(stolen);
        let err = store
            .import(&ds, None, &|_, _, _| {})
            .await
            .expect_err("two rosters");
        assert!(err.to_string().contains("already on the roster"), "{err}");
        assert!(
            store.is_empty().await.expect("count"),
            "nothing may land on {b:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn roster_rules_hold_and_refusals_change_nothing() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let school = store.schools().await.expect("schools")[0].id;
        let teams = store.teams(Some(school)).await.expect("teams");
        let (a, c) = (&teams[0], &teams[1]);
        let facts = store.roster_facts(a.id, None).await.expect("facts");
        let moved = facts[0].student;
        // A student already on team A cannot join team C's roster too: nothing changes.
        let other = store.roster_facts(c.id, None).await.expect("facts")[0].student;
        let before = store.teams(Some(school)).await.expect("teams");
        let err = store
            .add_to_roster(c.id, &[moved])
            .await
            .expect_err("two rosters");
        assert!(
            matches!(
                err,
                StoreError::Rule(RuleViolation::StudentOnTwoRosters { .. })
            ),
            "{err}"
        );
        // All or nothing: a valid student followed by an invalid one adds neither.
        store.remove_from_roster(a.id, moved).await.expect("remove");
        let err = store
            .add_to_roster(c.id, &[moved, other])
            .await
            .expect_err("second is on a roster");
        assert!(err.to_string().contains("already on the roster"), "{err}");
        let after = store.teams(Some(school)).await.expect("teams");
        assert_eq!(
            after.iter().find(|t| t.id == c.id).map(|t| t.roster_size),
            before.iter().find(|t| t.id == c.id).map(|t| t.roster_size)
        );
        assert_eq!(
            store.add_to_roster(c.id, &[moved]).await.expect("now free"),
            1
        );
        let ext = teams
            .iter()
            .find(|t| t.kind == TeamKind::Extended)
            .expect("extended team");
        assert!(matches!(
            store.add_to_roster(ext.id, &[moved]).await,
            Err(StoreError::Rule(RuleViolation::RosterOnExtendedTeam { .. }))
        ));
    })
    .await;
}

#[tokio::test]
async fn core_team_needs_two_professionals_and_spaces_hold_their_capacity() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let school = store.schools().await.expect("schools")[0].id;
        let educators = store.educators_of(school).await.expect("educators");
        let pro = educators
            .iter()
            .find(|e| e.2 == RoleType::ExperiencedEducator)
            .expect("a veteran")
            .0;
        let para = educators
            .iter()
            .find(|e| e.2 == RoleType::Paraeducator)
            .expect("a paraeducator")
            .0;
        let input = ensemble_store::NewTeamInput {
            school,
            name: "8 Cholla".into(),
            kind: TeamKind::Core,
            description: String::new(),
            members: vec![(pro, TeamMemberRole::Lead), (para, TeamMemberRole::Member)],
        };
        let n_before = store.teams(Some(school)).await.expect("teams").len();
        let err = store
            .create_team(&input)
            .await
            .expect_err("one professional");
        assert!(
            err.to_string().contains("8 Cholla") && err.to_string().contains("two professional"),
            "{err}"
        );
        assert_eq!(
            store.teams(Some(school)).await.expect("teams").len(),
            n_before
        );

        let spaces = store.spaces(school).await.expect("spaces");
        let zone = spaces
            .iter()
            .find(|s| s.kind == SpaceKind::Zone)
            .expect("a zone");
        let team = store.teams(Some(school)).await.expect("teams")[0].id;
        // Zones of the studio are booked for every instruction block; the advisory period is free.
        store
            .book_space(zone.id, team, DayOfWeek::Monday, 0, 30, "advisory circle")
            .await
            .expect("fits");
        let err = store
            .book_space(zone.id, team, DayOfWeek::Monday, 0, 6, "one more group")
            .await
            .expect_err("35 is full");
        assert!(
            matches!(
                err,
                StoreError::Rule(RuleViolation::SpaceOverCapacity { .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains(&zone.name));
    })
    .await;
}

#[tokio::test]
async fn facts_and_grants_follow_membership() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let (_, logins) = ensemble_demo::demo_school(1);
        let lead = principal(&store, &logins[2].email).await;
        assert_eq!(lead.core_teams.len(), 1);
        let mine = store
            .roster_facts(lead.core_teams[0], lead.educator)
            .await
            .expect("facts");
        let grants: Vec<_> = mine
            .iter()
            .filter_map(|f| authorize_student(&lead, f))
            .collect();
        assert_eq!(grants.len(), mine.len());
        let records = store.student_records(&grants).await.expect("records");
        assert!(records
            .iter()
            .all(|r| r.access == Access::Full && r.needs.is_some()));

        let specialist = principal(&store, &logins[5].email).await;
        let served = store
            .served_facts(specialist.educator.expect("an educator"))
            .await
            .expect("served");
        assert!(!served.is_empty());
        let grants: Vec<_> = served
            .iter()
            .filter_map(|f| authorize_student(&specialist, f))
            .collect();
        assert_eq!(grants.len(), served.len());
        let records = store.student_records(&grants).await.expect("records");
        assert!(records.iter().all(|r| r.access == Access::Standard
            && r.needs.is_none()
            && r.demographics.is_none()
            && r.profile.is_some()));
        // The lead's team's students that the specialist does not serve stay hidden.
        let hidden = mine
            .iter()
            .filter(|f| !served.iter().any(|s| s.student == f.student))
            .count();
        let facts_for_specialist = store
            .roster_facts(lead.core_teams[0], specialist.educator)
            .await
            .expect("facts");
        assert_eq!(
            facts_for_specialist
                .iter()
                .filter(|f| authorize_student(&specialist, f).is_none())
                .count(),
            hidden
        );
    })
    .await;
}

#[tokio::test]
async fn sessions_tokens_and_audit() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let token = store
            .create_token("principal@demo.example", "test")
            .await
            .expect("token");
        let user = store
            .token_user(&token)
            .await
            .expect("lookup")
            .expect("token is valid");
        assert!(store
            .token_user("ens_wrong")
            .await
            .expect("lookup")
            .is_none());
        let (sid, csrf) = store.create_session(user, 60_000).await.expect("session");
        assert_eq!(
            store.session(&sid).await.expect("session"),
            Some((user, csrf))
        );
        store.delete_session(&sid).await.expect("logout");
        assert_eq!(store.session(&sid).await.expect("session"), None);
        let expired = store.create_session(user, -1).await.expect("session").0;
        assert_eq!(store.session(&expired).await.expect("session"), None);
        assert!(matches!(
            store.create_token("nobody@demo.example", "x").await,
            Err(StoreError::Conflict(_))
        ));

        let school = store.schools().await.expect("schools")[0].id;
        for i in 0..3 {
            store
                .audit(ensemble_store::AuditEntry {
                    user: Some(user),
                    actor: "principal@demo.example",
                    school: Some(school),
                    action: "student.read",
                    target_kind: "student",
                    target_id: Some(i),
                    outcome: ensemble_store::AuditOutcome::Allowed,
                    detail: String::new(),
                })
                .await
                .expect("audit");
        }
        let log = store.audit_log(Some(school), None, 2).await.expect("log");
        assert_eq!(
            log.iter().map(|r| r.target_id).collect::<Vec<_>>(),
            vec![Some(2), Some(1)]
        );
        let older = store
            .audit_log(Some(school), Some(log[1].id), 10)
            .await
            .expect("log");
        assert_eq!(older.len(), 1);
        assert!(store
            .audit_log(Some(SchoolId(999)), None, 10)
            .await
            .expect("log")
            .is_empty());
    })
    .await;
}
