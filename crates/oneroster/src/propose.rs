//! Core teams hiding in a school's classes. OneRoster has no team: co-teaching shows as several
//! teacher enrollments in one class, and a house as teachers who each teach the same students.
//! Teachers are put together when many of the students of one also learn with the other
//! (shared students ≥ a third of the smaller of their student lists: a house's teachers who
//! also teach electives across the school stay together); each group of two or more is
//! a proposal, and each student goes on the roster of the group they spend most classes with.
//! A leader confirms, merges or splits proposals before any team exists.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One class as the proposer sees it.
#[derive(Clone, Debug)]
pub struct ClassInput {
    pub title: String,
    pub homeroom: bool,
    /// (educator sourcedId, primary teacher)
    pub teachers: Vec<(String, bool)>,
    pub students: Vec<String>,
}

/// A proposed core team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub name: String,
    /// (educator sourcedId, lead)
    pub members: Vec<(String, bool)>,
    pub roster: Vec<String>,
    /// Titles of the classes it comes from.
    pub classes: Vec<String>,
    /// Why, in a sentence (names filled in by the caller from `names`).
    pub why: String,
}

fn union_find(parent: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while parent[r] != r {
        r = parent[r];
    }
    let mut y = x;
    while parent[y] != r {
        let next = parent[y];
        parent[y] = r;
        y = next;
    }
    r
}

/// Proposals for one school and term. `names` gives each educator's name for the sentence
/// and the team's name; teachers in `taken` (already on a core team) are left out.
pub fn propose(
    classes: &[ClassInput],
    names: &HashMap<String, String>,
    taken: &BTreeSet<String>,
) -> Vec<Proposal> {
    // Each teacher's students and classes.
    let mut teachers: BTreeMap<&str, (BTreeSet<&str>, Vec<usize>)> = BTreeMap::new();
    for (i, c) in classes.iter().enumerate() {
        for (t, _) in &c.teachers {
            if taken.contains(t) || !names.contains_key(t) {
                continue;
            }
            let e = teachers.entry(t.as_str()).or_default();
            e.0.extend(c.students.iter().map(String::as_str));
            e.1.push(i);
        }
    }
    let ids: Vec<&str> = teachers.keys().copied().collect();
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    for a in 0..ids.len() {
        for b in a + 1..ids.len() {
            let (sa, sb) = (&teachers[ids[a]].0, &teachers[ids[b]].0);
            let smaller = sa.len().min(sb.len());
            if smaller == 0 {
                continue;
            }
            let shared = sa.intersection(sb).count();
            if shared * 3 >= smaller {
                let (ra, rb) = (union_find(&mut parent, a), union_find(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..ids.len() {
        let r = union_find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() >= 2).collect();
    // Each student to the group they have most classes with.
    let mut group_of_teacher: HashMap<&str, usize> = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for m in members {
            group_of_teacher.insert(ids[*m], g);
        }
    }
    let mut counts: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
    for c in classes {
        let gs: BTreeSet<usize> = c
            .teachers
            .iter()
            .filter_map(|(t, _)| group_of_teacher.get(t.as_str()).copied())
            .collect();
        for g in gs {
            for s in &c.students {
                *counts.entry(s.as_str()).or_default().entry(g).or_default() += 1;
            }
        }
    }
    let mut rosters: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
    for (s, by) in &counts {
        if let Some((g, _)) = by.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
            rosters[*g].push((*s).to_owned());
        }
    }
    let mut out = Vec::new();
    for (g, members) in groups.iter().enumerate() {
        let member_ids: BTreeSet<&str> = members.iter().map(|m| ids[*m]).collect();
        let class_idx: BTreeSet<usize> = members
            .iter()
            .flat_map(|m| teachers[ids[*m]].1.iter().copied())
            .collect();
        let mut primaries: BTreeMap<&str, usize> = BTreeMap::new();
        let mut co_taught = Vec::new();
        for i in &class_idx {
            let c = &classes[*i];
            for (t, p) in &c.teachers {
                if *p && member_ids.contains(t.as_str()) {
                    *primaries.entry(t.as_str()).or_default() += 1;
                }
            }
            if c.teachers
                .iter()
                .filter(|(t, _)| member_ids.contains(t.as_str()))
                .count()
                >= 2
            {
                co_taught.push(c.title.clone());
            }
        }
        let lead = member_ids
            .iter()
            .max_by_key(|t| {
                (
                    primaries.get(*t).copied().unwrap_or(0),
                    std::cmp::Reverse(**t),
                )
            })
            .copied()
            .unwrap_or_default();
        let name_of = |t: &str| names.get(t).cloned().unwrap_or_else(|| t.to_owned());
        let who: Vec<String> = member_ids.iter().map(|t| name_of(t)).collect();
        let homeroom = class_idx
            .iter()
            .map(|i| &classes[*i])
            .find(|c| c.homeroom)
            .map(|c| c.title.clone());
        let surnames: Vec<String> = member_ids
            .iter()
            .map(|t| name_of(t).rsplit(' ').next().unwrap_or_default().to_owned())
            .collect();
        let name = match &homeroom {
            Some(h) => format!("{h} team"),
            None => format!("Team {}", surnames.join(" & ")),
        };
        let roster = std::mem::take(&mut rosters[g]);
        let why = if co_taught.is_empty() {
            format!(
                "{} teach the same {} students in different classes.",
                and_list(&who),
                roster.len()
            )
        } else {
            format!(
                "{} co-teach {}, {} students in all.",
                and_list(&who),
                and_list(&co_taught),
                roster.len()
            )
        };
        out.push(Proposal {
            name,
            members: member_ids
                .iter()
                .map(|t| ((*t).to_owned(), *t == lead))
                .collect(),
            roster,
            classes: class_idx
                .iter()
                .map(|i| classes[*i].title.clone())
                .collect(),
            why,
        });
    }
    out
}

/// "A", "A and B", "A, B and C".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Two or more proposals as one: every member (one lead, the first's), every student.
pub fn merge(ps: &[Proposal]) -> Option<Proposal> {
    let first = ps.first()?;
    let mut members: Vec<(String, bool)> = Vec::new();
    let mut roster: BTreeSet<String> = BTreeSet::new();
    let mut classes: BTreeSet<String> = BTreeSet::new();
    for p in ps {
        for (m, lead) in &p.members {
            if !members.iter().any(|(x, _)| x == m) {
                members.push((m.clone(), *lead && p == first));
            }
        }
        roster.extend(p.roster.iter().cloned());
        classes.extend(p.classes.iter().cloned());
    }
    Some(Proposal {
        name: first.name.clone(),
        members,
        roster: roster.into_iter().collect(),
        classes: classes.into_iter().collect(),
        why: format!(
            "Merged from {}.",
            and_list(&ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
        ),
    })
}

/// A proposal in two: the members in `off` become their own proposal; each student goes with
/// the side they have more classes with (the rest stay).
pub fn split(
    classes: &[ClassInput],
    p: &Proposal,
    off: &BTreeSet<String>,
    off_name: &str,
) -> (Proposal, Proposal) {
    type Members = Vec<(String, bool)>;
    let (moved, kept): (Members, Members) = p
        .members
        .iter()
        .cloned()
        .partition(|(m, _)| off.contains(m));
    let side = |c: &ClassInput, members: &[(String, bool)]| {
        c.teachers
            .iter()
            .any(|(t, _)| members.iter().any(|(m, _)| m == t))
    };
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for c in classes {
        let (k, m) = (side(c, &kept), side(c, &moved));
        for s in &c.students {
            let e = counts.entry(s.as_str()).or_default();
            e.0 += usize::from(k);
            e.1 += usize::from(m);
        }
    }
    let (mut stay, mut go) = (Vec::new(), Vec::new());
    for s in &p.roster {
        let (k, m) = counts.get(s.as_str()).copied().unwrap_or_default();
        if m > k {
            go.push(s.clone());
        } else {
            stay.push(s.clone());
        }
    }
    let with_lead = |mut ms: Vec<(String, bool)>| {
        if !ms.iter().any(|(_, l)| *l) {
            if let Some(first) = ms.first_mut() {
                first.1 = true;
            }
        }
        ms
    };
    let titles = |ms: &[(String, bool)]| {
        classes
            .iter()
            .filter(|c| side(c, ms))
            .map(|c| c.title.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    };
    let a = Proposal {
        name: p.name.clone(),
        classes: titles(&kept),
        members: with_lead(kept),
        why: format!("Split from {}.", p.name),
        roster: stay,
    };
    let b = Proposal {
        name: off_name.to_owned(),
        classes: titles(&moved),
        members: with_lead(moved),
        why: format!("Split from {}.", p.name),
        roster: go,
    };
    (a, b)
}
