//! The demo's micro-credentials: the district's catalog, and what its educators did with it —
//! credentials earned (some raising a coached stretch to ready), one returned with feedback, and
//! evidence waiting for review, among it a novice's for leading data meetings whose acceptance
//! makes them ready to lead their team's data meetings.

use ensemble_domain::credential::{
    CredentialStory, Criterion, MicroCredential, StoryDecision, StoryStep,
};
use ensemble_domain::dataset::{Dataset, NewEducator};
use ensemble_domain::{Level, RoleType, TeamKind};

fn lvl(n: i64) -> Level {
    Level::new(n).unwrap_or_else(|_| unreachable!("demo levels are 1–4"))
}

fn rubric(rows: &[(&str, [&str; 4])]) -> Vec<Criterion> {
    rows.iter()
        .map(|(name, levels)| Criterion {
            name: (*name).to_owned(),
            levels: levels.map(str::to_owned),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn entry(
    code: &str,
    name: &str,
    competency: &str,
    level: i64,
    evidence: &str,
    rows: &[(&str, [&str; 4])],
    assessor_level: i64,
    hours: u16,
) -> MicroCredential {
    MicroCredential {
        code: code.into(),
        name: name.into(),
        competency: competency.into(),
        level: lvl(level),
        evidence: evidence.into(),
        rubric: rubric(rows),
        assessor_level: lvl(assessor_level),
        hours,
    }
}

/// The district's catalog.
pub fn catalog() -> Vec<MicroCredential> {
    vec![
        entry(
            "data_meetings_3",
            "Leading data meetings",
            "data_meeting_lead",
            3,
            "Agendas and notes of three data meetings you led with your team, the formative data you brought, and what the team changed for students afterwards.",
            &[
                ("Protocol", ["Meetings have no set shape.", "Follows a protocol with prompting.", "Runs a protocol that keeps the team on evidence and on time.", "Adapts protocols and teaches others to run them."]),
                ("Use of formative data", ["Shares overall scores.", "Looks at results by skill.", "Finds which students need what, skill by skill.", "Connects patterns across weeks and teams."]),
                ("Next steps", ["Ends without decisions.", "Names next steps without owners.", "Agrees on regroupings and owners with dates.", "Follows up and measures whether the steps worked."]),
            ],
            3,
            15,
        ),
        entry(
            "unit_design_3",
            "Planning a unit backward from its goals",
            "unit_design",
            3,
            "A unit you planned for your team: its goals, the assessments that show them, the lessons, and one change you made after looking at students' work.",
            &[
                ("Goals and evidence", ["Lists activities.", "Names goals.", "Aligns each goal with an assessment.", "Designs assessments other teams adopt."]),
                ("Sequence", ["Lessons stand alone.", "Lessons follow the textbook.", "Lessons build toward the goals, with checks along the way.", "Sequence adapts to data during the unit."]),
                ("Shared with the team", ["Kept to oneself.", "Shared as a file.", "Planned with the team, each member's part clear.", "Leads the team's planning of several units."]),
            ],
            3,
            20,
        ),
        entry(
            "small_groups_3",
            "Teaching small groups from formative data",
            "small_group_instruction",
            3,
            "Plans and short videos or notes of small-group lessons over two weeks, with the data that formed the groups and how the groups changed.",
            &[
                ("Grouping", ["Groups stay fixed.", "Groups by overall level.", "Groups by skill from recent data, and regroups.", "Designs the team's grouping routine."]),
                ("Instruction", ["Repeats the whole-class lesson.", "Uses a set intervention script.", "Targets the skill with modelling and guided practice.", "Coaches others' small-group teaching."]),
                ("Progress", ["Not checked.", "Checked at the end.", "Checked each week, and groups move.", "Shows growth across groups over a term."]),
            ],
            3,
            12,
        ),
        entry(
            "family_partnership_3",
            "Partnering with families",
            "family_communication",
            3,
            "A term's log of contacts with the families of your students, two examples of a conversation that changed what you or the family did, and one family's feedback.",
            &[
                ("Reach", ["Contacts families when there is a problem.", "Sends general news.", "Reaches every family early in the term, in their language.", "Sets up the team's family outreach."]),
                ("Two-way", ["Informs.", "Invites questions.", "Plans with families around each student's goals.", "Families shape the team's plans."]),
                ("Follow-through", ["None.", "Occasional.", "Every agreement is followed up.", "Tracks agreements across the team."]),
            ],
            3,
            10,
        ),
        entry(
            "coaching_cycle_3",
            "Coaching a colleague through a full cycle",
            "coaching",
            3,
            "Notes of a six-week coaching cycle with a colleague: the goal you set together, the observations, and what changed in their practice and for their students.",
            &[
                ("Goal", ["No goal.", "A goal the coach chose.", "A goal set together, tied to students' learning.", "Goals tied to the team's goals."]),
                ("Evidence of change", ["None.", "The colleague's own view.", "Observed change in practice, and in students' work.", "Change that lasts beyond the cycle."]),
            ],
            4,
            25,
        ),
        entry(
            "classroom_culture_2",
            "Building a calm, warm learning space",
            "culture_and_behaviour",
            2,
            "Two weeks of notes on routines you set up with a group of students, how you responded when things went wrong, and what your team lead saw.",
            &[
                ("Routines", ["None.", "Routines are taught and followed most of the time.", "Students run the routines themselves.", "Designs routines for the team."]),
                ("Responses", ["Reacts.", "Stays calm and follows the team's plan.", "Prevents most problems before they start.", "Coaches others' responses."]),
            ],
            3,
            8,
        ),
        entry(
            "mentoring_2",
            "Mentoring a student",
            "mentoring",
            2,
            "A term of mentoring one student: what you did together each week and what the student says changed.",
            &[
                ("Relationship", ["Meets irregularly.", "Meets every week.", "The student seeks the mentor out.", "Brings in the family and the team."]),
                ("Goals", ["None.", "Sets a goal with the student.", "Reviews progress on it with the student.", "Connects it to the team's plans."]),
            ],
            3,
            10,
        ),
    ]
}

fn held(e: &NewEducator, code: &str) -> i64 {
    e.competencies
        .iter()
        .find(|c| c.code == code)
        .map_or(0, |c| i64::from(c.level.get()))
}

fn step(e: &NewEducator, credential: &str, evidence: &str) -> StoryStep {
    StoryStep {
        educator: e.sourced_id.as_str().to_owned(),
        credential: credential.into(),
        evidence: evidence.into(),
        links: vec![format!(
            "https://drive.example.org/{}/{credential}",
            e.sourced_id.as_str()
        )],
        decision: None,
    }
}

fn accepted(mut s: StoryStep, scores: &[i64]) -> StoryStep {
    s.decision = Some(StoryDecision {
        scores: scores.iter().map(|n| lvl(*n)).collect(),
        accept: true,
        feedback: String::new(),
    });
    s
}

/// What the demo's educators did with the catalog, in order: the first school's novice teachers
/// and experienced educators who lead data meetings at "developing" earn the data-meetings
/// credential (two of them) or wait for review (the novice of the first core team, or the next
/// one) — accepting it makes them ready for the data-meeting lead they could only hold as a
/// coached stretch; the first core team's novice earns the unit-design credential; a
/// paraeducator earns the small-groups credential; an experienced educator's family-partnership
/// evidence was returned with feedback; a paraeducator and a community educator wait for
/// review.
pub fn credential_story(ds: &Dataset) -> CredentialStory {
    let Some(school) = ds.schools.first() else {
        return CredentialStory {
            catalog: catalog(),
            steps: Vec::new(),
        };
    };
    let of_school: Vec<&NewEducator> = ds
        .educators
        .iter()
        .filter(|e| e.school == school.sourced_id)
        .collect();
    // The first core team's novice (the demo's "core-team member" login).
    let first_novice = ds
        .teams
        .iter()
        .find(|t| t.school == school.sourced_id && t.kind == TeamKind::Core)
        .and_then(|t| {
            t.members.iter().find_map(|(m, _)| {
                of_school
                    .iter()
                    .find(|e| e.sourced_id == *m && e.role_type == RoleType::NoviceTeacher)
                    .copied()
            })
        });
    let professionals_at_2: Vec<&NewEducator> = of_school
        .iter()
        .filter(|e| {
            matches!(
                e.role_type,
                RoleType::NoviceTeacher | RoleType::ExperiencedEducator
            ) && held(e, "data_meeting_lead") == 2
        })
        .copied()
        .collect();
    let waiting = first_novice
        .filter(|e| held(e, "data_meeting_lead") == 2)
        .or_else(|| professionals_at_2.first().copied());
    let mut steps = Vec::new();
    for e in professionals_at_2
        .iter()
        .filter(|e| Some(e.sourced_id.as_str()) != waiting.map(|w| w.sourced_id.as_str()))
        .take(2)
    {
        steps.push(accepted(
            step(e, "data_meetings_3", "I led our team's weekly data meetings for six weeks with the team's protocol. We regrouped students on fractions twice, and the number at mastery rose from 9 to 21."),
            &[3, 3, 4],
        ));
    }
    if let Some(n) = first_novice.filter(|e| held(e, "unit_design") < 3) {
        steps.push(accepted(
            step(n, "unit_design_3", "I planned our ratios unit backward from three goals, with a check after every second lesson. After the first check I re-taught unit rates to one group."),
            &[3, 3, 3],
        ));
    }
    let paras: Vec<&NewEducator> = of_school
        .iter()
        .filter(|e| e.role_type == RoleType::Paraeducator)
        .copied()
        .collect();
    if let Some(p) = paras
        .iter()
        .find(|e| held(e, "small_group_instruction") == 2)
    {
        steps.push(accepted(
            step(p, "small_groups_3", "Two weeks of reading groups formed from the team's Friday checks; I moved four students between groups after the second week."),
            &[3, 3, 3],
        ));
    }
    if let Some(x) = of_school.iter().find(|e| {
        e.role_type == RoleType::ExperiencedEducator && held(e, "family_communication") < 3
    }) {
        let mut s = step(
            x,
            "family_partnership_3",
            "I called every family in September and sent a newsletter each month.",
        );
        s.decision = Some(StoryDecision {
            scores: vec![lvl(3), lvl(2), lvl(2)],
            accept: false,
            feedback: "Your reach is strong. Show two conversations where you planned with a family around their child's goal, and how you followed up.".into(),
        });
        steps.push(s);
    }
    if let Some(w) = waiting {
        steps.push(step(w, "data_meetings_3", "I have led our team's data meetings since October with the team's protocol: we look at each skill, name which students need what, and agree on groups with an owner and a date. Attached are three meetings' notes and the regroupings that followed."));
    }
    if let Some(p) = paras
        .iter()
        .find(|e| held(e, "culture_and_behaviour") < 2)
        .or(paras.last())
    {
        steps.push(step(p, "classroom_culture_2", "I set up the entry and clean-up routines with my reading group; notes from two weeks and my team lead's observation are attached."));
    }
    if let Some(c) = of_school
        .iter()
        .find(|e| e.role_type == RoleType::CommunityEducator && held(e, "mentoring") < 2)
    {
        steps.push(step(c, "mentoring_2", "I have met my mentee every Tuesday since September; we set a reading goal together and check it each week."));
    }
    CredentialStory {
        catalog: catalog(),
        steps,
    }
}

/// Where the demo district's educators stood on the teaching ladder in the three school years
/// before `year` (sourcedId, school year, pathway, step): novices were residents or came from
/// elsewhere, residents were paraeducators, some paraeducators began as community educators,
/// and some teacher-leaders were certified teachers until recently. Specialists are not on the
/// ladder.
pub fn pathway_history(ds: &Dataset, year: i64) -> Vec<(String, i64, String, Option<usize>)> {
    let mut out = Vec::new();
    for e in &ds.educators {
        let h = e
            .sourced_id
            .as_str()
            .bytes()
            .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
        for back in 1..=3i64 {
            let step = match e.role_type {
                RoleType::TeacherLeader => {
                    Some(if (h % 3 == 0 && back >= 1) || (h % 3 == 1 && back >= 2) {
                        3
                    } else {
                        4
                    })
                }
                RoleType::ExperiencedEducator => {
                    (i64::from(e.years_experience) >= back).then_some(3)
                }
                RoleType::NoviceTeacher => match back {
                    1 if h % 2 == 0 => Some(2),
                    2 if h % 4 == 0 => Some(1),
                    _ => None,
                },
                RoleType::ResidentTeacher => match back {
                    1 if h % 2 == 0 => Some(1),
                    2 if h % 6 == 0 => Some(0),
                    _ => None,
                },
                RoleType::Paraeducator => Some(if back >= 2 && h % 3 == 0 { 0 } else { 1 }),
                RoleType::CommunityEducator | RoleType::Volunteer => {
                    (back == 1 && h % 2 == 0).then_some(0)
                }
                RoleType::Specialist => continue,
            };
            out.push((
                e.sourced_id.as_str().to_owned(),
                year - back,
                "teaching".to_owned(),
                step,
            ));
        }
    }
    out
}

/// The first school's core teams' goals (team sourcedId, goal): fractions for every team, main
/// idea for the first two — measured from the demo's formative data.
pub fn team_goals(ds: &Dataset) -> Vec<(String, ensemble_domain::goal::TeamGoal)> {
    use ensemble_domain::goal::TeamGoal;
    let Some(school) = ds.schools.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, t) in ds
        .teams
        .iter()
        .filter(|t| {
            t.school == school.sourced_id
                && t.kind == TeamKind::Core
                && t.term == school.current_term
        })
        .enumerate()
    {
        out.push((
            t.sourced_id.as_str().to_owned(),
            TeamGoal {
                skill: "math.fractions".into(),
                level: 3,
                percent: 80,
                by: "2027-03-15".into(),
            },
        ));
        if i < 2 {
            out.push((
                t.sourced_id.as_str().to_owned(),
                TeamGoal {
                    skill: "ela.main_idea".into(),
                    level: 3,
                    percent: 70,
                    by: "2027-05-28".into(),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_valid_and_the_story_uses_it() {
        let codes: Vec<String> = catalog()
            .into_iter()
            .map(|c| c.checked().expect("a valid entry").code)
            .collect();
        let (ds, _) = crate::demo_school(2026);
        let story = credential_story(&ds);
        assert!(story.steps.len() >= 6, "{} steps", story.steps.len());
        for s in &story.steps {
            assert!(codes.contains(&s.credential), "{}", s.credential);
            assert!(ds
                .educators
                .iter()
                .any(|e| e.sourced_id.as_str() == s.educator));
        }
        // Some earned, one returned, some waiting.
        let accepted = story
            .steps
            .iter()
            .filter(|s| s.decision.as_ref().is_some_and(|d| d.accept))
            .count();
        let returned = story
            .steps
            .iter()
            .filter(|s| s.decision.as_ref().is_some_and(|d| !d.accept))
            .count();
        let waiting = story.steps.iter().filter(|s| s.decision.is_none()).count();
        assert!(
            accepted >= 3 && returned == 1 && waiting >= 2,
            "{accepted} {returned} {waiting}"
        );
    }
}
