//! Sentences that explain each placement, built from the data (never from solver internals).

use crate::catalog::{Policy, ResponsibilityDef, ServiceDef};
use crate::problem::Candidate;

/// `social_studies` → `Social studies`; `ela` → `ELA`.
pub fn subject_label(s: &str) -> String {
    match s {
        "ela" => "ELA".into(),
        "sel" => "SEL".into(),
        _ => words(s, true),
    }
}

/// `unit_design` → `unit design` (or `Unit design`).
pub fn words(code: &str, capital: bool) -> String {
    let s = code.replace('_', " ");
    if capital {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    } else {
        s
    }
}

/// A responsibility's label: "ELA lead planner", "Team lead".
pub fn responsibility_label(def: &ResponsibilityDef, subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!(
            "{} {}",
            subject_label(s),
            ensemble_domain::labels::lower(&def.label)
        ),
        None => def.label.clone(),
    }
}

/// "ELA lead planner: ELA content level 4, unit design level 3 (licence)"; for a stretch,
/// "… unit design level 2 of 3: a stretch, coached by Ana Ruiz (coaching 4)".
pub fn holding(
    def: &ResponsibilityDef,
    subject: Option<&str>,
    holder: &Candidate,
    coach: Option<&Candidate>,
    policy: &Policy,
) -> String {
    let mut parts = Vec::new();
    if let (Some(level), Some(s)) = (def.per_subject_content, subject) {
        let have = holder.content_level(s);
        parts.push(if have >= level.get() {
            format!("{} content level {have}", subject_label(s))
        } else {
            format!(
                "{} content level {have} of {}",
                subject_label(s),
                level.get()
            )
        });
    }
    for r in &def.requires {
        let have = holder.competency(&r.competency);
        let level = have.map_or(0, |c| c.level.get());
        let evidence = have
            .and_then(|c| c.evidence)
            .map(|e| format!(" ({})", ensemble_domain::labels::lower(e.label())))
            .unwrap_or_default();
        parts.push(if level >= r.level.get() {
            format!("{} level {level}{evidence}", words(&r.competency, false))
        } else {
            format!(
                "{} level {level} of {}{evidence}",
                words(&r.competency, false),
                r.level.get()
            )
        });
    }
    let mut s = format!(
        "{}: {}",
        responsibility_label(def, subject),
        parts.join(", ")
    );
    if parts.is_empty() {
        s = format!(
            "{}: {}",
            responsibility_label(def, subject),
            holder.role.label()
        );
    }
    if let Some(c) = coach {
        s.push_str(&format!(
            ": a stretch, coached by {} ({} {})",
            c.name,
            words(&policy.coach_competency, false),
            c.competency_level(&policy.coach_competency)
        ));
    }
    s
}

/// "Special education: iep case management level 3 (credential); 540 min/week for 6 Saguaro"
pub fn service(def: &ServiceDef, provider: &Candidate, teams: &[(String, u32)]) -> String {
    let quals: Vec<String> = def
        .requires
        .iter()
        .map(|r| {
            let have = provider.competency(&r.competency);
            let evidence = have
                .and_then(|c| c.evidence)
                .map(|e| format!(" ({})", ensemble_domain::labels::lower(e.label())))
                .unwrap_or_default();
            format!(
                "{} level {}{evidence}",
                words(&r.competency, false),
                have.map_or(0, |c| c.level.get())
            )
        })
        .collect();
    let to: Vec<String> = teams
        .iter()
        .map(|(t, m)| format!("{m} min/week for {t}"))
        .collect();
    format!("{}: {}; {}", def.label, quals.join(", "), to.join(", "))
}
