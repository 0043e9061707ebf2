//! Generated team schedules: the school's stored facts become a schedule document
//! (`ensemble_schedule::Doc`) — core teams with their home spaces, the specials team with its
//! rooms, services with the weekly minutes of the district's catalog — which the timetable
//! adapter builds and the independent checker judges; drafts are saved and published. Pages in
//! `page.rs`. The command line and the demo use the same functions.

pub mod absences;
pub mod api;
pub mod calendar;
pub mod page;

use ensemble_domain::access::ScheduleGrant;
use ensemble_domain::*;
use ensemble_schedule::build::{self, BuildError, Built, Options, Progress};
use ensemble_schedule::check::{check, Finding};
use ensemble_schedule::{self as schedule, Doc};
use ensemble_store::{AuditEntry, ScheduleFacts, Store, StoreError};
use std::collections::{BTreeMap, HashMap};

/// Weekly minutes of a service the district's catalog does not list.
pub const DEFAULT_SERVICE_MINUTES: u32 = 45;

/// From the district's catalog: the weekly minutes each student receives of each service, and
/// the largest group each role leads.
pub async fn catalog_figures(
    store: &Store,
    school: SchoolId,
) -> Result<(HashMap<String, u32>, HashMap<RoleType, u32>), StoreError> {
    let settings: ensemble_staffing::Settings = match store.staffing_settings(school).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => ensemble_staffing::Settings::default(),
    };
    Ok((
        settings
            .catalog
            .services
            .iter()
            .map(|s| (s.code.clone(), s.minutes_per_student))
            .collect(),
        settings
            .catalog
            .roles
            .iter()
            .map(|r| (r.role, r.group_size()[1]))
            .collect(),
    ))
}

/// The schedule document (without sessions) for a school's facts.
pub fn doc_from_facts(
    f: &ScheduleFacts,
    minutes: &HashMap<String, u32>,
    groups: &HashMap<RoleType, u32>,
) -> Doc {
    let grid = schedule::Grid {
        days: f.grid.days().to_vec(),
        periods: f
            .grid
            .periods()
            .iter()
            .map(|p| schedule::GridPeriod {
                name: p.name.clone(),
                start: schedule::Clock(p.start_minute),
                end: schedule::Clock(p.end_minute),
                kind: p.kind,
            })
            .collect(),
    };
    let spaces: BTreeMap<SpaceId, &ensemble_store::FactSpace> =
        f.spaces.iter().map(|s| (s.id, s)).collect();
    let teams = f
        .teams
        .iter()
        .map(|t| {
            // A core team's home: the classrooms, flexible spaces and zones it booked (a
            // flexible space stands aside when the team books its zones).
            let space_ids: Vec<i64> = match t.kind {
                TeamKind::Core => {
                    let home: Vec<SpaceId> = t
                        .spaces
                        .iter()
                        .copied()
                        .filter(|s| {
                            spaces.get(s).is_some_and(|s| {
                                matches!(
                                    s.kind,
                                    SpaceKind::Classroom
                                        | SpaceKind::FlexibleSpace
                                        | SpaceKind::Zone
                                )
                            })
                        })
                        .collect();
                    home.iter()
                        .copied()
                        .filter(|s| {
                            !home
                                .iter()
                                .any(|z| spaces.get(z).and_then(|z| z.parent) == Some(*s))
                        })
                        .map(|s| s.0)
                        .collect()
                }
                _ => t.spaces.iter().map(|s| s.0).collect(),
            };
            schedule::Team {
                id: t.id.0,
                name: t.name.clone(),
                kind: t.kind,
                member_ids: t.members.iter().map(|(e, _)| e.0).collect(),
                lead_ids: t
                    .members
                    .iter()
                    .filter(|(_, r)| *r == TeamMemberRole::Lead)
                    .map(|(e, _)| e.0)
                    .collect(),
                student_ids: t.roster.iter().map(|s| s.0).collect(),
                space_ids,
            }
        })
        .collect();
    let educators = f
        .educators
        .iter()
        .map(|e| schedule::Educator {
            id: e.id.0,
            email: e.email.clone(),
            name: e.name.clone(),
            role: e.role_type,
            max_group: groups.get(&e.role_type).copied(),
            available: f
                .grid
                .days()
                .iter()
                .map(|d| {
                    (
                        *d,
                        (0..f.grid.periods().len())
                            .filter(|p| e.availability.is_available(*d, *p))
                            .collect(),
                    )
                })
                .collect(),
        })
        .collect();
    Doc {
        format: schedule::FORMAT.into(),
        school: schedule::Named {
            id: f.school.0,
            name: f.school_name.clone(),
        },
        term: schedule::Term {
            id: f.term.id.0,
            name: f.term.name.clone(),
            start_date: f.term.start_date.clone(),
            end_date: f.term.end_date.clone(),
        },
        time_zone: f.time_zone.clone(),
        planning_minutes_daily: f.planning_minutes_daily,
        grid,
        teams,
        educators,
        spaces: f
            .spaces
            .iter()
            .map(|s| schedule::Space {
                id: s.id.0,
                name: s.name.clone(),
                kind: s.kind.as_str().into(),
                capacity: s.capacity,
                zone_of: s.parent.map(|p| p.0),
            })
            .collect(),
        services: f
            .services
            .iter()
            .map(|(e, s, code)| schedule::Service {
                educator_id: e.0,
                student_id: s.0,
                service: code.clone(),
                label: labels::service(code),
                minutes_per_week: minutes
                    .get(code)
                    .copied()
                    .unwrap_or(DEFAULT_SERVICE_MINUTES),
            })
            .collect(),
        sessions: Vec::new(),
    }
}

/// Reads a school's facts (audited with `read`) and turns them into a schedule document.
/// `None` when the school has no grid or no such term.
pub async fn input_doc(
    store: &Store,
    grant: &ScheduleGrant,
    term: Option<TermId>,
    read: &AuditEntry,
) -> Result<Option<Doc>, StoreError> {
    let Some(facts) = store.schedule_facts(grant, term, read).await? else {
        return Ok(None);
    };
    let (minutes, groups) = catalog_figures(store, grant.school()).await?;
    Ok(Some(doc_from_facts(&facts, &minutes, &groups)))
}

/// A built draft: the engine's result and the checker's findings.
pub struct Draft {
    pub built: Built,
    pub findings: Vec<Finding>,
}

/// Builds a week on a blocking thread, then has the independent checker judge it.
pub async fn build_draft(
    doc: Doc,
    opts: Options,
    progress: impl Fn(&Progress) + Send + Sync + 'static,
) -> Result<Draft, BuildError> {
    tokio::task::spawn_blocking(move || {
        let built = build::build(&doc, &opts, &progress)?;
        let findings = check(&built.doc);
        Ok(Draft { built, findings })
    })
    .await
    .unwrap_or_else(|e| {
        Err(BuildError::Input(format!(
            "the schedule builder stopped unexpectedly: {e}"
        )))
    })
}

/// Saves a draft with its audit entry; its id.
pub async fn save_draft(
    store: &Store,
    grant: &ScheduleGrant,
    draft: &Draft,
    entry: &AuditEntry,
) -> Result<i64, StoreError> {
    let body = serde_json::to_string(&draft.built.doc)
        .map_err(|e| StoreError::Corrupt(format!("the schedule cannot be written: {e}")))?;
    let findings = u32::try_from(draft.findings.len()).unwrap_or(u32::MAX);
    let soft = (draft.built.soft * 100.0).round();
    let soft = if (0.0..9.0e15).contains(&soft) {
        format!("{soft:.0}").parse::<i64>().unwrap_or(0)
    } else {
        0
    };
    store
        .save_schedule(
            grant,
            TermId(draft.built.doc.term.id),
            &body,
            findings,
            soft,
            &entry.clone().detail(format!(
                "{} sessions for {}; {} findings",
                draft.built.doc.sessions.len(),
                draft.built.doc.term.name,
                findings
            )),
        )
        .await
}

/// The re-plans approved against a published schedule (a stored re-plan this version cannot
/// read is left out).
pub async fn approved_replans(
    store: &Store,
    schedule: i64,
) -> Result<Vec<ensemble_schedule::absence::Replan>, StoreError> {
    Ok(store
        .approved_absences(schedule)
        .await?
        .iter()
        .filter_map(|a| {
            a.replan
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
        })
        .collect())
}

/// A stored schedule's document.
pub fn parse_doc(body: &str) -> Result<Doc, String> {
    serde_json::from_str(body)
        .map_err(|e| format!("the stored schedule cannot be read by this version ({e})"))
}

/// An absence to record.
pub struct NewAbsence {
    pub educator: EducatorId,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Grid periods; `None` for the whole day.
    pub periods: Option<Vec<usize>>,
    pub planned: bool,
    /// The reason's category: `illness`, `family`, `professional_learning`, `personal`, `other`.
    pub reason: String,
}

/// The reason categories, with their words.
pub const REASONS: [(&str, &str); 5] = [
    ("illness", "Illness"),
    ("family", "Family"),
    ("professional_learning", "Professional learning"),
    ("personal", "Personal"),
    ("other", "Other"),
];

/// A recorded absence with its proposed re-plan and what the checker finds of the day.
pub struct Recorded {
    pub id: i64,
    pub replan: ensemble_schedule::absence::Replan,
    pub findings: Vec<Finding>,
}

/// The rules an absence may legitimately bend, each named in the re-plan's losses: weekly
/// service minutes and extended-team planning, and planning given up to cover.
const BENT_BY_ABSENCE: [&str; 3] = ["service_minutes", "extended_planning", "planning"];

/// What the checker finds of a re-planned day (the rules an absence bends aside).
pub fn day_findings(doc: &Doc, r: &ensemble_schedule::absence::Replan) -> Vec<Finding> {
    check(&ensemble_schedule::absence::day_doc(doc, r))
        .into_iter()
        .filter(|f| !BENT_BY_ABSENCE.contains(&f.rule))
        .collect()
}

/// Re-plans the day of an absence against the school's published schedule for the date's
/// term and records both (proposed). The outer error is the store's; the inner a reason in
/// words why this absence cannot be re-planned.
/// A re-plan computed and checked, not yet recorded.
pub struct Prepared {
    schedule: i64,
    pub replan: ensemble_schedule::absence::Replan,
    pub findings: Vec<Finding>,
}

/// Records an absence with its re-plan (proposed).
pub async fn record_absence(
    store: &Store,
    school: SchoolId,
    a: &NewAbsence,
    entry: &AuditEntry,
) -> Result<Result<Recorded, String>, StoreError> {
    match prepare_absence(store, school, a).await? {
        Ok(p) => Ok(Ok(record_prepared(store, school, a, p, entry).await?)),
        Err(why) => Ok(Err(why)),
    }
}

/// Writes a prepared re-plan with its audit entry.
pub async fn record_prepared(
    store: &Store,
    school: SchoolId,
    a: &NewAbsence,
    p: Prepared,
    entry: &AuditEntry,
) -> Result<Recorded, StoreError> {
    let replan = p.replan;
    let json = serde_json::to_string(&replan)
        .map_err(|e| StoreError::Corrupt(format!("the re-plan cannot be written: {e}")))?;
    let id = store
        .record_absence(
            school,
            a.educator,
            &a.date,
            a.periods.as_deref(),
            a.planned,
            &a.reason,
            p.schedule,
            &json,
            &entry.clone().detail(format!(
                "{} absence on {}: {} sessions re-planned, {:.1} substitute hours (a substitute alone: {:.1})",
                if a.planned { "planned" } else { "unplanned" },
                a.date,
                replan.changes.len(),
                replan.replan.substitute_hours,
                replan.baseline.substitute_hours
            )),
        )
        .await?;
    Ok(Recorded {
        id,
        replan,
        findings: p.findings,
    })
}

/// Re-plans the day of an absence against the school's published schedule for the date's
/// term; the reason in words why it cannot be.
pub async fn prepare_absence(
    store: &Store,
    school: SchoolId,
    a: &NewAbsence,
) -> Result<Result<Prepared, String>, StoreError> {
    let day = match ensemble_domain::school::weekday_of("date", &a.date) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if !REASONS.iter().any(|(k, _)| *k == a.reason) {
        return Ok(Err(format!(
            "reason: choose one of {}",
            REASONS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let terms = store.school_terms(school).await?;
    let Some(term) = terms
        .iter()
        .filter(|t| {
            t.start_date.as_str() <= a.date.as_str() && a.date.as_str() <= t.end_date.as_str()
        })
        .min_by_key(|t| (t.end_date.clone(), std::cmp::Reverse(t.start_date.clone())))
    else {
        return Ok(Err(format!("{} is in none of the school's terms", a.date)));
    };
    let Some(row) = store.published_schedule(school, Some(term.id)).await? else {
        return Ok(Err(format!(
            "the school has no published schedule for {}: publish one first",
            term.name
        )));
    };
    let doc = match parse_doc(&row.body) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let absence = ensemble_schedule::absence::Absence {
        educator_id: a.educator.0,
        date: a.date.clone(),
        day,
        periods: a.periods.clone(),
        planned: a.planned,
    };
    let replan = match ensemble_schedule::absence::replan(&doc, &absence) {
        Ok(r) => r,
        Err(ensemble_schedule::absence::AbsenceError::UnknownEducator(_)) => {
            return Ok(Err(
                "the educator has no place in the published schedule".into()
            ))
        }
        Err(e) => return Ok(Err(e.to_string())),
    };
    let findings = day_findings(&doc, &replan);
    Ok(Ok(Prepared {
        schedule: row.id,
        replan,
        findings,
    }))
}
