//! The grouping board page.

use super::{
    grouping_row, is_moved, move_student as move_in, open, propose as propose_groups,
    publish as publish_grouping, strategy,
};
use crate::auth::Viewer;
use crate::routes::Routes;
use crate::web::{render, CsrfForm, Nav, NoFields, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::*;
use ensemble_grouping::{self as grouping, Grouping, Input, StudentIn};
use ensemble_store::GroupingRow;
use serde::Deserialize;

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
            members.sort_by_key(|s| (is_moved(s), s.mastery.unwrap_or(0), s.name.clone()));
            let bars: Vec<Bar> = members
                .iter()
                .enumerate()
                .map(|(k, s)| Bar {
                    name: s.name.clone(),
                    mastery: s.mastery.unwrap_or(0),
                    y: px(14 * k),
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
    let skills = st.store.team_skills(&board.grant).await?;
    let mut page = BoardPage {
        nav: Nav::of(&v),
        team_id: id,
        team_name: board.team.team.name.clone(),
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
        let row = grouping_row(&gate, &board, gid).await?;
        let (input, g) = open(&row, &board)?;
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
            latest.focus,
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

#[derive(Deserialize)]
struct ProposeForm {
    block: String,
    focus: String,
    strategy: String,
}

async fn propose(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: f }: CsrfForm<ProposeForm>,
) -> PageResult {
    let strategy = strategy(&f.strategy)?;
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "proposing groups").await?;
    let gid = propose_groups(&gate, &board, &f.block, &f.focus, strategy).await?;
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

async fn publish(
    State(st): State<AppState>,
    PagePath((id, gid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let board = gate.board(TeamId(id), "publishing groups").await?;
    publish_grouping(&gate, &board, gid).await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}/grouping?g={gid}&msg=Published+to+the+team"
    ))
    .into_response())
}
