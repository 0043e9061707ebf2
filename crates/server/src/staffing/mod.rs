//! Staffing (issue 4): a school leader builds a plan from the school's stored staff and
//! aggregate need counts, sees the proposed teams, a coverage heat-map, hiring gaps and the
//! budget next to a traditional plan, edits who holds a responsibility (the validator re-checks
//! at once), previews what saving would change, and saves the plan as the school's teams.
//!
//! Only the school's leaders (and system leaders) reach it; anyone else gets the same "not
//! found" as for a school that does not exist. The engine reads need counts per grade, never a
//! student record, and that read is audited; every change is audited with it.
//!
//! This module holds what the page ([`page`]) and the API ([`api`]) share: the adapter from
//! stored data to the engine's problem, and the changes.

pub mod api;
mod page;

use crate::error::AppError;
use crate::gate::Gate;
use crate::routes::Routes;
use ensemble_domain::access::may_edit_district_settings;
use ensemble_domain::*;
use ensemble_staffing::{self as staffing, Plan, Problem};
use ensemble_store::{actions, AuditOutcome, PlanRow, PlanTeamInput, SchoolRow, TeamChange};
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Routes {
    page::router()
}

pub fn api() -> Routes {
    api::routes()
}

/// How a team's responsibility is covered in the validator's verdict (`Missing` when the
/// verdict does not mention it).
pub(crate) fn coverage_of(
    verdict: &staffing::check::Verdict,
    team: &str,
    responsibility: &str,
) -> staffing::check::CoverageStatus {
    verdict
        .coverage
        .iter()
        .find(|c| c.team == team && c.responsibility == responsibility)
        .map_or(staffing::check::CoverageStatus::Missing, |c| c.status)
}

/// A stored plan of this school, read back; another school's answers like a missing one.
pub(crate) async fn plan_of(
    gate: &Gate<'_>,
    school: SchoolId,
    id: i64,
) -> Result<(Plan, PlanRow), AppError> {
    let row = gate
        .store()
        .staffing_plan(school, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No staffing plan {id} that you may see.")))?;
    let plan: Plan = serde_json::from_str(&row.plan).map_err(|e| {
        AppError::Unprocessable(format!(
            "Staffing plan {id} was stored in a form this version cannot read ({e}); build a new plan."
        ))
    })?;
    Ok((plan, row))
}

/// The district's settings, or the defaults; and whether the district has its own.
pub(crate) async fn district_settings(
    gate: &Gate<'_>,
    school: SchoolId,
) -> Result<(staffing::Settings, bool), AppError> {
    match gate.store().staffing_settings(school).await? {
        Some(json) => match serde_json::from_str(&json) {
            Ok(s) => Ok((s, true)),
            Err(e) => {
                // Unreadable stored settings never stop the page: the defaults stand in, and
                // the problem is logged.
                tracing::warn!(error = %e, school = school.0, "the district's staffing settings cannot be read");
                Ok((staffing::Settings::default(), false))
            }
        },
        None => Ok((staffing::Settings::default(), false)),
    }
}

/// Builds a plan from the school's stored staff and aggregate need counts; returns its id.
pub(crate) async fn build(gate: &Gate<'_>, school: &SchoolRow) -> Result<i64, AppError> {
    let store = gate.store();
    let school_id = school.id;
    let pool = store.staffing_pool(school_id).await?;
    let needs = store.need_counts(school_id).await?;
    gate.log(
        gate.entry(actions::STUDENTS_AGGREGATE, "school", Some(school_id.0))
            .school(school_id)
            .detail("need counts per grade (special education, English learners and their home languages, reading intervention) for a staffing plan"),
    )
    .await?;
    let team_grades = store.team_grades(school_id).await?;
    let grid = store.grid(school_id).await?;
    let per_grade: BTreeMap<u8, staffing::input::GradeCounts> = needs
        .into_iter()
        .map(|g| {
            let needs = [
                ("special_education", g.special_education),
                ("english_learner", g.english_learner),
                ("reading_intervention", g.reading_intervention),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k.to_owned(), n))
            .collect();
            let counts = staffing::input::GradeCounts {
                students: g.students,
                needs,
                languages: g.languages,
            };
            (g.grade, counts)
        })
        .collect();
    let team_grades: Vec<(String, BTreeSet<u8>)> = team_grades;
    let bands = staffing::input::bands(&per_grade, &team_grades);
    if bands.is_empty() {
        return Err(AppError::Unprocessable(
            "The school has no students to staff for.".into(),
        ));
    }
    let educators = pool
        .iter()
        .map(|e| {
            staffing::input::candidate(
                &e.sourced_id,
                &e.name,
                e.role_type,
                e.fte,
                e.years,
                &e.competencies,
                &e.expertise,
                e.available_periods,
                e.core_team.clone(),
            )
        })
        .collect();
    let (settings, _) = district_settings(gate, school_id).await?;
    let problem = Problem {
        catalog: settings.catalog,
        policy: settings.policy,
        schools: vec![staffing::SchoolInput {
            id: school.sourced_id.clone(),
            name: school.name.clone(),
            bands,
            educators,
            planning_minutes_per_week: grid.map_or(0, |g| g.planning_minutes_per_week()),
        }],
        budget: None,
    };
    let plan = tokio::task::spawn_blocking(move || -> Result<Plan, staffing::InputError> {
        let opts = staffing::Options {
            threads: 1,
            ..Default::default()
        };
        let (design, report) = staffing::design(&problem, &opts, &|_, _| {})?;
        Ok(Plan {
            input: problem,
            design,
            report: Some(report),
        })
    })
    .await?
    .map_err(|e| AppError::Unprocessable(format!("The school's data cannot be staffed: {e}")))?;
    let json = serde_json::to_string(&plan)?;
    let teams: usize = plan.design.schools.iter().map(|s| s.teams.len()).sum();
    let entry = gate
        .entry(actions::STAFFING_BUILD, "staffing_plan", None)
        .school(school_id)
        .detail(format!("{teams} core teams proposed"));
    let pid = store.insert_staffing_plan(school_id, &json, &entry).await?;
    tracing::info!(school = school_id.0, plan = pid, "staffing plan built");
    Ok(pid)
}

/// One change of holder: which team, which responsibility, who holds it and who coaches.
pub(crate) struct Assignment<'a> {
    pub team: &'a str,
    pub responsibility: &'a str,
    /// An educator's sourcedId, or empty for nobody.
    pub holder: &'a str,
    /// An educator's sourcedId, or empty for no coach.
    pub coach: &'a str,
}

/// Changes who holds one responsibility of one team. Any member may be chosen; the validator
/// flags an unready one. Returns the team's index in the plan.
pub(crate) async fn assign(
    gate: &Gate<'_>,
    school: SchoolId,
    pid: i64,
    a: &Assignment<'_>,
) -> Result<usize, AppError> {
    let (mut plan, _) = plan_of(gate, school, pid).await?;
    let index = plan
        .design
        .schools
        .iter()
        .flat_map(|s| &s.teams)
        .position(|t| t.name == a.team)
        .ok_or_else(|| AppError::Unprocessable(format!("No team {:?} in this plan.", a.team)))?;
    let team = plan
        .design
        .schools
        .iter_mut()
        .flat_map(|s| s.teams.iter_mut())
        .nth(index)
        .ok_or_else(|| AppError::Unprocessable(format!("No team {:?} in this plan.", a.team)))?;
    let on_team = |id: &str| id.is_empty() || team.members.iter().any(|m| m.educator == id);
    if !on_team(a.holder) || !on_team(a.coach) {
        return Err(AppError::Unprocessable(
            "Choose a member of the team.".into(),
        ));
    }
    let h = team
        .holdings
        .iter_mut()
        .find(|h| h.responsibility == a.responsibility)
        .ok_or_else(|| {
            AppError::Unprocessable(format!(
                "No responsibility {:?} on this team.",
                a.responsibility
            ))
        })?;
    h.holder = (!a.holder.is_empty()).then(|| a.holder.to_owned());
    h.coach = (!a.coach.is_empty()).then(|| a.coach.to_owned());
    h.why = format!("Edited by {}", gate.who().display_name);
    let json = serde_json::to_string(&plan)?;
    let entry = gate
        .entry(actions::STAFFING_ASSIGN, "staffing_plan", Some(pid))
        .school(school)
        .detail(format!(
            "{}: {} held by {}{}",
            a.team,
            a.responsibility,
            if a.holder.is_empty() {
                "nobody"
            } else {
                a.holder
            },
            if a.coach.is_empty() {
                String::new()
            } else {
                format!(", coached by {}", a.coach)
            }
        ));
    gate.store()
        .update_staffing_plan(school, pid, &json, &entry)
        .await?;
    Ok(index)
}

/// The teams a plan saves: its core teams with their members (the lead flagged) and its
/// extended members.
fn teams_of(plan: &Plan) -> (Vec<PlanTeamInput>, Vec<String>) {
    let mut core = Vec::new();
    let mut extended = Vec::new();
    for sd in &plan.design.schools {
        for t in &sd.teams {
            let lead = t
                .holdings
                .iter()
                .find(|h| h.responsibility == "team_lead")
                .and_then(|h| h.holder.clone());
            core.push(PlanTeamInput {
                name: t.name.clone(),
                description: format!(
                    "Core team sharing one roster of {} students ({})",
                    t.roster, t.band
                ),
                members: t
                    .members
                    .iter()
                    .map(|m| {
                        let role = if lead.as_deref() == Some(m.educator.as_str()) {
                            TeamMemberRole::Lead
                        } else {
                            TeamMemberRole::Member
                        };
                        (m.educator.clone(), role)
                    })
                    .collect(),
            });
        }
        extended.extend(sd.extended.iter().map(|x| x.educator.clone()));
    }
    (core, extended)
}

/// Saves the plan as the school's teams for the current term — or, with `preview`, says what
/// saving would change without changing anything.
pub(crate) async fn save(
    gate: &Gate<'_>,
    school: SchoolId,
    pid: i64,
    preview: bool,
) -> Result<Vec<TeamChange>, AppError> {
    let (plan, _) = plan_of(gate, school, pid).await?;
    let (core, extended) = teams_of(&plan);
    let entry = gate
        .entry(actions::STAFFING_SAVE, "staffing_plan", Some(pid))
        .school(school);
    match gate
        .store()
        .apply_staffing_plan(pid, school, &core, &extended, preview, &entry)
        .await
    {
        Ok(changes) => Ok(changes),
        Err(e) if preview => Err(e.into()),
        Err(e) => Err(gate.failed(entry, e.into()).await),
    }
}

/// A district leader changes the catalog and policy the district's schools are designed with.
/// Bad JSON or a bad value is refused with where it is; nothing is stored then.
pub(crate) async fn set_settings(
    gate: &Gate<'_>,
    school: SchoolId,
    text: &str,
) -> Result<(), AppError> {
    let entry = gate
        .entry(actions::STAFFING_SETTINGS, "school", Some(school.0))
        .school(school);
    if !may_edit_district_settings(gate.who()) {
        gate.log(entry.outcome(AuditOutcome::Denied)).await?;
        // As for a school that does not exist.
        return Err(AppError::NotFound(format!(
            "No school {} that you may see.",
            school.0
        )));
    }
    // Text that is not JSON is bad input; JSON whose values break the format's rules is
    // refused as such (422).
    let parsed: staffing::Settings = serde_json::from_str(text).map_err(|e| {
        let m = format!("Settings, line {}, column {}: {e}", e.line(), e.column());
        if e.is_data() {
            AppError::Unprocessable(m)
        } else {
            AppError::BadRequest(m)
        }
    })?;
    parsed
        .validate()
        .map_err(|e| AppError::Unprocessable(format!("Settings: {e}")))?;
    let json = serde_json::to_string(&parsed)?;
    let entry = entry.detail(format!(
        "{} roles, {} responsibilities, {} services",
        parsed.catalog.roles.len(),
        parsed.catalog.responsibilities.len(),
        parsed.catalog.services.len()
    ));
    gate.store()
        .set_staffing_settings(school, &json, &entry)
        .await?;
    Ok(())
}
