//! The grouping board page.

use super::{
    block_slots, grouping_row, is_moved, move_student as move_in, open, propose as propose_groups,
    publish as publish_grouping, strategy, Proposal,
};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::routes::Routes;
use crate::web::{confirm_page, render, Confirm, Confirmed, CsrfForm, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::*;
use ensemble_grouping::{self as grouping, Grouping, Input, StudentIn};
use ensemble_store::GroupingRow;
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn router() -> Routes {
    Routes::new()
        .get("/teams/{id}/grouping", board)
        .post("/teams/{id}/grouping", propose)
        .post("/teams/{id}/grouping/{gid}/move", move_student)
        .post("/teams/{id}/grouping/{gid}/publish", publish)
}

#[derive(Deserialize)]
struct BoardQuery {
    g: Option<i64>,
    msg: Option<String>,
}

struct Bar {
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
    students: Vec<StudentView>,
    bars: Vec<Bar>,
    chart_height: u32,
}

struct StudentView {
    id: String,
    name: String,
    mastery: String,
    /// Their own explanation: their data, why this educator, why this space.
    why: String,
}

/// A member of the team, for "who is away for this block".
struct MemberChoice {
    id: i64,
    name: String,
    role: String,
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
    /// (code, label) of each skill with formative data.
    skills: Vec<(String, String)>,
    members: Vec<MemberChoice>,
    /// The periods of the week a grouping may be for: ("d-p", "Tuesday · Block 2").
    slots: Vec<(String, String)>,
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
    /// The cycles chart as a table: per cycle, its groups and their sizes.
    cycle_table: Vec<(String, String)>,
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
            .map_or("no room free: the team finds one".to_owned(), |s| {
                format!("{} ({} seats)", s.name, s.capacity)
            })
    };
    let why_of = |id: &str| {
        g.placements
            .iter()
            .find(|p| p.student == id)
            .map(|p| p.why.clone())
            .unwrap_or_default()
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
            members.sort_by_key(|s| (is_moved(s), s.mastery.unwrap_or(0), s.name.clone()));
            let bars: Vec<Bar> = members
                .iter()
                .enumerate()
                .map(|(k, s)| Bar {
                    mastery: s.mastery.unwrap_or(0),
                    y: px(14 * k),
                })
                .collect();
            GroupView {
                index: i,
                name: grp.name.clone(),
                educator: edu(&grp.educator),
                space: space(&grp.space),
                option: grp
                    .option
                    .as_deref()
                    .map(ensemble_domain::labels::option)
                    .unwrap_or_default(),
                why: grp.why.clone(),
                students: members
                    .iter()
                    .map(|s| StudentView {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        mastery: s.mastery.map_or("–".into(), |m| m.to_string()),
                        why: why_of(&s.id),
                    })
                    .collect(),
                chart_height: px(14 * bars.len() + 4),
                bars,
            }
        })
        .collect()
}

/// A pixel offset from a count (charts are small: saturate rather than wrap).
fn px(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

async fn board(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "grouping board").await?;
    let skills = st
        .store
        .team_skills(&board.grant)
        .await?
        .into_iter()
        .map(|c| {
            let l = ensemble_domain::labels::skill(&c);
            (c, l)
        })
        .collect();
    let members = board
        .team
        .members
        .iter()
        .map(|m| MemberChoice {
            id: m.educator.0,
            name: m.name.clone(),
            role: m.role_type.label().to_owned(),
        })
        .collect();
    let grid = gate.grid(board.team.team.school).await?;
    let slots = block_slots(grid.as_ref())
        .into_iter()
        .map(|(d, p, name)| (format!("{}-{p}", d.index()), name))
        .collect();
    let mut page = BoardPage {
        nav: Nav::of(&v),
        team_id: id,
        team_name: board.team.team.name.clone(),
        msg: q.msg,
        skills,
        members,
        slots,
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
        cycle_table: Vec::new(),
    };
    if let Some(gid) = q.g {
        let row = grouping_row(&gate, &board, gid).await?;
        let (input, g) = open(&row, &board)?;
        let verdict = grouping::check(&input, &g);
        page.grouping_id = Some(gid);
        page.draft = row.published_at.is_none();
        page.summary = format!(
            "{} · {} · {} · {} students in {} groups{}",
            row.block,
            ensemble_domain::labels::skill(&row.focus),
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
        .groupings(&board.grant, true, 6)
        .await?
        .into_iter()
        .filter_map(|r| open(&r, &board).ok().map(|(i, g)| (r, i, g)))
        .collect();
    if let Some((latest, input, g)) = published.first() {
        page.published = views(input, g);
        page.published_label = format!(
            "{} · {} · {}",
            latest.block,
            ensemble_domain::labels::skill(&latest.focus),
            input.strategy.label()
        );
    }
    // Stacked bars: each cycle's groups, bottom to top in the grouping's order, 2 px a student.
    page.cycle_bars = published
        .iter()
        .rev()
        .enumerate()
        .map(|(k, (row, input, g))| {
            let mut y = 240u32;
            let segments = g
                .groups
                .iter()
                .enumerate()
                .filter(|(_, x)| !x.students.is_empty())
                .map(|(i, x)| {
                    let h = px(2 * x.students.len()).min(y);
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
                x: 10 + px(90 * k),
                label: format!(
                    "{} · {}",
                    ensemble_domain::labels::skill(&row.focus),
                    input.strategy.label()
                ),
                segments,
            }
        })
        .collect();
    page.cycle_table = published
        .iter()
        .rev()
        .map(|(row, _, g)| {
            (
                format!(
                    "{} · {}",
                    row.block,
                    ensemble_domain::labels::skill(&row.focus)
                ),
                g.groups
                    .iter()
                    .filter(|x| !x.students.is_empty())
                    .map(|x| format!("{}: {}", x.name, x.students.len()))
                    .collect::<Vec<_>>()
                    .join(" · "),
            )
        })
        .collect();
    page.history_heads = published
        .iter()
        .rev()
        .map(|(r, _, _)| format!("{} ({})", r.block, ensemble_domain::labels::skill(&r.focus)))
        .collect();
    page.history = board
        .students
        .iter()
        .map(|s| HistoryRow {
            name: s.full_name(),
            cells: published
                .iter()
                .rev()
                .map(|(_, _, g)| {
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

/// The propose form: block, focus, strategy and one `away` field per educator the team marks
/// unavailable for the block (checkboxes repeat their name, so the form is read as pairs).
async fn propose(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| -> Result<&str, AppError> {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| AppError::BadRequest(format!("The form has no {name}.")))
    };
    let mut away = BTreeSet::new();
    for (_, e) in form.iter().filter(|(k, _)| k == "away") {
        let n: i64 = e.parse().map_err(|_| {
            AppError::BadRequest(format!("Away: {e:?} is not an educator of the team."))
        })?;
        away.insert(EducatorId(n));
    }
    let strategy = strategy(field("strategy")?)?;
    // The block: a period of the week ("1-2": Tuesday, the third period) or a name.
    let slot = match form
        .iter()
        .find(|(k, _)| k == "slot")
        .map(|(_, v)| v.as_str())
    {
        None | Some("") => None,
        Some(v) => {
            let bad = || AppError::BadRequest("Block: choose a period of the week.".into());
            let (d, p) = v.split_once('-').ok_or_else(bad)?;
            let d =
                DayOfWeek::from_index(d.parse::<i64>().map_err(|_| bad())?).map_err(|_| bad())?;
            Some((d, p.parse::<usize>().map_err(|_| bad())?))
        }
    };
    let block = form
        .iter()
        .find(|(k, _)| k == "block")
        .map_or("", |(_, v)| v.as_str());
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "proposing groups").await?;
    let gid = propose_groups(
        &gate,
        &board,
        &Proposal {
            block,
            slot,
            focus: field("focus")?,
            strategy,
            away: &away,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/teams/{id}/grouping?g={gid}")).into_response())
}

#[derive(Deserialize)]
struct MoveForm {
    student: String,
    to: String,
}

/// Moves a student to another group of a draft; the checker's warnings show on the board.
async fn move_student(
    State(st): State<AppState>,
    PagePath((id, gid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form: f }: CsrfForm<MoveForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "moving a student").await?;
    move_in(&gate, &board, gid, &f.student, &f.to).await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}/grouping?g={gid}&msg=Moved+the+student"
    ))
    .into_response())
}

/// Publishes a draft once the member confirms, naming the team.
async fn publish(
    State(st): State<AppState>,
    PagePath((id, gid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form }: CsrfForm<Confirmed>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "publishing groups").await?;
    if !form.yes() {
        let row = grouping_row(&gate, &board, gid).await?;
        let team = &board.team.team.name;
        return confirm_page(
            &v,
            Confirm {
                question: format!("Publish these groups to {team}?"),
                detail: format!(
                    "{} · {}: every member of {team} sees the groups; they cannot be changed after.",
                    row.block,
                    ensemble_domain::labels::skill(&row.focus)
                ),
                action: format!("/teams/{id}/grouping/{gid}/publish"),
                fields: Vec::new(),
                yes: format!("Publish to {team}"),
                back: format!("/teams/{id}/grouping?g={gid}"),
            },
        );
    }
    publish_grouping(&gate, &board, gid).await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}/grouping?g={gid}&msg=Published+to+the+team"
    ))
    .into_response())
}
