//! A core team's grouping board (issue 5). Team members and school leaders:
//! - propose groups for a block and a focus skill;
//! - see each group's educator, space and a mastery chart;
//! - move a student by hand (the checker warns at once);
//! - publish to the team.
//!
//! Members see the published groups, each student's group history, and how groups changed over
//! the last cycles.
//!
//! The board reads the roster through the gate (audited, with each reader's access), and the
//! formative data only after that check (audited as `assessments.read`). Sensitive needs reach
//! the engine only as "requires a service", and only for readers who may see them.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::gate::{Gate, Roster};
use crate::pages::{render, Nav, PageForm, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use ensemble_domain::access::RosterScope;
use ensemble_domain::*;
use ensemble_grouping::{
    self as grouping, EducatorIn, EducatorRole, Grouping, Input, SpaceIn, Strategy, StudentIn,
};
use ensemble_store::{AuditEntry, AuditOutcome, GroupingRow};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teams/{id}/grouping", get(board).post(propose))
        .route("/teams/{id}/grouping/{gid}/move", post(move_student))
        .route("/teams/{id}/grouping/{gid}/publish", post(publish))
}

/// The roster, if the reader may see the whole of it (team members, leaders).
async fn whole_roster(st: &AppState, v: &Viewer, team: TeamId) -> Result<Roster, AppError> {
    let roster = Gate::new(&st.store, &v.principal).roster(team).await?;
    // Community educators and volunteers see names and groups only: not mastery.
    let community = v.principal.role_type.is_some_and(RoleType::is_community);
    if roster.scope != RosterScope::Whole || community {
        return Err(AppError::Forbidden(format!(
            "Only the members of {} and school leaders use its grouping board.",
            roster.team.team.name
        )));
    }
    Ok(roster)
}

async fn audit_formative(
    st: &AppState,
    v: &Viewer,
    roster: &Roster,
    what: &str,
) -> Result<(), AppError> {
    st.store
        .audit(AuditEntry {
            user: Some(v.principal.user),
            actor: &v.principal.email,
            school: Some(roster.team.team.school),
            action: "assessments.read",
            target_kind: "team",
            target_id: Some(roster.team.team.id.0),
            outcome: AuditOutcome::Allowed,
            detail: format!(
                "{what}: formative data of {} students",
                roster.students.len()
            ),
        })
        .await?;
    Ok(())
}

/// A stored grouping of this team; another team's answers like a missing one.
async fn grouping_of(st: &AppState, team: i64, gid: i64) -> Result<GroupingRow, AppError> {
    st.store
        .grouping(gid)
        .await?
        .filter(|r| r.team.0 == team)
        .ok_or_else(|| AppError::NotFound("No grouping that you may see here.".into()))
}

/// Both halves of a stored grouping.
fn parse(row: &GroupingRow) -> Result<(Input, Grouping), AppError> {
    let input = serde_json::from_str(&row.input).map_err(|e| {
        AppError::Conflict(format!("The stored grouping's input cannot be read: {e}"))
    })?;
    let g = serde_json::from_str(&row.grouping)
        .map_err(|e| AppError::Conflict(format!("The stored grouping cannot be read: {e}")))?;
    Ok((input, g))
}

/// The subject of a skill code (`math.fractions` → `math`).
fn subject_of(skill: &str) -> &str {
    skill.split('.').next().unwrap_or(skill)
}

/// The engine's input for one block, from the roster, the formative data and past groupings.
async fn build_input(
    st: &AppState,
    roster: &Roster,
    block: &str,
    focus: &str,
    strategy: Strategy,
) -> Result<Input, AppError> {
    let team = &roster.team.team;
    let data = st.store.team_assessments(team.id).await?;
    let choices = st.store.team_choices(team.id).await?;
    let past: Vec<(Input, Grouping)> = st
        .store
        .published_groupings(team.id, 12)
        .await?
        .iter()
        .filter_map(|r| parse(r).ok())
        .collect();
    let subject = subject_of(focus);
    let mut educators: Vec<EducatorIn> = roster
        .team
        .members
        .iter()
        .map(|m| EducatorIn {
            id: m.educator.0.to_string(),
            name: m.name.clone(),
            role: match m.role_type {
                RoleType::TeacherLeader => EducatorRole::ContentLead,
                RoleType::Specialist => EducatorRole::Specialist,
                RoleType::Paraeducator => EducatorRole::Intervention,
                _ => EducatorRole::General,
            },
            expertise: if m
                .expertise
                .iter()
                .any(|s| s == subject || (subject == "science" && s == "science"))
            {
                3
            } else {
                1
            },
            services: Vec::new(),
            relationships: Vec::new(),
            max_group: None,
        })
        .collect();
    // Extended-team members who serve the roster's students come to the block too.
    let mut services: BTreeMap<i64, (String, BTreeSet<String>)> = BTreeMap::new();
    for s in &roster.students {
        for (e, name, service) in s.served_by.iter().flatten() {
            let entry = services
                .entry(e.0)
                .or_insert_with(|| (name.clone(), BTreeSet::new()));
            entry.1.insert(service.clone());
        }
    }
    for (id, (name, svc)) in services {
        let id_s = id.to_string();
        if let Some(e) = educators.iter_mut().find(|e| e.id == id_s) {
            e.services.extend(svc);
            continue;
        }
        let supports = ["special_education", "english_learner"];
        let intervention = svc
            .iter()
            .any(|s| s == "reading_intervention" || s == "paraeducator_support");
        let specialist = svc.iter().any(|s| supports.contains(&s.as_str()));
        if !(specialist || intervention) {
            continue;
        }
        educators.push(EducatorIn {
            id: id_s,
            name,
            role: if specialist {
                EducatorRole::Specialist
            } else {
                EducatorRole::Intervention
            },
            expertise: 1,
            services: svc.into_iter().collect(),
            relationships: Vec::new(),
            max_group: None,
        });
    }
    // Who knew whom in past groups, and last cycle's educator.
    let mut knows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, g) in &past {
        for grp in &g.groups {
            knows
                .entry(grp.educator.clone())
                .or_default()
                .extend(grp.students.iter().cloned());
        }
    }
    for e in &mut educators {
        e.relationships = knows
            .get(&e.id)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
    }
    let last_educator = |student: &str| -> Option<String> {
        past.first()
            .and_then(|(_, g)| {
                g.groups
                    .iter()
                    .find(|x| x.students.iter().any(|s| s == student))
            })
            .map(|x| x.educator.clone())
    };
    // Consecutive published cycles (newest first) in the lowest-mastery group of a need grouping.
    let lowest_cycles = |student: &str| -> u32 {
        past.iter()
            .take_while(|(i, g)| {
                i.strategy == Strategy::Need
                    && g.groups
                        .iter()
                        .find(|x| !x.students.is_empty())
                        .is_some_and(|x| x.students.iter().any(|s| s == student))
            })
            .count() as u32
    };
    let students = roster
        .students
        .iter()
        .map(|s| {
            let history = data.get(&s.id.0).and_then(|m| m.get(focus));
            let last = history.and_then(|h| h.last()).map(|x| x.1);
            // Mastery when last grouped on this focus: from the newest published grouping's
            // input, so small changes since then do not churn the student.
            let before = past
                .iter()
                .find(|(i, _)| i.focus == focus)
                .and_then(|(i, _)| i.students.iter().find(|x| x.id == s.sourced_id))
                .and_then(|x| x.mastery);
            let requires = s
                .needs
                .as_ref()
                .filter(|_| s.access.sees_sensitive())
                .and_then(|n| {
                    if n.iep {
                        Some("special_education".to_owned())
                    } else {
                        None
                    }
                });
            StudentIn {
                id: s.sourced_id.clone(),
                name: format!("{} {}", s.given_name, s.family_name),
                mastery: last,
                previous_mastery: before,
                previous_educator: last_educator(&s.sourced_id),
                choices: choices.get(&s.id.0).cloned().unwrap_or_default(),
                requires,
                lowest_cycles: lowest_cycles(&s.sourced_id),
            }
        })
        .collect::<Vec<_>>();
    // Spaces: the team's booked spaces, and the school's small-group rooms.
    let mut spaces: Vec<SpaceIn> = Vec::new();
    let all = st.store.spaces(team.school).await?;
    let booked: BTreeSet<i64> = st
        .store
        .team_bookings(team.id)
        .await?
        .iter()
        .map(|b| b.space.0)
        .collect();
    for sp in all
        .iter()
        .filter(|s| booked.contains(&s.id.0) || s.kind == SpaceKind::SmallGroupRoom)
    {
        spaces.push(SpaceIn {
            id: sp.id.0.to_string(),
            name: sp.name.clone(),
            capacity: sp.capacity.clamp(0, i64::from(u32::MAX)) as u32,
            zone: sp.parent.map(|p| p.0.to_string()),
        });
    }
    let options = if strategy == Strategy::Interest {
        let mut offered: Vec<String> = Vec::new();
        for s in &students {
            for c in &s.choices {
                if !offered.contains(c) {
                    offered.push(c.clone());
                }
            }
        }
        offered
            .into_iter()
            .take(educators.len())
            .map(|c| grouping::OptionIn {
                name: c.replace('_', " "),
                code: c,
                educator: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Input {
        block: block.into(),
        focus: focus.into(),
        strategy,
        group_size: [4, 40],
        students,
        educators,
        spaces,
        options,
        weights: Default::default(),
        equity_cycles: 3,
        stability_threshold: 10,
        moves_per_student: 60,
    })
}

#[derive(Deserialize)]
struct BoardQuery {
    g: Option<i64>,
    msg: Option<String>,
}

struct Bar {
    name: String,
    mastery: u32,
    y: u32,
}

struct GroupView {
    index: usize,
    name: String,
    educator: String,
    space: String,
    option: String,
    why: String,
    students: Vec<(String, String, String)>,
    bars: Vec<Bar>,
    chart_height: u32,
}

struct HistoryRow {
    name: String,
    cells: Vec<String>,
}

/// One published cycle in the chart: a stacked bar of its groups' sizes.
struct CycleBar {
    x: u32,
    label: String,
    segments: Vec<Segment>,
}

struct Segment {
    y: u32,
    h: u32,
    colour: usize,
    title: String,
}

#[derive(Template)]
#[template(path = "grouping.html")]
struct BoardPage {
    nav: Nav,
    team_id: i64,
    team_name: String,
    msg: Option<String>,
    skills: Vec<String>,
    grouping_id: Option<i64>,
    draft: bool,
    summary: String,
    groups: Vec<GroupView>,
    group_names: Vec<String>,
    warnings: Vec<String>,
    flags: Vec<String>,
    published: Vec<GroupView>,
    published_label: String,
    history_heads: Vec<String>,
    history: Vec<HistoryRow>,
    cycle_bars: Vec<CycleBar>,
}

fn views(input: &Input, g: &Grouping) -> Vec<GroupView> {
    let edu = |id: &str| {
        input
            .educators
            .iter()
            .find(|e| e.id == id)
            .map_or(id.to_owned(), |e| e.name.clone())
    };
    let space = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| input.spaces.iter().find(|s| &s.id == id))
            .map_or("no space".to_owned(), |s| {
                format!("{} ({} seats)", s.name, s.capacity)
            })
    };
    g.groups
        .iter()
        .enumerate()
        .map(|(i, grp)| {
            let mut members: Vec<&StudentIn> = grp
                .students
                .iter()
                .filter_map(|id| input.students.iter().find(|s| &s.id == id))
                .collect();
            members.sort_by_key(|s| (s.mastery.unwrap_or(0), s.name.clone()));
            let bars: Vec<Bar> = members
                .iter()
                .enumerate()
                .map(|(k, s)| Bar {
                    name: s.name.clone(),
                    mastery: s.mastery.unwrap_or(0),
                    y: 14 * k as u32,
                })
                .collect();
            GroupView {
                index: i,
                name: grp.name.clone(),
                educator: edu(&grp.educator),
                space: space(&grp.space),
                option: grp.option.clone().unwrap_or_default(),
                why: grp.why.clone(),
                students: members
                    .iter()
                    .map(|s| {
                        (
                            s.id.clone(),
                            s.name.clone(),
                            s.mastery.map_or("–".into(), |m| m.to_string()),
                        )
                    })
                    .collect(),
                chart_height: 14 * bars.len() as u32 + 4,
                bars,
            }
        })
        .collect()
}

async fn board(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let roster = whole_roster(&st, &v, TeamId(id)).await?;
    audit_formative(&st, &v, &roster, "grouping board").await?;
    let skills = st.store.team_skills(TeamId(id)).await?;
    let mut page = BoardPage {
        nav: Nav::of(&v),
        team_id: id,
        team_name: roster.team.team.name.clone(),
        msg: q.msg,
        skills,
        grouping_id: None,
        draft: false,
        summary: String::new(),
        groups: Vec::new(),
        group_names: Vec::new(),
        warnings: Vec::new(),
        flags: Vec::new(),
        published: Vec::new(),
        published_label: String::new(),
        history_heads: Vec::new(),
        history: Vec::new(),
        cycle_bars: Vec::new(),
    };
    if let Some(gid) = q.g {
        let row = st
            .store
            .grouping(gid)
            .await?
            .filter(|r| r.team.0 == id)
            .ok_or_else(|| AppError::NotFound("No grouping that you may see here.".into()))?;
        let (input, g) = parse(&row)?;
        let verdict = grouping::check(&input, &g);
        page.grouping_id = Some(gid);
        page.draft = row.published_at.is_none();
        page.summary = format!(
            "{} · {} · {} · {} students in {} groups{}",
            row.block,
            row.focus,
            input.strategy.label(),
            input.students.len(),
            g.groups.iter().filter(|x| !x.students.is_empty()).count(),
            if page.draft {
                " · draft"
            } else {
                " · published"
            }
        );
        page.groups = views(&input, &g);
        page.group_names = g.groups.iter().map(|x| x.name.clone()).collect();
        page.warnings = verdict
            .violations
            .iter()
            .map(|x| format!("{}: {}", x.rule.label(), x.message))
            .collect();
        page.flags = g.flags.iter().map(|f| f.message.clone()).collect();
    }
    // The published groups, and how groups changed over the last cycles.
    // Rows that cannot be read are left out (and so out of every column).
    let published: Vec<(GroupingRow, Input, Grouping)> = st
        .store
        .published_groupings(TeamId(id), 6)
        .await?
        .into_iter()
        .filter_map(|r| parse(&r).ok().map(|(i, g)| (r, i, g)))
        .collect();
    if let Some((latest, input, g)) = published.first() {
        page.published = views(input, g);
        page.published_label = format!(
            "{} · {} · {}",
            latest.block,
            latest.focus,
            input.strategy.label()
        );
    }
    let cycles: Vec<(Input, Grouping)> = published
        .iter()
        .rev()
        .map(|(_, i, g)| (i.clone(), g.clone()))
        .collect();
    // Stacked bars: each cycle's groups, bottom to top in the grouping's order, 2 px a student.
    page.cycle_bars = cycles
        .iter()
        .zip(published.iter().rev().map(|(r, _, _)| r))
        .enumerate()
        .map(|(k, ((input, g), row))| {
            let mut y = 240u32;
            let segments = g
                .groups
                .iter()
                .enumerate()
                .filter(|(_, x)| !x.students.is_empty())
                .map(|(i, x)| {
                    let h = (2 * x.students.len() as u32).min(y);
                    y -= h;
                    Segment {
                        y,
                        h,
                        colour: i % 8,
                        title: format!("{}: {} students", x.name, x.students.len()),
                    }
                })
                .collect();
            CycleBar {
                x: 10 + 90 * k as u32,
                label: format!("{} · {}", row.focus, input.strategy.label()),
                segments,
            }
        })
        .collect();
    page.history_heads = published
        .iter()
        .rev()
        .map(|(r, _, _)| format!("{} ({})", r.block, r.focus))
        .collect();
    page.history = roster
        .students
        .iter()
        .map(|s| HistoryRow {
            name: format!("{} {}", s.given_name, s.family_name),
            cells: cycles
                .iter()
                .map(|(_, g)| {
                    g.groups
                        .iter()
                        .find(|x| x.students.contains(&s.sourced_id))
                        .map_or("–".into(), |x| {
                            x.name.split(' ').take(2).collect::<Vec<_>>().join(" ")
                        })
                })
                .collect(),
        })
        .collect();
    render(&page)
}

#[derive(Deserialize)]
struct ProposeForm {
    csrf: String,
    block: String,
    focus: String,
    strategy: String,
}

async fn propose(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ProposeForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    let strategy = match f.strategy.as_str() {
        "need" => Strategy::Need,
        "interest" => Strategy::Interest,
        "mixed" => Strategy::Mixed,
        other => {
            return Err(AppError::BadRequest(format!(
                "Strategy {other:?}: choose need, interest or mixed."
            ))
            .into())
        }
    };
    let block = f.block.trim();
    if block.is_empty() || block.len() > 100 {
        return Err(
            AppError::BadRequest("Block: give it a name of up to 100 characters.".into()).into(),
        );
    }
    let roster = whole_roster(&st, &v, TeamId(id)).await?;
    audit_formative(&st, &v, &roster, "proposing groups").await?;
    let focus = f.focus.trim();
    if !grouping::assessments::is_skill(focus) {
        return Err(AppError::BadRequest("Focus: choose one of the team's skills.".into()).into());
    }
    let input = build_input(&st, &roster, block, focus, strategy).await?;
    let solved = tokio::task::spawn_blocking(move || {
        let g = grouping::solve(&input, &grouping::Options::default());
        (input, g)
    })
    .await
    .map_err(|e| AppError::Conflict(format!("The grouping engine stopped: {e}")))?;
    let (input, g) = solved;
    let g =
        g.map_err(|e| AppError::Unprocessable(format!("These groups cannot be formed: {e}")))?;
    let gid = st
        .store
        .insert_grouping(
            TeamId(id),
            Some(v.principal.user),
            block,
            &input.focus,
            &f.strategy,
            &to_json(&input)?,
            &to_json(&g)?,
            None,
        )
        .await?;
    Ok(Redirect::to(&format!("/teams/{id}/grouping?g={gid}")).into_response())
}

fn to_json<T: serde::Serialize>(x: &T) -> Result<String, AppError> {
    serde_json::to_string(x).map_err(|e| AppError::Conflict(e.to_string()))
}

#[derive(Deserialize)]
struct MoveForm {
    csrf: String,
    student: String,
    to: String,
}

/// Moves a student to another group of a draft; the checker's warnings show on the board.
async fn move_student(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, gid)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<MoveForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    whole_roster(&st, &v, TeamId(id)).await?;
    let row = grouping_of(&st, id, gid).await?;
    let (_, mut g) = parse(&row)?;
    if !g.groups.iter().any(|x| x.name == f.to) {
        return Err(AppError::BadRequest(format!("No group {:?} in this grouping.", f.to)).into());
    }
    if !g.groups.iter().any(|x| x.students.contains(&f.student)) {
        return Err(
            AppError::BadRequest(format!("No student {:?} in this grouping.", f.student)).into(),
        );
    }
    for grp in &mut g.groups {
        grp.students.retain(|s| s != &f.student);
        if grp.name == f.to {
            grp.students.push(f.student.clone());
        }
    }
    for p in &mut g.placements {
        if p.student == f.student {
            p.group = f.to.clone();
            p.why = format!("moved to {} by {}", f.to, v.principal.display_name);
        }
    }
    let json = serde_json::to_string(&g).map_err(|e| AppError::Conflict(e.to_string()))?;
    st.store.update_grouping(gid, &json).await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}/grouping?g={gid}&msg=Moved+the+student"
    ))
    .into_response())
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn publish(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, gid)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    whole_roster(&st, &v, TeamId(id)).await?;
    grouping_of(&st, id, gid).await?;
    st.store.publish_grouping(gid).await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}/grouping?g={gid}&msg=Published+to+the+team"
    ))
    .into_response())
}
