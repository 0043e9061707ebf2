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
use ensemble_store::{
    actions, ApplyOutcome, ApplyPlan, AuditOutcome, PlanRow, PlanTeamInput, SchoolRow, TermChoice,
};
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
    let mut plan: Plan = serde_json::from_str(&row.plan).map_err(|e| {
        AppError::Unprocessable(format!(
            "Staffing plan {id} was stored in a form this version cannot read ({e}); build a new plan."
        ))
    })?;
    let pool = gate.store().staffing_pool(school).await?;
    refresh_competencies(&mut plan, &pool);
    Ok((plan, row))
}

/// A plan is checked against what its educators hold today, not when it was built: a
/// micro-credential accepted since raises the competency here too, so a coached stretch can
/// become ready. Educators who have left keep what the plan recorded.
pub(crate) fn refresh_competencies(plan: &mut Plan, pool: &[ensemble_store::PoolEducator]) {
    for school in &mut plan.input.schools {
        for c in &mut school.educators {
            let Some(now) = pool.iter().find(|e| e.sourced_id == c.id) else {
                continue;
            };
            let fresh = staffing::input::candidate(
                &now.sourced_id,
                &now.name,
                now.role_type,
                now.fte,
                now.years,
                &now.competencies,
                &now.expertise,
                now.available_periods,
                None,
            );
            c.competencies = fresh.competencies;
            c.content = fresh.content;
        }
    }
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

/// The term a new plan is for unless the leader says otherwise: the one after the current term
/// (teams change between terms, not in the middle of one), else the current term.
pub(crate) fn default_term(terms: &[TermChoice]) -> Option<&TermChoice> {
    let current = terms.iter().position(|t| t.current);
    match current {
        Some(i) => terms.get(i + 1).or(terms.get(i)),
        None => terms.first(),
    }
}

/// The term a plan is for: the one asked for, which must be the school's current term or a
/// later one; by default the next.
pub(crate) async fn plan_term(
    gate: &Gate<'_>,
    school: SchoolId,
    asked: Option<i64>,
) -> Result<TermChoice, AppError> {
    let terms = gate.store().school_terms(school).await?;
    let current = terms.iter().position(|t| t.current).unwrap_or(0);
    match asked {
        None => default_term(&terms)
            .cloned()
            .ok_or_else(|| AppError::Unprocessable("The school has no term to plan for.".into())),
        Some(id) => terms
            .iter()
            .enumerate()
            .find(|(i, t)| t.id.0 == id && *i >= current)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| {
                AppError::Unprocessable(
                    "Term: choose this term or a later one of the school.".into(),
                )
            }),
    }
}

/// Builds a plan for a term from the school's stored staff and aggregate need counts; returns
/// its id.
pub(crate) async fn build(
    gate: &Gate<'_>,
    school: &SchoolRow,
    term: &TermChoice,
) -> Result<i64, AppError> {
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
        .detail(format!("{teams} core teams proposed for {}", term.name));
    let pid = store
        .insert_staffing_plan(school_id, term.id, &json, &entry)
        .await?;
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
    // The audit log names people and the responsibility, not codes.
    let name = |id: &str| {
        plan.input
            .educator(id)
            .map_or_else(|| id.to_owned(), |(_, c)| c.name.clone())
    };
    let what = plan
        .input
        .catalog
        .responsibilities
        .iter()
        .find_map(|r| {
            if r.code == a.responsibility {
                Some(staffing::explain::responsibility_label(r, None))
            } else {
                a.responsibility
                    .strip_prefix(&format!("{}_", r.code))
                    .filter(|_| r.per_subject_content.is_some())
                    .map(|subj| staffing::explain::responsibility_label(r, Some(subj)))
            }
        })
        .unwrap_or_else(|| ensemble_domain::labels::words(a.responsibility));
    let entry = gate
        .entry(actions::STAFFING_ASSIGN, "staffing_plan", Some(pid))
        .school(school)
        .detail(format!(
            "{}: {what} held by {}{}",
            a.team,
            if a.holder.is_empty() {
                "nobody".to_owned()
            } else {
                name(a.holder)
            },
            if a.coach.is_empty() {
                String::new()
            } else {
                format!(", coached by {}", name(a.coach))
            }
        ));
    gate.store()
        .update_staffing_plan(school, pid, &json, &entry)
        .await?;
    Ok(index)
}

/// The teams a plan applies: its core teams with their members (the lead flagged), band and
/// grades, and its extended members.
fn teams_of(plan: &Plan) -> (Vec<PlanTeamInput>, Vec<String>) {
    let mut core = Vec::new();
    let mut extended = Vec::new();
    for sd in &plan.design.schools {
        let bands = plan
            .input
            .schools
            .iter()
            .find(|s| s.id == sd.school)
            .map(|s| s.bands.as_slice())
            .unwrap_or_default();
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
                grades: bands
                    .iter()
                    .find(|b| b.name == t.band)
                    .map(|b| b.grades.clone())
                    .unwrap_or_default(),
                band: t.band.clone(),
            });
        }
        extended.extend(sd.extended.iter().map(|x| x.educator.clone()));
    }
    (core, extended)
}

/// The rules a plan breaks, in words, for the leader: (rule, message).
pub(crate) fn open_problems(plan: &Plan) -> Vec<(String, String)> {
    staffing::check(&plan.input, &plan.design)
        .violations
        .iter()
        .map(|v| (v.rule.label().to_owned(), v.message.clone()))
        .collect()
}

/// A plan in a sentence a school leader reads: which rules it meets, and how close the design
/// is to the best possible ("meets every rule except 10 service shortfalls; at most 40 %
/// above the best possible").
pub(crate) fn plain_summary(plan: &Plan) -> String {
    let verdict = staffing::check(&plan.input, &plan.design);
    let mut counts: BTreeMap<staffing::check::Rule, usize> = BTreeMap::new();
    for v in &verdict.violations {
        *counts.entry(v.rule).or_default() += 1;
    }
    let rules = if counts.is_empty() {
        "Meets every rule".to_owned()
    } else {
        let parts: Vec<String> = counts.iter().map(|(r, n)| r.count(*n)).collect();
        format!("Meets every rule except {}", join_words(&parts))
    };
    let quality = plan.report.as_ref().map(|r| {
        if r.gap <= 0.0005 {
            "; as good as the best possible design".to_owned()
        } else {
            format!(
                "; at most {:.0} % above the best possible",
                (r.gap * 100.0).ceil()
            )
        }
    });
    format!("{rules}{}.", quality.unwrap_or_default())
}

/// "a, b and c".
pub(crate) fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What applying a plan would change, and what stands in its way.
pub(crate) struct Review {
    pub outcome: ApplyOutcome,
    /// Rules the plan breaks (rule, message).
    pub problems: Vec<(String, String)>,
    pub term: TermId,
}

impl Review {
    /// Applying needs a reason: the plan breaks a hard rule or leaves students without a team.
    pub fn needs_reason(&self) -> bool {
        !self.problems.is_empty() || !self.outcome.left_behind.is_empty()
    }
}

/// The term a stored plan is for (older plans: the school's current term).
async fn term_of(gate: &Gate<'_>, school: SchoolId, row: &PlanRow) -> Result<TermId, AppError> {
    match row.term {
        Some(t) => Ok(t),
        None => gate
            .store()
            .school_terms(school)
            .await?
            .into_iter()
            .find(|t| t.current)
            .map(|t| t.id)
            .ok_or_else(|| AppError::Unprocessable("The school has no current term.".into())),
    }
}

/// What applying the plan would change, changing nothing.
pub(crate) async fn review(
    gate: &Gate<'_>,
    school: SchoolId,
    pid: i64,
) -> Result<Review, AppError> {
    let (plan, row) = plan_of(gate, school, pid).await?;
    let term = term_of(gate, school, &row).await?;
    let (core, extended) = teams_of(&plan);
    let entry = gate
        .entry(actions::STAFFING_SAVE, "staffing_plan", Some(pid))
        .school(school);
    let outcome = gate
        .store()
        .apply_staffing_plan(
            &ApplyPlan {
                plan_id: pid,
                school,
                term,
                core: &core,
                extended: &extended,
                override_reason: None,
                preview: true,
            },
            &entry,
        )
        .await?;
    Ok(Review {
        outcome,
        problems: open_problems(&plan),
        term,
    })
}

/// Applies the plan to its term's teams. A plan that breaks a hard rule or leaves students
/// without a team is refused (audited) unless the leader gives a reason, which is recorded.
pub(crate) async fn apply(
    gate: &Gate<'_>,
    school: SchoolId,
    pid: i64,
    reason: &str,
) -> Result<ApplyOutcome, AppError> {
    let reason = reason.trim();
    if reason.chars().count() > 1000
        || reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::Unprocessable(
            "Reason: up to 1,000 characters of text.".into(),
        ));
    }
    let r = review(gate, school, pid).await?;
    let entry = gate
        .entry(actions::STAFFING_SAVE, "staffing_plan", Some(pid))
        .school(school);
    if r.needs_reason() && reason.is_empty() {
        let mut what: Vec<String> = Vec::new();
        if !r.problems.is_empty() {
            what.push(format!("breaks {} rule(s)", r.problems.len()));
        }
        let left: i64 = r.outcome.left_behind.iter().map(|l| l.students).sum();
        if left > 0 {
            what.push(format!("leaves {left} students without a team"));
        }
        let e = AppError::Unprocessable(format!(
            "This plan {}: fix it, or give the reason to apply it anyway.",
            join_words(&what)
        ));
        return Err(gate
            .failed(
                entry
                    .outcome(AuditOutcome::Denied)
                    .detail("refused: open problems and no reason given"),
                e,
            )
            .await);
    }
    let (plan, _) = plan_of(gate, school, pid).await?;
    let (core, extended) = teams_of(&plan);
    let override_reason = (r.needs_reason() && !reason.is_empty()).then_some(reason);
    match gate
        .store()
        .apply_staffing_plan(
            &ApplyPlan {
                plan_id: pid,
                school,
                term: r.term,
                core: &core,
                extended: &extended,
                override_reason,
                preview: false,
            },
            &entry,
        )
        .await
    {
        Ok(o) => Ok(o),
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
