//! Building a [`Problem`] from Ensemble's own records: one educator at a time (the web
//! application, from the store), or a whole generated [`Dataset`] (demo files, benchmarks).

use crate::catalog::{Catalog, Policy};
use crate::problem::{Band, Candidate, HeldCompetency, Problem, SchoolInput};
use ensemble_domain::dataset::Dataset;
use ensemble_domain::{Competency, ContentExpertise, Fte, RoleType, TeamKind};
use std::collections::{BTreeMap, BTreeSet};

/// Weekly minutes a volunteer (FTE 0) is counted for: half an hour per available period, at
/// most three hours.
pub fn volunteer_minutes(available_periods: u32) -> u32 {
    (available_periods * 30).min(180)
}

/// One educator as the engine sees them.
#[allow(clippy::too_many_arguments)]
pub fn candidate(
    id: &str,
    name: &str,
    role: RoleType,
    fte: Fte,
    years: u8,
    competencies: &[Competency],
    expertise: &[ContentExpertise],
    available_periods: u32,
    last_team: Option<String>,
) -> Candidate {
    Candidate {
        id: id.into(),
        name: name.into(),
        role,
        fte: fte.as_f64(),
        minutes_per_week: (fte.thousandths() == 0).then(|| volunteer_minutes(available_periods)),
        years,
        competencies: competencies
            .iter()
            .map(|c| HeldCompetency {
                code: c.code.clone(),
                level: c.level,
                evidence: Some(c.evidence),
            })
            .collect(),
        content: expertise
            .iter()
            .map(|x| (x.subject.clone(), x.level))
            .collect(),
        last_team,
        prefers: Default::default(),
        diversity_tags: Vec::new(),
        lane: None,
    }
}

/// The support needs the default catalog's services count, from one student's needs.
pub fn need_keys(needs: &ensemble_domain::Needs) -> Vec<&'static str> {
    let mut out = Vec::new();
    if needs.iep {
        out.push("special_education");
    }
    if needs.english_learner {
        out.push("english_learner");
    }
    if needs.services.iter().any(|s| s == "reading_intervention") {
        out.push("reading_intervention");
    }
    out
}

/// Students of one grade: how many, how many with each need, and English learners by home
/// language. Counts only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GradeCounts {
    pub students: u32,
    pub needs: BTreeMap<String, u32>,
    pub languages: BTreeMap<String, u32>,
}

/// Grade bands from per-grade counts (students, and students per need) and the grades each of
/// last year's core teams had on its roster: grades a team spans are one band, named after
/// its grades, carrying those teams' names.
pub fn bands(
    per_grade: &BTreeMap<u8, GradeCounts>,
    team_grades: &[(String, BTreeSet<u8>)],
) -> Vec<Band> {
    let mut band_of: BTreeMap<u8, u8> = per_grade.keys().map(|&g| (g, g)).collect();
    for (_, grades) in team_grades {
        let joined: Vec<u8> = grades
            .iter()
            .filter_map(|g| band_of.get(g).copied())
            .collect();
        if let Some(&target) = joined.iter().min() {
            for b in band_of.values_mut() {
                if joined.contains(b) {
                    *b = target;
                }
            }
        }
    }
    let mut bands: BTreeMap<u8, Band> = BTreeMap::new();
    for (&g, &b) in &band_of {
        let band = bands.entry(b).or_insert_with(|| Band {
            name: String::new(),
            grades: Vec::new(),
            students: 0,
            needs: BTreeMap::new(),
            subjects: Vec::new(),
            team_names: Vec::new(),
            languages: BTreeMap::new(),
        });
        band.grades.push(g);
        let counts = &per_grade[&g];
        band.students += counts.students;
        for (k, v) in &counts.needs {
            *band.needs.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &counts.languages {
            *band.languages.entry(k.clone()).or_default() += v;
        }
    }
    for (name, grades) in team_grades {
        if let Some(b) = grades.iter().next().and_then(|g| band_of.get(g)) {
            if let Some(band) = bands.get_mut(b) {
                band.team_names.push(name.clone());
            }
        }
    }
    for band in bands.values_mut() {
        let label = |g: u8| {
            if g == 0 {
                "K".to_owned()
            } else {
                g.to_string()
            }
        };
        band.name = match band.grades.as_slice() {
            [0] => "Kindergarten".into(),
            [g] => format!("Grade {g}"),
            [a, .., z] => format!("Grades {}–{}", label(*a), label(*z)),
            [] => String::new(),
        };
    }
    bands.into_values().collect()
}

/// Bands are the grades last year's core teams shared (grades a team's roster spans are one
/// band), with need counts and those teams' names.
pub fn problem_from_dataset(ds: &Dataset) -> Problem {
    let mut schools = Vec::new();
    for s in &ds.schools {
        let key = s.sourced_id.as_str();
        let students: Vec<_> = ds
            .students
            .iter()
            .filter(|x| x.school.as_str() == key)
            .collect();
        let grade_of: BTreeMap<&str, u8> = students
            .iter()
            .map(|st| (st.sourced_id.as_str(), st.grade.get()))
            .collect();
        let teams: Vec<_> = ds
            .teams
            .iter()
            .filter(|t| {
                t.school.as_str() == key && t.kind == TeamKind::Core && t.term == s.current_term
            })
            .collect();
        let mut per_grade: BTreeMap<u8, GradeCounts> = BTreeMap::new();
        for st in &students {
            let e = per_grade.entry(st.grade.get()).or_default();
            e.students += 1;
            for k in need_keys(&st.needs) {
                *e.needs.entry(k.into()).or_default() += 1;
            }
            if st.needs.english_learner {
                if let Some(lang) = &st.demographics.home_language {
                    *e.languages.entry(lang.clone()).or_default() += 1;
                }
            }
        }
        let team_grades: Vec<(String, BTreeSet<u8>)> = teams
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.roster
                        .iter()
                        .filter_map(|r| grade_of.get(r.as_str()).copied())
                        .collect(),
                )
            })
            .collect();
        let bands = bands(&per_grade, &team_grades);
        let mut last_team: BTreeMap<&str, String> = BTreeMap::new();
        for t in &teams {
            for (m, _) in &t.members {
                last_team.insert(m.as_str(), t.name.clone());
            }
        }
        let educators = ds
            .educators
            .iter()
            .filter(|e| e.school.as_str() == key)
            .map(|e| {
                candidate(
                    e.sourced_id.as_str(),
                    &format!("{} {}", e.given_name, e.family_name),
                    e.role_type,
                    e.fte,
                    e.years_experience,
                    &e.competencies,
                    &e.expertise,
                    e.availability.periods_per_week(),
                    last_team.get(e.sourced_id.as_str()).cloned(),
                )
            })
            .collect();
        schools.push(SchoolInput {
            id: key.into(),
            name: s.name.clone(),
            bands,
            educators,
            planning_minutes_per_week: s.grid.planning_minutes_per_week(),
        });
    }
    Problem {
        catalog: Catalog::default_catalog(),
        policy: Policy::default(),
        schools,
        budget: None,
    }
}
