//! The store's story, told on SQLite and on PostgreSQL alike: a demo school lands whole, its
//! rules hold, a refused change leaves everything as it was, and the access policy's facts are
//! right.

use ensemble_domain::access::{authorize_roster, authorize_served, Access, Principal, Sensitive};
use ensemble_domain::*;
use ensemble_store::testing::{each_backend, store_with, TestDb};
use ensemble_store::{
    actions, Actor, AuditEntry, AuditFilter, AuditOutcome, Backend, NewBooking, Store, StoreError,
};

/// An audit entry from a test, for the store's writes.
fn entry(action: &'static str) -> AuditEntry {
    Actor::command_line("store story test").entry(action, "test", None)
}

/// The audit log's entries for `action`, newest first.
async fn logged(store: &Store, action: &str) -> Vec<ensemble_store::AuditRow> {
    store
        .audit_log(
            &AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            },
            1000,
        )
        .await
        .expect("audit log")
}

async fn demo_store(backend: Backend) -> (TestDb, Store) {
    store_with(backend, &ensemble_demo::demo_school(1).0).await
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
        assert_eq!(
            schools.len(),
            2,
            "{b:?}: the demo school and a small second school"
        );
        let school = schools
            .iter()
            .find(|s| s.name == "Desert Willow Middle School")
            .expect("the demo school");
        assert_eq!(school.students, 600, "{b:?}");
        assert_eq!(
            school.current_term.as_ref().map(|t| t.name.as_str()),
            Some("Fall 2026")
        );
        let teams = store.teams(Some(school.id)).await.expect("teams").rows;
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
        let spaces = store.spaces(school.id).await.expect("spaces").rows;
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
            .rows
            .is_empty());
        // Every student is in a booked space in each instruction block, within the seats.
        let uses = store.space_use(school.id).await.expect("space use").rows;
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
        // The demo school's last team takes a student its first team already has.
        let stolen = ds.teams[0].roster[0].clone();
        let last = ds
            .teams
            .iter()
            .rposition(|t| t.kind == TeamKind::Core && t.school == ds.teams[0].school)
            .expect("a core team");
        ds.teams[last].roster.push(stolen.clone());
        let err = store
            .import(&ds, None, &|_, _, _| {})
            .await
            .expect_err("two rosters");
        assert!(err.to_string().contains("already on the roster"), "{err}");
        assert!(
            store.is_empty().await.expect("count"),
            "nothing may land on {b:?}"
        );
        // A roster of one school never takes another school's student.
        let (mut ds, _) = ensemble_demo::demo_school(1);
        let other = ds
            .teams
            .iter()
            .position(|t| t.kind == TeamKind::Core && t.school != ds.teams[0].school)
            .expect("the second school's team");
        ds.teams[0].roster.retain(|s| *s != stolen);
        ds.teams[other].roster.push(stolen);
        let err = store
            .import(&ds, None, &|_, _, _| {})
            .await
            .expect_err("another school's student");
        assert!(
            err.to_string().contains("belongs to another school"),
            "{err}"
        );
        assert!(store.is_empty().await.expect("count"));
    })
    .await;
}

#[tokio::test]
async fn roster_rules_hold_and_refusals_change_nothing() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let school = store.schools().await.expect("schools")[0].id;
        let teams = store.teams(Some(school)).await.expect("teams").rows;
        let (a, c) = (&teams[0], &teams[1]);
        let facts = store.roster_facts(a.id, None).await.expect("facts");
        let moved = facts[0].student;
        // A student already on team A cannot join team C's roster too: nothing changes.
        let other = store.roster_facts(c.id, None).await.expect("facts")[0].student;
        let before = store.teams(Some(school)).await.expect("teams").rows;
        let err = store
            .add_to_roster(c.id, &[moved], &entry(actions::ROSTER_ADD))
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
        store
            .remove_from_roster(a.id, moved, &entry(actions::ROSTER_REMOVE))
            .await
            .expect("remove");
        let err = store
            .add_to_roster(c.id, &[moved, other], &entry(actions::ROSTER_ADD))
            .await
            .expect_err("second is on a roster");
        assert!(err.to_string().contains("already on the roster"), "{err}");
        // A refused change writes no audit entry of its own (the gate logs the refusal).
        assert!(logged(&store, actions::ROSTER_ADD).await.is_empty());
        assert_eq!(logged(&store, actions::ROSTER_REMOVE).await.len(), 1);
        let after = store.teams(Some(school)).await.expect("teams").rows;
        assert_eq!(
            after.iter().find(|t| t.id == c.id).map(|t| t.roster_size),
            before.iter().find(|t| t.id == c.id).map(|t| t.roster_size)
        );
        assert_eq!(
            store
                .add_to_roster(c.id, &[moved], &entry(actions::ROSTER_ADD))
                .await
                .expect("now free"),
            1
        );
        assert_eq!(logged(&store, actions::ROSTER_ADD).await.len(), 1);
        let ext = teams
            .iter()
            .find(|t| t.kind == TeamKind::Extended)
            .expect("extended team");
        assert!(matches!(
            store
                .add_to_roster(ext.id, &[moved], &entry(actions::ROSTER_ADD))
                .await,
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
        let n_before = store.teams(Some(school)).await.expect("teams").rows.len();
        let err = store
            .create_team(&input, &entry(actions::TEAM_CREATE))
            .await
            .expect_err("one professional");
        assert!(
            err.to_string().contains("8 Cholla") && err.to_string().contains("two professional"),
            "{err}"
        );
        assert_eq!(
            store.teams(Some(school)).await.expect("teams").rows.len(),
            n_before
        );
        assert!(logged(&store, actions::TEAM_CREATE).await.is_empty());

        let spaces = store.spaces(school).await.expect("spaces").rows;
        let zone = spaces
            .iter()
            .find(|s| s.kind == SpaceKind::Zone && s.name.starts_with("Studio zone"))
            .expect("a zone of the learning studio");
        let team = store.teams(Some(school)).await.expect("teams").rows[0].id;
        let booking = |day, period, headcount| NewBooking {
            space: zone.id,
            team,
            day,
            period,
            headcount,
            purpose: "advisory circle",
        };
        // Zones of the studio are booked for every instruction block; the advisory period is free.
        let id = store
            .book_space(
                &booking(DayOfWeek::Monday, 0, 30),
                &entry(actions::BOOKING_CREATE),
            )
            .await
            .expect("fits");
        let err = store
            .book_space(
                &booking(DayOfWeek::Monday, 0, 6),
                &entry(actions::BOOKING_CREATE),
            )
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
        // A day the school does not meet, and a period past its last, are refused.
        for (day, period) in [(DayOfWeek::Sunday, 0), (DayOfWeek::Monday, 40)] {
            let err = store
                .book_space(&booking(day, period, 1), &entry(actions::BOOKING_CREATE))
                .await
                .expect_err("not in the grid");
            assert!(matches!(err, StoreError::Rule(_)), "{err}");
        }
        assert_eq!(logged(&store, actions::BOOKING_CREATE).await.len(), 1);
        // The booking can be cancelled, once.
        store
            .delete_booking(id, &entry(actions::BOOKING_DELETE))
            .await
            .expect("cancel");
        assert!(matches!(
            store
                .delete_booking(id, &entry(actions::BOOKING_DELETE))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(logged(&store, actions::BOOKING_DELETE).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn facts_and_grants_follow_membership() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let (_, logins) = ensemble_demo::demo_school(1);
        let email = |role: &str| {
            logins
                .iter()
                .find(|l| l.role == role)
                .map(|l| l.email.clone())
                .expect("a demo login")
        };
        let lead = principal(&store, &email("Core-team lead")).await;
        assert_eq!(lead.core_teams.len(), 1);
        let team = store
            .team(lead.core_teams[0])
            .await
            .expect("team")
            .expect("exists");
        let mine = store
            .roster_facts(team.team.id, lead.educator)
            .await
            .expect("facts");
        let grant = authorize_roster(&lead, &team.facts(), &mine).expect("a member");
        assert_eq!(grant.students().len(), mine.len());
        let records = store
            .roster_records(&grant, true)
            .await
            .expect("records")
            .rows;
        assert!(records
            .iter()
            .all(|r| r.access == Access::FULL && r.needs.is_some() && r.demographics.is_some()));

        // The special-education specialist sees, for the students they serve in special
        // education, the plan flags and accommodations — never demographics or health.
        let specialist = principal(&store, &email("Extended team: specialist")).await;
        let served = store
            .served_facts(specialist.educator.expect("an educator"))
            .await
            .expect("served");
        assert!(!served.is_empty());
        let grant = authorize_served(&specialist, &served);
        assert_eq!(grant.students().len(), served.len());
        let records = store
            .roster_records(&grant, true)
            .await
            .expect("records")
            .rows;
        assert!(records
            .iter()
            .all(|r| r.profile.is_some() && r.demographics.is_none() && r.served_by.is_none()));
        let with_iep = records
            .iter()
            .filter(|r| r.needs.as_ref().and_then(|n| n.iep) == Some(true))
            .count();
        assert!(
            with_iep > 0,
            "the specialist sees the IEPs of those they serve"
        );
        for r in &records {
            assert!(r.access.sees(Sensitive::Plans), "{r:?}");
            let n = r.needs.as_ref().expect("plan flags");
            assert!(n.health.is_none() && n.english_learner.is_none() && n.home_language.is_none());
            assert!(n.accommodations.is_some());
        }
        // The lead's team's students whom the specialist does not serve stay hidden.
        let hidden = mine
            .iter()
            .filter(|f| !served.iter().any(|s| s.student == f.student))
            .count();
        let facts_for_specialist = store
            .roster_facts(team.team.id, specialist.educator)
            .await
            .expect("facts");
        let their = authorize_roster(&specialist, &team.facts(), &facts_for_specialist)
            .expect("served-only view");
        assert_eq!(their.students().len(), mine.len() - hidden);
    })
    .await;
}

#[tokio::test]
async fn sessions_tokens_throttle_and_audit() {
    each_backend(|b| async move {
        let (_db, store) = demo_store(b).await;
        let (token, row) = store
            .create_token(
                "principal@demo.example",
                "test",
                30,
                &entry(actions::TOKEN_CREATE),
            )
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
        let listed = store
            .tokens(Some("principal@demo.example"))
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].id, listed[0].expires_at),
            (row.id, row.expires_at)
        );
        assert!(listed[0].last_used_at.is_some(), "its use is recorded");
        assert!(row.expires_at > ensemble_store::now_ms() + 29 * 24 * 3600 * 1000);
        // Revoked: the token no longer works, and cannot be revoked twice.
        store
            .revoke_token(row.id, &entry(actions::TOKEN_REVOKE))
            .await
            .expect("revoke");
        assert_eq!(store.token_user(&token).await.expect("lookup"), None);
        assert!(matches!(
            store
                .revoke_token(row.id, &entry(actions::TOKEN_REVOKE))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(logged(&store, actions::TOKEN_CREATE).await.len(), 1);
        assert_eq!(logged(&store, actions::TOKEN_REVOKE).await.len(), 1);

        // Sessions end on sign-out, at their absolute end, and after idle time.
        let (sid, csrf) = store
            .create_session(user, 60_000, &entry(actions::LOGIN))
            .await
            .expect("session");
        assert_eq!(
            store.session(&sid, 60_000).await.expect("session"),
            Some((user, csrf))
        );
        assert_eq!(store.session(&sid, 0).await.expect("session"), None, "idle");
        store
            .delete_session(&sid, Some(&entry(actions::LOGOUT)))
            .await
            .expect("logout");
        assert_eq!(store.session(&sid, 60_000).await.expect("session"), None);
        let expired = store
            .create_session(user, -1, &entry(actions::LOGIN))
            .await
            .expect("session")
            .0;
        assert_eq!(
            store.session(&expired, 60_000).await.expect("session"),
            None
        );
        assert_eq!(logged(&store, actions::LOGIN).await.len(), 2);
        assert_eq!(logged(&store, actions::LOGOUT).await.len(), 1);
        assert!(matches!(
            store
                .create_token("nobody@demo.example", "x", 1, &entry(actions::TOKEN_CREATE))
                .await,
            Err(StoreError::Conflict(_))
        ));

        // Failed sign-ins are counted per key, forgotten after a while, cleared on success.
        let keys = vec!["pair:a@x:1.2.3.4".to_owned(), "address:1.2.3.4".to_owned()];
        assert_eq!(
            store.throttle_counts(&keys).await.expect("counts"),
            vec![(0, 0), (0, 0)]
        );
        for _ in 0..3 {
            store
                .throttle_failed(&keys, 60_000, &entry(actions::LOGIN))
                .await
                .expect("count");
        }
        let counts = store.throttle_counts(&keys).await.expect("counts");
        assert!(
            counts.iter().all(|(n, at)| *n == 3 && *at > 0),
            "{counts:?}"
        );
        store
            .throttle_failed(&keys[..1], -1, &entry(actions::LOGIN))
            .await
            .expect("count");
        assert_eq!(
            store.throttle_counts(&keys[..1]).await.expect("counts")[0].0,
            1
        );
        store.throttle_clear(&keys).await.expect("clear");
        assert_eq!(
            store.throttle_counts(&keys).await.expect("counts"),
            vec![(0, 0), (0, 0)]
        );
        let device = store.remember_device(user, 60_000).await.expect("device");
        assert_eq!(
            store.device_user(&device).await.expect("device"),
            Some(user)
        );
        assert_eq!(store.device_user("unknown").await.expect("device"), None);

        // The log filters by school, person, action, outcome and student, and pages.
        let school = store.schools().await.expect("schools")[0].id;
        for i in 0..3 {
            store
                .audit(
                    &Actor {
                        user: Some(user),
                        email: "principal@demo.example".into(),
                        school: Some(school),
                    }
                    .entry(actions::STUDENT_READ, "student", Some(i))
                    .students([StudentId(i), StudentId(100 + i)]),
                )
                .await
                .expect("audit");
        }
        let only_school = |before| AuditFilter {
            school: Some(school),
            action: Some(actions::STUDENT_READ.into()),
            before,
            ..Default::default()
        };
        let log = store.audit_log(&only_school(None), 2).await.expect("log");
        assert_eq!(
            log.iter().map(|r| r.target_id).collect::<Vec<_>>(),
            vec![Some(2), Some(1)]
        );
        assert_eq!(log[0].user_name.as_deref(), Some("Rosa Delgado"));
        let older = store
            .audit_log(&only_school(Some(log[1].id)), 10)
            .await
            .expect("log");
        assert_eq!(older.len(), 1);
        let of_student = store
            .audit_log(
                &AuditFilter {
                    student: Some(StudentId(101)),
                    ..Default::default()
                },
                10,
            )
            .await
            .expect("log");
        assert_eq!(of_student.len(), 1);
        assert_eq!(of_student[0].students, vec![StudentId(1), StudentId(101)]);
        let denied = store
            .audit_log(
                &AuditFilter {
                    outcome: Some(AuditOutcome::Denied),
                    ..Default::default()
                },
                10,
            )
            .await
            .expect("log");
        assert!(denied.is_empty());
        assert!(store
            .audit_log(
                &AuditFilter {
                    school: Some(SchoolId(999)),
                    ..Default::default()
                },
                10
            )
            .await
            .expect("log")
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_record_that_cannot_be_read_is_named_and_the_rest_still_come() {
    each_backend(|b| async move {
        let (db, store) = demo_store(b).await;
        let school = store.schools().await.expect("schools")[0].id;
        let team = store.teams(Some(school)).await.expect("teams").rows[0].id;
        let n = store.team_bookings(team).await.expect("bookings").rows.len();
        // A booking written by something other than Ensemble, with a period that cannot be.
        let bad: i64 = db
            .strings(
                "SELECT CAST(MIN(id) AS TEXT) FROM space_bookings WHERE team_id = CAST($1 AS BIGINT)",
                &[&team.0.to_string()],
            )
            .await[0]
            .parse()
            .expect("an id");
        db.execute(
            "UPDATE space_bookings SET period_idx = -2 WHERE id = $1",
            &[bad],
        )
        .await;
        let loaded = store.team_bookings(team).await.expect("bookings");
        assert_eq!(loaded.rows.len(), n - 1);
        assert_eq!(loaded.unreadable.len(), 1);
        assert_eq!(loaded.unreadable[0].id, bad);
        let uses = store.space_use(school).await.expect("space use");
        assert!(!uses.rows.is_empty());
        assert_eq!(uses.unreadable.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn reads_from_memory_follow_every_change_even_from_outside() {
    each_backend(|b| async move {
        let (db, store) = demo_store(b).await;
        let (_, logins) = ensemble_demo::demo_school(1);
        let lead = principal(&store, &logins[2].email).await;
        let team = lead.core_teams[0];
        let f1 = store.fresh().await.expect("version");
        let before = store
            .team_at(f1, team)
            .await
            .expect("team")
            .expect("exists");
        let facts = store
            .roster_facts_at(f1, team, lead.educator)
            .await
            .expect("facts");
        let grant = authorize_roster(&lead, &before.facts(), &facts).expect("grant");
        let records = store
            .roster_records_at(f1, &grant, false)
            .await
            .expect("records");
        assert_eq!(records.rows.len(), facts.len());
        // Something outside Ensemble changes a team and a profile: the version moves on.
        let member = before.members.last().expect("a member").educator.0;
        db.execute(
            "DELETE FROM team_members WHERE team_id = $1 AND educator_id = $2",
            &[team.0, member],
        )
        .await;
        let first = records.rows[0].id.0;
        db.execute(
            "UPDATE students SET interests = '[\"kites\"]' WHERE id = $1",
            &[first],
        )
        .await;
        let f2 = store.fresh().await.expect("version");
        assert!(
            f2.version() > f1.version(),
            "{b:?}: triggers bump the version"
        );
        let after = store
            .team_at(f2, team)
            .await
            .expect("team")
            .expect("exists");
        assert_eq!(after.members.len(), before.members.len() - 1, "{b:?}");
        let records = store
            .roster_records_at(f2, &grant, false)
            .await
            .expect("records");
        let changed = records
            .rows
            .iter()
            .find(|r| r.id.0 == first)
            .expect("the student");
        assert_eq!(
            changed.profile.as_ref().map(|p| p.interests.clone()),
            Some(vec!["kites".to_owned()]),
            "{b:?}"
        );
        // A request that saw the older version is not served what was read since.
        let stale = store
            .team_at(f1, team)
            .await
            .expect("team")
            .expect("exists");
        assert_eq!(
            stale.members.len(),
            after.members.len(),
            "read from the database, not memory"
        );
        // The audit log and sessions do not move the version.
        let f3 = store.fresh().await.expect("version");
        store
            .audit(&entry(actions::STUDENT_READ))
            .await
            .expect("audit");
        assert_eq!(store.fresh().await.expect("version"), f3);
    })
    .await;
}

#[tokio::test]
async fn what_pages_derive_is_made_again_after_a_schedule_absence_grouping_or_feed_changes() {
    each_backend(|b| async move {
        let (db, store) = demo_store(b).await;
        let school = store.schools().await.expect("schools")[0].id;
        let term: i64 = db
            .strings(
                "SELECT CAST(current_term_id AS TEXT) FROM schools WHERE id = CAST($1 AS BIGINT)",
                &[&school.0.to_string()],
            )
            .await[0]
            .parse()
            .expect("a term");
        let team = store.teams(Some(school)).await.expect("teams").rows[0].id;
        let educator = store.educators_of(school).await.expect("educators")[0].0;
        let made = std::sync::atomic::AtomicUsize::new(0);
        let derive = |fresh| {
            let made = &made;
            let store = &store;
            async move {
                store
                    .memo(fresh, ("test", school.0), || async {
                        made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok::<_, std::convert::Infallible>(made.load(std::sync::atomic::Ordering::SeqCst))
                    })
                    .await
                    .expect("infallible")
            }
        };
        let f = store.fresh().await.expect("version");
        assert_eq!(*derive(f).await, 1);
        assert_eq!(*derive(f).await, 1, "{b:?}: kept at the same version");
        // Written by something other than Ensemble, one table at a time.
        let changes = [
            format!("INSERT INTO schedules (school_id, term_id, status, body, findings, soft_hundredths, created_at) VALUES ({}, {term}, 'draft', '{{}}', 0, 0, 1)", school.0),
            format!("INSERT INTO absences (school_id, educator_id, absence_date, periods, planned, reason, recorded_at, status) VALUES ({}, {}, '2026-12-02', '[]', 1, 'other', 1, 'recorded')", school.0, educator.0),
            format!("INSERT INTO groupings (team_id, block, focus, strategy, input, grouping, created_at) VALUES ({}, 'b', 'f', 's', '{{}}', '{{}}', 1)", team.0),
            format!("INSERT INTO calendar_feeds (school_id, kind, subject_id, title, token_digest, created_at) VALUES ({}, 'team', {}, 'Team calendar', 'digest', 1)", school.0, team.0),
        ];
        let mut expected = 1;
        for sql in changes {
            db.execute(&sql, &[]).await;
            let next = store.fresh().await.expect("version");
            assert!(next.version() > f.version(), "{b:?}: {sql} bumps the version");
            expected += 1;
            assert_eq!(*derive(next).await, expected, "{b:?}: made again after {sql}");
        }
    })
    .await;
}
