//! A core team's grouping board (issue 5). Team members and school leaders propose groups for
//! a block and a focus skill, see each group's educator, space and a mastery chart, move a
//! student by hand (the checker warns at once) and publish to the team; members see the
//! published groups and how groups changed over the last cycles.
//!
//! Everything goes through the gate's board grant ([`Gate::board`]): the roster *now*, audited
//! with every student on it. Formative data, choices and groupings are read with that grant. A
//! stored grouping is a snapshot; [`open`] shows it with only the students on the roster now —
//! one who has left appears as "moved to another team", without name or data. Sensitive needs
//! reach the engine only as "requires a service", and only for readers who may see them.
//!
//! This module holds the adapter from stored data to the engine's input and the changes; the
//! page ([`page`]) and the API ([`api`]) show them.

pub mod api;
mod page;

use crate::error::AppError;
use crate::gate::{Board, Gate};
use crate::routes::Routes;
use ensemble_domain::access::Sensitive;
use ensemble_domain::*;
use ensemble_grouping::{
    self as grouping, EducatorIn, EducatorRole, Grouping, Input, SpaceIn, Strategy, StudentIn,
};
use ensemble_staffing::catalog::RoleDef;
use ensemble_store::{actions, GroupingRow, NewGrouping};
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Routes {
    page::router()
}

pub fn api() -> Routes {
    api::routes()
}

/// What a student who has left the team is shown as.
pub const MOVED: &str = "Moved to another team";

/// Both halves of a stored grouping, as stored: for changing a draft, never for showing.
fn raw(row: &GroupingRow) -> Result<(Input, Grouping), AppError> {
    let unreadable = |e: serde_json::Error| {
        AppError::Unprocessable(format!(
            "Grouping {} was stored in a form this version cannot read ({e}); propose a new one.",
            row.id
        ))
    };
    let input = serde_json::from_str(&row.input).map_err(unreadable)?;
    let g = serde_json::from_str(&row.grouping).map_err(unreadable)?;
    Ok((input, g))
}

/// A stored grouping as the board may show it: students no longer on the team's roster are
/// replaced by "moved to another team" placeholders without name or data, and their
/// placements and flags are dropped.
pub(crate) fn open(row: &GroupingRow, board: &Board) -> Result<(Input, Grouping), AppError> {
    let (mut input, mut g) = raw(row)?;
    let present: BTreeSet<&str> = board
        .students
        .iter()
        .map(|s| s.sourced_id.as_str())
        .collect();
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for (k, s) in input.students.iter_mut().enumerate() {
        if !present.contains(s.id.as_str()) {
            let placeholder = format!("moved-{}", k + 1);
            renamed.insert(
                std::mem::replace(&mut s.id, placeholder.clone()),
                placeholder,
            );
            *s = StudentIn {
                id: s.id.clone(),
                name: MOVED.into(),
                mastery: None,
                previous_mastery: None,
                previous_educator: None,
                choices: Vec::new(),
                requires: None,
                lowest_cycles: 0,
            };
        }
    }
    for grp in &mut g.groups {
        for s in &mut grp.students {
            if let Some(p) = renamed.get(s) {
                s.clone_from(p);
            }
        }
    }
    g.placements.retain(|p| !renamed.contains_key(&p.student));
    g.flags.retain(|f| !renamed.contains_key(&f.student));
    for e in &mut input.educators {
        e.relationships.retain(|s| present.contains(s.as_str()));
    }
    Ok((input, g))
}

/// A student who is a placeholder for one who left.
pub(crate) fn is_moved(student: &StudentIn) -> bool {
    student.name == MOVED && student.id.starts_with("moved-")
}

/// The subject of a skill code (`math.fractions` → `math`).
fn subject_of(skill: &str) -> &str {
    skill.split('.').next().unwrap_or(skill)
}

/// The engine's input for one block, from the roster, the formative data and past groupings.
async fn build_input(
    gate: &Gate<'_>,
    board: &Board,
    block: &str,
    focus: &str,
    strategy: Strategy,
    away: &BTreeSet<EducatorId>,
) -> Result<Input, AppError> {
    let store = gate.store();
    let team = &board.team.team;
    let data = store.team_assessments(&board.grant).await?;
    let choices = store.team_choices(&board.grant).await?;
    let past: Vec<(Input, Grouping)> = store
        .groupings(&board.grant, true, 12)
        .await?
        .iter()
        .filter_map(|r| open(r, board).ok())
        .collect();
    let subject = subject_of(focus);
    // Group sizes per role come from the district's catalog.
    let (settings, _) = crate::staffing::district_settings(gate, team.school).await?;
    let sizes = |role: RoleType| -> [u32; 2] {
        settings
            .catalog
            .role(role)
            .map_or_else(|| RoleDef::default_group_size(role), RoleDef::group_size)
    };
    let engine_role = |role: RoleType| match role {
        RoleType::TeacherLeader => EducatorRole::ContentLead,
        RoleType::Specialist => EducatorRole::Specialist,
        RoleType::Paraeducator => EducatorRole::Intervention,
        _ => EducatorRole::General,
    };
    let mut educators: Vec<EducatorIn> = board
        .team
        .members
        .iter()
        .filter(|m| !away.contains(&m.educator))
        .map(|m| {
            let [lo, hi] = sizes(m.role_type);
            EducatorIn {
                id: m.educator.0.to_string(),
                name: m.name.clone(),
                role: engine_role(m.role_type),
                expertise: if m.expertise.iter().any(|s| s == subject) {
                    3
                } else {
                    1
                },
                services: Vec::new(),
                relationships: Vec::new(),
                max_group: Some(hi),
                min_group: Some(lo),
                // The team's professional educators teach their own students.
                certified: m.role_type.is_professional(),
                required: m.role_type.is_professional(),
                title: Some(m.role_type.label().to_owned()),
            }
        })
        .collect();
    // Extended-team members who serve the roster's students come to the block too.
    let mut services: BTreeMap<i64, (String, BTreeSet<String>)> = BTreeMap::new();
    for s in &board.students {
        for (e, name, service) in s.served_by.iter().flatten() {
            let entry = services
                .entry(e.0)
                .or_insert_with(|| (name.clone(), BTreeSet::new()));
            entry.1.insert(service.clone());
        }
    }
    let roles: BTreeMap<i64, RoleType> = if services.is_empty() {
        BTreeMap::new()
    } else {
        store
            .educators_of(team.school)
            .await?
            .into_iter()
            .map(|(id, _, r)| (id.0, r))
            .collect()
    };
    for (id, (name, svc)) in services {
        let id_s = id.to_string();
        if let Some(e) = educators.iter_mut().find(|e| e.id == id_s) {
            e.services.extend(svc);
            continue;
        }
        if away.contains(&EducatorId(id)) {
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
        let role = roles.get(&id).copied().unwrap_or(if specialist {
            RoleType::Specialist
        } else {
            RoleType::Paraeducator
        });
        let [lo, hi] = sizes(role);
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
            max_group: Some(hi),
            min_group: Some(lo),
            certified: role.is_professional(),
            required: false,
            title: Some(role.label().to_owned()),
        });
    }
    if educators.is_empty() {
        return Err(AppError::Unprocessable(
            "Nobody is left to lead a group: mark at least one educator present.".into(),
        ));
    }
    // Who knew whom in past groups, and last cycle's educator.
    let mut knows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, g) in &past {
        for grp in &g.groups {
            knows.entry(grp.educator.clone()).or_default().extend(
                grp.students
                    .iter()
                    .filter(|s| !s.starts_with("moved-"))
                    .cloned(),
            );
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
        let n = past
            .iter()
            .take_while(|(i, g)| {
                i.strategy == Strategy::Need
                    && g.groups
                        .iter()
                        .find(|x| !x.students.is_empty())
                        .is_some_and(|x| x.students.iter().any(|s| s == student))
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let students = board
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
            // A plan's requirement reaches the engine only for readers who see plans.
            let requires = s
                .needs
                .as_ref()
                .filter(|_| s.access.sees(Sensitive::Plans))
                .and_then(|n| (n.iep == Some(true)).then(|| "special_education".to_owned()));
            StudentIn {
                id: s.sourced_id.clone(),
                name: s.full_name(),
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
    let all = store.spaces(team.school).await?.rows;
    let booked: BTreeSet<i64> = store
        .team_bookings(team.id)
        .await?
        .rows
        .iter()
        .map(|b| b.space.0)
        .collect();
    let spaces = all
        .iter()
        .filter(|s| booked.contains(&s.id.0) || s.kind == SpaceKind::SmallGroupRoom)
        .map(|sp| SpaceIn {
            id: sp.id.0.to_string(),
            name: sp.name.clone(),
            capacity: u32::try_from(sp.capacity.max(0)).unwrap_or(u32::MAX),
            zone: sp.parent.map(|p| p.0.to_string()),
        })
        .collect();
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
                name: ensemble_domain::labels::option(&c),
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
        focus_label: Some(ensemble_domain::labels::skill(focus)),
        service_labels: students
            .iter()
            .filter_map(|s| s.requires.clone())
            .chain(educators.iter().flat_map(|e| e.services.iter().cloned()))
            .map(|c| {
                let l = ensemble_domain::labels::service(&c);
                (c, l)
            })
            .collect(),
        strategy,
        group_size: [
            1,
            educators
                .iter()
                .filter_map(|e| e.max_group)
                .max()
                .unwrap_or(40),
        ],
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

/// A strategy by its form value.
pub(crate) fn strategy(s: &str) -> Result<Strategy, AppError> {
    match s {
        "need" => Ok(Strategy::Need),
        "interest" => Ok(Strategy::Interest),
        "mixed" => Ok(Strategy::Mixed),
        other => Err(AppError::BadRequest(format!(
            "Strategy {other:?}: choose need, interest or mixed."
        ))),
    }
}

fn strategy_code(s: Strategy) -> &'static str {
    match s {
        Strategy::Need => "need",
        Strategy::Interest => "interest",
        Strategy::Mixed => "mixed",
    }
}

/// What a team asks the engine for: a block (a period of the week, or a name), a focus and a
/// strategy, and who of the team is away.
pub(crate) struct Proposal<'a> {
    pub block: &'a str,
    pub slot: Option<(DayOfWeek, usize)>,
    pub focus: &'a str,
    pub strategy: Strategy,
    pub away: &'a BTreeSet<EducatorId>,
}

/// The periods of the week a grouping may be for: the grid's instruction and advisory periods,
/// as (day, period index, "Tuesday · Block 2").
pub(crate) fn block_slots(grid: Option<&TimeGrid>) -> Vec<(DayOfWeek, usize, String)> {
    let Some(g) = grid else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in g.days() {
        for (i, p) in g.periods().iter().enumerate() {
            if matches!(p.kind, PeriodKind::Instruction | PeriodKind::Advisory) {
                out.push((*d, i, format!("{} · {}", d.name(), p.name)));
            }
        }
    }
    out
}

/// Proposes groups for a block and stores them as a draft (audited); returns the grouping's id.
pub(crate) async fn propose(
    gate: &Gate<'_>,
    board: &Board,
    p: &Proposal<'_>,
) -> Result<i64, AppError> {
    let (focus, strategy, away) = (p.focus, p.strategy, p.away);
    let named;
    let block = match p.slot {
        Some((day, period)) => {
            let grid = gate.grid(board.team.team.school).await?;
            let Some((_, _, name)) = block_slots(grid.as_ref())
                .into_iter()
                .find(|(d, i, _)| *d == day && *i == period)
            else {
                return Err(AppError::Unprocessable(
                    "Block: choose a learning period of the school's week.".into(),
                ));
            };
            named = if p.block.trim().is_empty() {
                name
            } else {
                p.block.to_owned()
            };
            named.as_str()
        }
        None => p.block,
    };
    if let Some(e) = away
        .iter()
        .find(|e| !board.team.members.iter().any(|m| m.educator == **e))
    {
        return Err(AppError::Unprocessable(format!(
            "Educator {} is not a member of {}.",
            e.0, board.team.team.name
        )));
    }
    if block.chars().count() > 100 || block.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "Block: give it a name of up to 100 characters.".into(),
        ));
    }
    let block = block.trim();
    if block.is_empty() {
        return Err(AppError::Unprocessable("Block: give it a name.".into()));
    }
    if !grouping::assessments::is_skill(focus) {
        return Err(AppError::BadRequest(
            "Focus: choose one of the team's skills.".into(),
        ));
    }
    let input = build_input(gate, board, block, focus, strategy, away).await?;
    let (input, g) = tokio::task::spawn_blocking(move || {
        let g = grouping::solve(&input, &grouping::Options::default());
        (input, g)
    })
    .await?;
    let g =
        g.map_err(|e| AppError::Unprocessable(format!("These groups cannot be formed: {e}")))?;
    let team = board.team.team.id;
    let entry = gate
        .entry(actions::GROUPING_PROPOSE, "team", Some(team.0))
        .school(board.team.team.school)
        .detail(format!(
            "{block} · {focus} · {}: {} groups",
            strategy.label(),
            g.groups.iter().filter(|x| !x.students.is_empty()).count()
        ))
        .students(board.students.iter().map(|s| s.id));
    let gid = gate
        .store()
        .insert_grouping(
            &board.grant,
            &NewGrouping {
                block,
                slot: p.slot,
                focus: &input.focus,
                strategy: strategy_code(strategy),
                input: &serde_json::to_string(&input)?,
                grouping: &serde_json::to_string(&g)?,
            },
            &entry,
        )
        .await?;
    Ok(gid)
}

/// A grouping of the board's team; another team's answers like a missing one.
pub(crate) async fn grouping_row(
    gate: &Gate<'_>,
    board: &Board,
    gid: i64,
) -> Result<GroupingRow, AppError> {
    gate.store()
        .grouping(&board.grant, gid)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No grouping {gid} that you may see.")))
}

/// Moves a student on the roster to another group of a draft (audited).
pub(crate) async fn move_student(
    gate: &Gate<'_>,
    board: &Board,
    gid: i64,
    student: &str,
    to: &str,
) -> Result<(), AppError> {
    let row = grouping_row(gate, board, gid).await?;
    let Some(who) = board.students.iter().find(|s| s.sourced_id == student) else {
        return Err(AppError::Unprocessable(format!(
            "No student {student:?} of this team in this grouping."
        )));
    };
    let (_, mut g) = raw(&row)?;
    if !g.groups.iter().any(|x| x.name == to) {
        return Err(AppError::Unprocessable(format!(
            "No group {to:?} in this grouping."
        )));
    }
    if !g
        .groups
        .iter()
        .any(|x| x.students.iter().any(|s| s == student))
    {
        return Err(AppError::Unprocessable(format!(
            "No student {student:?} of this team in this grouping."
        )));
    }
    for grp in &mut g.groups {
        grp.students.retain(|s| s != student);
        if grp.name == to {
            grp.students.push(student.to_owned());
        }
    }
    for p in &mut g.placements {
        if p.student == student {
            p.group = to.to_owned();
            p.why = format!("moved to {to} by {}", gate.who().display_name);
        }
    }
    let entry = gate
        .entry(actions::GROUPING_MOVE, "team", Some(board.team.team.id.0))
        .school(board.team.team.school)
        .detail(format!("grouping {gid}: {} to {to}", who.full_name()))
        .students([who.id]);
    gate.store()
        .update_grouping(&board.grant, gid, &serde_json::to_string(&g)?, &entry)
        .await?;
    Ok(())
}

/// Publishes a draft to the team (audited). Publishing twice changes nothing.
pub(crate) async fn publish(gate: &Gate<'_>, board: &Board, gid: i64) -> Result<(), AppError> {
    let row = grouping_row(gate, board, gid).await?;
    let entry = gate
        .entry(
            actions::GROUPING_PUBLISH,
            "team",
            Some(board.team.team.id.0),
        )
        .school(board.team.team.school)
        .detail(format!("grouping {gid}: {} · {}", row.block, row.focus))
        .students(board.students.iter().map(|s| s.id));
    gate.store()
        .publish_grouping(&board.grant, gid, &entry)
        .await?;
    Ok(())
}
