//! The validator, rule by rule: a valid hand-made plan, then one fault at a time.

use ensemble_domain::{Evidence, Level, RoleType};
use ensemble_staffing::*;
use std::collections::BTreeMap;

fn lvl(n: i64) -> Level {
    Level::new(n).expect("level")
}

fn person(id: &str, role: RoleType, comps: &[(&str, i64)], content: &[(&str, i64)]) -> Candidate {
    Candidate {
        id: id.into(),
        name: format!("Name {id}"),
        role,
        fte: if role == RoleType::Volunteer {
            0.0
        } else {
            1.0
        },
        minutes_per_week: None,
        years: if role == RoleType::NoviceTeacher {
            1
        } else {
            10
        },
        competencies: comps
            .iter()
            .map(|(c, l)| HeldCompetency {
                code: (*c).into(),
                level: lvl(*l),
                evidence: Some(Evidence::Licence),
            })
            .collect(),
        content: content
            .iter()
            .map(|(s, l)| ((*s).to_string(), lvl(*l)))
            .collect(),
        last_team: None,
        prefers: Default::default(),
        diversity_tags: vec![],
        lane: None,
    }
}

/// One team of 80 students, two subjects, a lead, a veteran, a novice and a SPED specialist.
fn problem() -> Problem {
    let policy = Policy {
        subjects: vec!["ela".into(), "math".into()],
        roster: [50, 150],
        ..Policy::default()
    };
    let mut catalog = Catalog::default_catalog();
    catalog.services.retain(|s| s.code == "special_education");
    let lead = person(
        "lead",
        RoleType::TeacherLeader,
        &[
            ("coaching", 4),
            ("data_meeting_lead", 4),
            ("unit_design", 4),
            ("family_communication", 3),
            ("small_group_instruction", 3),
        ],
        &[("ela", 4)],
    );
    let vet = person(
        "vet",
        RoleType::ExperiencedEducator,
        &[
            ("unit_design", 3),
            ("culture_and_behaviour", 3),
            ("data_meeting_lead", 3),
            ("technology_and_data", 3),
        ],
        &[("math", 3)],
    );
    let nov = person(
        "nov",
        RoleType::NoviceTeacher,
        &[("unit_design", 2)],
        &[("math", 2)],
    );
    let sped = person(
        "sped",
        RoleType::Specialist,
        &[("iep_case_management", 3)],
        &[],
    );
    Problem {
        catalog,
        policy,
        schools: vec![SchoolInput {
            id: "s".into(),
            name: "School".into(),
            bands: vec![Band {
                name: "Grade 6".into(),
                grades: vec![6],
                students: 80,
                needs: BTreeMap::from([("special_education".to_string(), 10)]),
                subjects: vec![],
                team_names: vec!["Team".into()],
                languages: BTreeMap::new(),
            }],
            educators: vec![lead, vet, nov, sped],
            planning_minutes_per_week: 250,
        }],
        budget: None,
    }
}

fn hold(code: &str, who: &str) -> Holding {
    Holding {
        responsibility: code.into(),
        holder: Some(who.into()),
        coach: None,
        why: String::new(),
    }
}

fn valid_design() -> Design {
    Design {
        schools: vec![SchoolDesign {
            school: "s".into(),
            teams: vec![TeamDesign {
                name: "Team".into(),
                band: "Grade 6".into(),
                roster: 80,
                needs: BTreeMap::from([("special_education".to_string(), 10)]),
                members: ["lead", "vet", "nov"]
                    .iter()
                    .map(|e| Member {
                        educator: (*e).into(),
                        why: vec![],
                    })
                    .collect(),
                holdings: vec![
                    hold("team_lead", "lead"),
                    hold("lead_planner_ela", "lead"),
                    hold("lead_planner_math", "vet"),
                    hold("data_lead", "vet"),
                    hold("family_communication", "lead"),
                    hold("culture_lead", "vet"),
                    hold("small_group_lead", "lead"),
                    hold("technology_data", "vet"),
                ],
            }],
            extended: vec![ExtendedSeat {
                educator: "sped".into(),
                services: vec![ServiceMinutes {
                    service: "special_education".into(),
                    team: "Team".into(),
                    minutes: 450,
                }],
                why: String::new(),
            }],
        }],
    }
}

fn team(d: &mut Design) -> &mut TeamDesign {
    &mut d.schools[0].teams[0]
}

fn rules(p: &Problem, d: &Design) -> Vec<Rule> {
    check(p, d).violations.iter().map(|v| v.rule).collect()
}

#[test]
fn the_hand_made_plan_is_valid() {
    let v = check(&problem(), &valid_design());
    assert!(v.is_valid(), "{:#?}", v.violations);
}

#[test]
fn each_rule_is_caught() {
    let p = problem();

    let mut d = valid_design();
    team(&mut d).members.retain(|m| m.educator == "lead");
    team(&mut d)
        .holdings
        .retain(|h| h.holder.as_deref() == Some("lead"));
    team(&mut d)
        .holdings
        .push(hold("lead_planner_math", "lead"));
    team(&mut d).holdings.push(hold("culture_lead", "lead"));
    let r = rules(&p, &d);
    assert!(r.contains(&Rule::TooFewProfessionals), "{r:?}");

    let mut d = valid_design();
    team(&mut d)
        .holdings
        .retain(|h| h.responsibility != "culture_lead");
    assert_eq!(rules(&p, &d), vec![Rule::Unfilled]);

    // The novice holds math lead planning: one level short, so a stretch needs a coach.
    let mut d = valid_design();
    team(&mut d).holdings[2] = hold("lead_planner_math", "nov");
    assert_eq!(rules(&p, &d), vec![Rule::StretchWithoutCoach]);
    team(&mut d).holdings[2].coach = Some("lead".into());
    let v = check(&p, &d);
    assert!(v.is_valid(), "{:#?}", v.violations);
    assert_eq!(v.soft.stretch, 1);
    // A coach who is not qualified to coach.
    team(&mut d).holdings[2].coach = Some("vet".into());
    assert_eq!(rules(&p, &d), vec![Rule::StretchWithoutCoach]);

    // The novice as team lead: not ready at all, and the role cannot hold it.
    let mut d = valid_design();
    team(&mut d).holdings[0] = hold("team_lead", "nov");
    assert_eq!(rules(&p, &d), vec![Rule::NotReady]);

    // The specialist holds a team responsibility without being on the team.
    let mut d = valid_design();
    team(&mut d).holdings[5] = hold("culture_lead", "sped");
    let r = rules(&p, &d);
    assert!(
        r.contains(&Rule::HolderNotOnTeam) && r.contains(&Rule::NotReady),
        "{r:?}"
    );

    // Over-allocated: the lead holds everything.
    let mut d = valid_design();
    for h in &mut team(&mut d).holdings {
        h.holder = Some("lead".into());
    }
    let mut p2 = p.clone();
    p2.policy.leader_release_minutes = 0;
    p2.schools[0].educators[0]
        .competencies
        .push(HeldCompetency {
            code: "culture_and_behaviour".into(),
            level: lvl(3),
            evidence: None,
        });
    p2.schools[0].educators[0]
        .competencies
        .push(HeldCompetency {
            code: "technology_and_data".into(),
            level: lvl(3),
            evidence: None,
        });
    p2.schools[0].educators[0]
        .content
        .insert("math".into(), lvl(3));
    assert_eq!(rules(&p2, &d), vec![Rule::OverAllocated]);

    // Service minutes short, and from someone unqualified.
    let mut d = valid_design();
    d.schools[0].extended[0].services[0].minutes = 400;
    assert_eq!(rules(&p, &d), vec![Rule::ServiceShort]);
    let mut d = valid_design();
    d.schools[0].extended[0].educator = "vet".into();
    let r = rules(&p, &d);
    assert!(
        r.contains(&Rule::Unqualified) && r.contains(&Rule::ServiceShort),
        "{r:?}"
    );

    // A specialist on a core team; a person on two teams; a roster that loses students.
    let mut d = valid_design();
    team(&mut d).members.push(Member {
        educator: "sped".into(),
        why: vec![],
    });
    assert!(rules(&p, &d).contains(&Rule::NotCoreEligible));
    let mut d = valid_design();
    let mut second = team(&mut d).clone();
    second.name = "Second".into();
    second.roster = 0;
    second.needs.clear();
    d.schools[0].teams.push(second);
    assert!(rules(&p, &d).contains(&Rule::TwoCoreTeams));
    let mut d = valid_design();
    team(&mut d).roster = 79;
    assert!(rules(&p, &d).contains(&Rule::RosterMismatch));

    // Too many students per professional.
    let mut d = valid_design();
    let mut p3 = p.clone();
    p3.policy.max_students_per_professional = Some(20);
    assert_eq!(rules(&p3, &d), vec![Rule::TooManyStudentsPerProfessional]);
    team(&mut d).members.push(Member {
        educator: "ghost".into(),
        why: vec![],
    });
    assert!(rules(&p, &d).contains(&Rule::Unknown));
}

#[test]
fn the_designer_finds_the_valid_plan_and_explains_it() {
    let p = problem();
    let (d, report) = design(&p, &Options::default(), &|_, _| {}).expect("valid input");
    let v = check(&p, &d);
    assert!(v.is_valid(), "{:#?}", v.violations);
    assert_eq!(report.objective, v.objective);
    assert_eq!(report.schools[0].method, "exact");
    let t = &d.schools[0].teams[0];
    let ela = t
        .holdings
        .iter()
        .find(|h| h.responsibility == "lead_planner_ela")
        .expect("held");
    assert_eq!(
        ela.why,
        "ELA lead planner: ELA content level 4, unit design level 4 (licence)"
    );
    assert!(t.members.iter().all(|m| !m.why.is_empty()));
    assert!(report.hiring.iter().all(|h| h.thin), "{:#?}", report.hiring);
}

#[test]
fn unreadiness_becomes_a_hiring_profile() {
    let mut p = problem();
    // Nobody knows math well enough to plan it, even as a stretch.
    for e in &mut p.schools[0].educators {
        e.content.remove("math");
    }
    let (d, report) = design(&p, &Options::default(), &|_, _| {}).expect("valid input");
    let v = check(&p, &d);
    assert_eq!(v.count(Rule::Unfilled), 1, "{:#?}", v.violations);
    let h = report.hiring.iter().find(|h| !h.thin).expect("a profile");
    assert!(h.title.contains("Math lead planner"), "{}", h.title);
    assert!(
        h.requirements.contains(&"Math content level 3".to_string()),
        "{:?}",
        h.requirements
    );
    assert_eq!(h.students_reached, 80);
    assert!(h.certified_required);
    // A service shortfall offers the cheaper option only where the catalog allows it.
    let mut p = problem();
    p.catalog = Catalog::default_catalog();
    p.schools[0].bands[0]
        .needs
        .insert("reading_intervention".into(), 20);
    let (_, report) = design(&p, &Options::default(), &|_, _| {}).expect("valid input");
    let reading = report
        .hiring
        .iter()
        .find(|h| h.title.contains("Reading intervention"))
        .expect("reading");
    assert_eq!(
        reading.cheaper.as_ref().map(|c| c.role),
        Some(RoleType::Paraeducator)
    );
    assert!(reading
        .cheaper
        .as_ref()
        .is_some_and(|c| c.annual_cost_cents < reading.annual_cost_cents));
    let sped = report
        .hiring
        .iter()
        .find(|h| h.title.contains("Special education"));
    assert!(sped.is_none_or(|s| s.cheaper.is_none()));
    // English learners who mostly share a home language: the profile asks for it.
    let mut p = problem();
    p.catalog = Catalog::default_catalog();
    let band = &mut p.schools[0].bands[0];
    band.needs.insert("english_learner".into(), 20);
    band.languages = BTreeMap::from([("Spanish".to_string(), 14), ("Somali".to_string(), 6)]);
    let (_, report) = design(&p, &Options::default(), &|_, _| {}).expect("valid input");
    let ell = report
        .hiring
        .iter()
        .find(|h| h.title.contains("English-learner"))
        .expect("an English-learner post");
    assert!(ell.title.ends_with(", speaks Spanish"), "{}", ell.title);
    let wanted = "speaks Spanish (14 of 20 English learners)".to_string();
    assert!(ell.requirements.contains(&wanted), "{:?}", ell.requirements);
    // Ranked by students reached.
    let unmet: Vec<u32> = report
        .hiring
        .iter()
        .filter(|h| !h.thin)
        .map(|h| h.students_reached)
        .collect();
    assert!(unmet.windows(2).all(|w| w[0] >= w[1]), "{unmet:?}");
}

/// One hand-made fault in a problem.
type Change = Box<dyn Fn(&mut Problem)>;

#[test]
fn bad_inputs_are_refused_with_their_field() {
    let cases: Vec<(&str, Change)> = vec![
        (
            "schools[0].bands[0].students",
            Box::new(|p| {
                p.policy.roster = [1, 1];
                p.schools[0].bands[0].students = 199_999;
            }),
        ),
        (
            "policy.subjects",
            Box::new(|p| p.policy.subjects = vec!["ela".into(), "ela".into()]),
        ),
        (
            "policy.minutes_per_fte",
            Box::new(|p| p.policy.minutes_per_fte = 5_000_000),
        ),
        (
            "policy.max_students_per_professional",
            Box::new(|p| p.policy.max_students_per_professional = Some(u32::MAX)),
        ),
        (
            "schools[0].educators[1].fte",
            Box::new(|p| p.schools[0].educators[1].fte = f64::NAN),
        ),
        (
            "catalog.responsibilities[1].code",
            Box::new(|p| {
                let mut clash = p.catalog.responsibilities[0].clone();
                clash.code = "lead_planner_ela".into();
                p.catalog.responsibilities.push(clash);
            }),
        ),
        (
            "budget.certified.steps",
            Box::new(|p| {
                let mut b = BudgetModel::default();
                b.certified.steps[0][0] = i64::MAX;
                p.budget = Some(b);
            }),
        ),
    ];
    for (field, change) in cases {
        let mut p = problem();
        change(&mut p);
        let e = p.validate().expect_err(field);
        assert!(e.path.starts_with(field), "{field}: {e}");
        assert!(design(&p, &Options::default(), &|_, _| {}).is_err());
    }
}
