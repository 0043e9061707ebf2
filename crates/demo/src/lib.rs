//! Deterministic demo data: one realistic team-based middle school for trying Ensemble, and
//! districts of any size for benchmarks. The same seed always gives the same district.
//!
//! Pure: builds a [`Dataset`]; writing it is the store's job.

mod credentials;
pub use credentials::{
    catalog as credential_catalog, credential_story, pathway_history, team_goals,
};

use ensemble_domain::dataset::*;
use ensemble_domain::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The password of every demo account (printed by `ensemble serve --demo`).
pub const DEMO_PASSWORD: &str = "ensemble-demo";
/// The domain of every demo e-mail address.
pub const DEMO_DOMAIN: &str = "demo.example";

/// One demo login to print, with what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: &'static str,
    pub email: String,
    pub sees: &'static str,
}

/// The demo school with its accounts, and the logins worth printing (one per role).
pub fn demo_school(seed: u64) -> (Dataset, Vec<DemoLogin>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ds = Dataset::default();
    push_district(&mut ds, "district-1", "Sonoran Unified School District");
    let spec = SchoolSpec {
        key: "dwms".into(),
        name: "Desert Willow Middle School".into(),
        district: "district-1".into(),
        grades: (6, 8),
        students: 600,
        team_names: vec![
            "6 Saguaro",
            "6 Palo Verde",
            "7 Mesquite",
            "7 Ocotillo",
            "8 Ironwood",
        ],
        // Each team one grade, as its name says; 6 Palo Verde is over-full (140 students for
        // three professional educators), so the ratio flag shows somewhere.
        team_rosters: Some(vec![(6, 100), (6, 140), (7, 120), (7, 120), (8, 120)]),
        candidates: 0,
    };
    let school = build_school(&mut rng, &mut ds, &spec);
    // A small second school of the district, with its own leader and core team: what another
    // school's people look like to this one (nothing).
    let spec2 = SchoolSpec {
        key: "pbes".into(),
        name: "Palo Brea Elementary School".into(),
        district: "district-1".into(),
        grades: (4, 5),
        students: 60,
        team_names: vec!["4–5 Cholla"],
        team_rosters: None,
        candidates: 0,
    };
    let school2 = build_school(&mut rng, &mut ds, &spec2);
    // Accounts: a district leader, each school's principal, and every educator (so any of them
    // can log in).
    ds.accounts.push(NewAccount {
        email: format!("district.admin@{DEMO_DOMAIN}"),
        display_name: "Dana Whitfield".into(),
        system_role: SystemRole::SystemAdmin,
        school: None,
        educator: None,
    });
    ds.accounts.push(NewAccount {
        email: format!("principal@{DEMO_DOMAIN}"),
        display_name: "Rosa Delgado".into(),
        system_role: SystemRole::SchoolLeader,
        school: Some(sid(&spec.key)),
        educator: None,
    });
    ds.accounts.push(NewAccount {
        email: format!("principal.palobrea@{DEMO_DOMAIN}"),
        display_name: "Marcus Ortega".into(),
        system_role: SystemRole::SchoolLeader,
        school: Some(sid(&spec2.key)),
        educator: None,
    });
    for e in ds.educators.clone() {
        ds.accounts.push(NewAccount {
            email: e.email.clone().unwrap_or_default(),
            display_name: format!("{} {}", e.given_name, e.family_name),
            system_role: SystemRole::Educator,
            school: Some(e.school.clone()),
            educator: Some(e.sourced_id.clone()),
        });
    }
    let email_of = |key: &str| -> String {
        ds.educators
            .iter()
            .find(|e| e.sourced_id.as_str() == key)
            .and_then(|e| e.email.clone())
            .unwrap_or_default()
    };
    let first_team = &school.core_teams[0];
    let second_team = &school.core_teams[1];
    let logins = vec![
        DemoLogin {
            role: "System (district) leader",
            email: format!("district.admin@{DEMO_DOMAIN}"),
            sees: "every school",
        },
        DemoLogin {
            role: "School leader",
            email: format!("principal@{DEMO_DOMAIN}"),
            sees: "the whole school and its audit log",
        },
        DemoLogin {
            role: "Core-team lead",
            email: email_of(&first_team.lead),
            sees: "team 6 Saguaro's roster, sensitive fields included",
        },
        DemoLogin {
            role: "Core-team member",
            email: email_of(&first_team.novice),
            sees: "team 6 Saguaro's roster (a novice teacher)",
        },
        DemoLogin {
            role: "Core-team member, other team",
            email: email_of(&second_team.lead),
            sees: "team 6 Palo Verde's roster",
        },
        DemoLogin {
            role: "Extended team: specialist",
            email: email_of(&school.specialist),
            sees: "the students they serve, with the IEP/504 flags and accommodations of those in special education",
        },
        DemoLogin {
            role: "Extended team: paraeducator",
            email: email_of(&school.paraeducator),
            sees: "the students they serve, with the accommodations of those they support",
        },
        DemoLogin {
            role: "Community educator",
            email: email_of(&school.community),
            sees: "names and teams of the students they mentor",
        },
        DemoLogin {
            role: "Volunteer",
            email: email_of(&school.volunteer),
            sees: "names and teams of the students they read with",
        },
        DemoLogin {
            role: "School leader, second school",
            email: format!("principal.palobrea@{DEMO_DOMAIN}"),
            sees: "Palo Brea Elementary only",
        },
        DemoLogin {
            role: "Core-team lead, second school",
            email: email_of(&school2.core_teams[0].lead),
            sees: "team 4–5 Cholla's roster",
        },
    ];
    (ds, logins)
}

/// A district of `schools` schools sharing `students` students, for benchmarks. No accounts.
pub fn district(schools: usize, students: usize, seed: u64) -> Dataset {
    district_with_pool(schools, students, 0, seed)
}

/// A district as [`district`], where each school also has `candidates` educators on no team yet
/// (applicants and staff to place): what the staffing designer chooses from.
pub fn district_with_pool(
    schools: usize,
    students: usize,
    candidates: usize,
    seed: u64,
) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ds = Dataset::default();
    push_district(&mut ds, "district-1", "Benchmark Unified School District");
    let schools = schools.max(1);
    let bands = [(0u8, 5u8), (6, 8), (9, 12)];
    for i in 0..schools {
        let share = students / schools + usize::from(i < students % schools);
        let grades = bands[i % bands.len()];
        let teams = share.div_ceil(130).max(1);
        let names: Vec<&'static str> = TEAM_NAMES.iter().copied().cycle().take(teams).collect();
        let spec = SchoolSpec {
            key: format!("s{:03}", i + 1),
            name: format!(
                "{} {}",
                PLACE_NAMES[i % PLACE_NAMES.len()],
                ["Elementary", "Middle", "High"][i % 3]
            ),
            district: "district-1".into(),
            grades,
            students: share,
            team_names: names,
            team_rosters: None,
            candidates,
        };
        build_school(&mut rng, &mut ds, &spec);
    }
    ds
}

struct SchoolSpec {
    key: String,
    name: String,
    district: String,
    grades: (u8, u8),
    students: usize,
    team_names: Vec<&'static str>,
    /// Each team's grade and roster size, in team order (summing to `students`); when absent,
    /// the grades split evenly and the teams take the students in grade order.
    team_rosters: Option<Vec<(u8, usize)>>,
    /// Educators on no team yet.
    candidates: usize,
}

struct CoreTeamKeys {
    lead: String,
    novice: String,
}

struct BuiltSchool {
    core_teams: Vec<CoreTeamKeys>,
    specialist: String,
    paraeducator: String,
    community: String,
    volunteer: String,
}

fn sid(s: &str) -> SourcedId {
    // Keys are built from ASCII words and digits joined by '-', which always parse.
    SourcedId::parse(s).unwrap_or_else(|_| unreachable!("generated sourcedId {s:?} is valid"))
}

fn push_district(ds: &mut Dataset, key: &str, name: &str) {
    ds.districts.push(NewDistrict {
        sourced_id: sid(key),
        name: name.into(),
    });
}

fn grid() -> TimeGrid {
    TimeGrid::starter()
}

const SUBJECTS: [&str; 4] = ["math", "ela", "science", "social_studies"];

fn build_school(rng: &mut ChaCha8Rng, ds: &mut Dataset, spec: &SchoolSpec) -> BuiltSchool {
    let k = &spec.key;
    let year = format!("{k}-2026-27");
    let fall = format!("{k}-2026-fall");
    let spring = format!("{k}-2027-spring");
    let grid = grid();
    let periods = grid.periods().len();
    ds.schools.push(NewSchool {
        sourced_id: sid(k),
        district: sid(&spec.district),
        name: spec.name.clone(),
        grade_low: Grade::new(spec.grades.0.into()).unwrap_or_else(|_| unreachable!()),
        grade_high: Grade::new(spec.grades.1.into()).unwrap_or_else(|_| unreachable!()),
        time_zone: "America/Phoenix".into(),
        grid: grid.clone(),
        terms: vec![
            NewTerm {
                sourced_id: sid(&year),
                parent: None,
                kind: TermKind::SchoolYear,
                name: "2026–27".into(),
                start_date: "2026-08-03".into(),
                end_date: "2027-05-28".into(),
            },
            NewTerm {
                sourced_id: sid(&fall),
                parent: Some(sid(&year)),
                kind: TermKind::Term,
                name: "Fall 2026".into(),
                start_date: "2026-08-03".into(),
                end_date: "2026-12-18".into(),
            },
            NewTerm {
                sourced_id: sid(&spring),
                parent: Some(sid(&year)),
                kind: TermKind::Term,
                name: "Spring 2027".into(),
                start_date: "2027-01-05".into(),
                end_date: "2027-05-28".into(),
            },
        ],
        current_term: sid(&fall),
    });
    let days = &DayOfWeek::ALL[..5];
    let mut n_educators = 0usize;
    let mut educator = |rng: &mut ChaCha8Rng,
                        ds: &mut Dataset,
                        role: RoleType,
                        employment: Employment,
                        fte: i64,
                        subjects: &[&str]|
     -> String {
        n_educators += 1;
        let key = format!("{k}-e{n_educators:03}");
        let given = *FIRST_NAMES.choose(rng).unwrap_or(&"Alex");
        let family = *LAST_NAMES.choose(rng).unwrap_or(&"Lee");
        let years: u8 = match role {
            RoleType::TeacherLeader => rng.gen_range(8..25),
            RoleType::ExperiencedEducator | RoleType::Specialist => rng.gen_range(4..20),
            RoleType::NoviceTeacher => rng.gen_range(0..3),
            RoleType::ResidentTeacher => 0,
            _ => rng.gen_range(0..10),
        };
        let mut availability = WeeklyAvailability::full(days, periods);
        if employment != Employment::FullTime {
            // Part-timers and volunteers come in the afternoons, or on some days.
            for d in days {
                if rng.gen_bool(0.4) {
                    for p in 0..periods {
                        availability.set(*d, p, false);
                    }
                }
                for p in 0..4 {
                    availability.set(*d, p, false);
                }
            }
        }
        let base = match role {
            RoleType::TeacherLeader => 3,
            RoleType::ExperiencedEducator | RoleType::Specialist => 3,
            RoleType::NoviceTeacher | RoleType::ResidentTeacher => 2,
            _ => 1,
        };
        let expertise = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| ContentExpertise {
                subject: (*s).into(),
                level: Level::new((base + i64::from(i == 0 && years > 10)).min(4))
                    .unwrap_or_else(|_| unreachable!()),
            })
            .collect();
        let mut competencies = competencies_for(rng, role, years, subjects);
        extra_competencies(&key, role, years, &mut competencies);
        ds.educators.push(NewEducator {
            sourced_id: sid(&key),
            school: sid(k),
            given_name: given.into(),
            family_name: family.into(),
            email: Some(format!(
                "{}.{}.{}{}@{DEMO_DOMAIN}",
                given.to_ascii_lowercase(),
                family.to_ascii_lowercase().replace(' ', ""),
                // The demo school's addresses end in the number alone; other schools' carry
                // their key, so that addresses stay unique across the district.
                if k == "dwms" { "" } else { k.as_str() },
                &key[key.len() - 3..]
            )),
            role_type: role,
            employment,
            fte: Fte::new(employment, fte)
                .unwrap_or_else(|e| unreachable!("demo FTE is valid: {e}")),
            years_experience: years,
            availability,
            expertise,
            competencies,
        });
        key
    };

    // Students, by grade.
    let grades: Vec<u8> = (spec.grades.0..=spec.grades.1).collect();
    let mut students_by_grade: Vec<Vec<String>> = vec![Vec::new(); grades.len()];
    let mut student_needs: Vec<(String, Needs)> = Vec::new();
    for i in 0..spec.students {
        let key = format!("{k}-s{:05}", i + 1);
        let gi = match &spec.team_rosters {
            // The grade of the team whose share the student falls in.
            Some(plan) => {
                let mut end = 0;
                let team = plan
                    .iter()
                    .position(|(_, n)| {
                        end += n;
                        i < end
                    })
                    .unwrap_or(plan.len().saturating_sub(1));
                let g = plan.get(team).map_or(spec.grades.0, |t| t.0);
                grades.iter().position(|x| *x == g).unwrap_or(0)
            }
            None => i * grades.len() / spec.students.max(1),
        };
        let grade = grades[gi.min(grades.len() - 1)];
        let needs = Needs {
            iep: rng.gen_bool(0.13),
            plan_504: rng.gen_bool(0.04),
            english_learner: rng.gen_bool(0.12),
            ell_proficiency: None,
            health: rng
                .gen_bool(0.06)
                .then(|| (*HEALTH.choose(rng).unwrap_or(&"asthma")).to_owned()),
            services: Vec::new(),
            accommodations: Vec::new(),
        };
        let mut needs = needs;
        if needs.english_learner {
            needs.ell_proficiency = Some(rng.gen_range(1..=5));
            needs.services.push("english_learner".into());
        }
        if needs.iep {
            needs.services.push("special_education".into());
        }
        if rng.gen_bool(0.15) {
            needs.services.push("reading_intervention".into());
        }
        if needs.iep || needs.plan_504 {
            // Their own generator, so the rest of the demo stays as it was.
            let mut arng = ChaCha8Rng::seed_from_u64(0xACC0_0000 ^ (i as u64));
            let n = arng.gen_range(1..=3);
            needs.accommodations = ACCOMMODATIONS
                .choose_multiple(&mut arng, n)
                .map(|a| (*a).to_owned())
                .collect();
        }
        let pick = |rng: &mut ChaCha8Rng, list: &[&str], n: usize| -> Vec<String> {
            list.choose_multiple(rng, n)
                .map(|s| (*s).to_owned())
                .collect()
        };
        let (n_interests, n_strengths) = (rng.gen_range(1..4), rng.gen_range(1..3));
        let profile = StudentProfile {
            interests: pick(rng, &INTERESTS, n_interests),
            strengths: pick(rng, &STRENGTHS, n_strengths),
        };
        let birth_year = 2026 - 5 - i64::from(grade) - i64::from(rng.gen_bool(0.3));
        let demographics = Demographics {
            birth_date: Some(format!(
                "{birth_year}-{:02}-{:02}",
                rng.gen_range(1..=12),
                rng.gen_range(1..=28)
            )),
            gender: Some(
                (*["female", "male", "nonbinary"]
                    .choose_weighted(rng, |g| if *g == "nonbinary" { 2 } else { 49 })
                    .unwrap_or(&"female"))
                .into(),
            ),
            race_ethnicity: Some((*ETHNICITY.choose(rng).unwrap_or(&"Hispanic or Latino")).into()),
            home_language: Some(if needs.english_learner {
                (*LANGUAGES.choose(rng).unwrap_or(&"Spanish")).into()
            } else {
                "English".into()
            }),
            free_reduced_lunch: rng.gen_bool(0.55),
        };
        ds.students.push(NewStudent {
            sourced_id: sid(&key),
            school: sid(k),
            given_name: (*FIRST_NAMES.choose(rng).unwrap_or(&"Sam")).into(),
            family_name: (*LAST_NAMES.choose(rng).unwrap_or(&"Cruz")).into(),
            grade: Grade::new(grade.into()).unwrap_or_else(|_| unreachable!()),
            profile,
            needs: needs.clone(),
            demographics,
        });
        students_by_grade[gi.min(grades.len() - 1)].push(key.clone());
        student_needs.push((key, needs));
    }

    // Core teams: split each grade's students over the teams of that grade.
    let n_teams = spec.team_names.len().max(1);
    let mut team_rosters: Vec<Vec<String>> = vec![Vec::new(); n_teams];
    let all: Vec<String> = students_by_grade.concat();
    let sizes: Vec<usize> = match &spec.team_rosters {
        Some(plan) => plan.iter().map(|t| t.1).collect(),
        None => (0..n_teams)
            .map(|t| {
                (0..all.len())
                    .filter(|i| i * n_teams / all.len().max(1) == t)
                    .count()
            })
            .collect(),
    };
    // Students in key order within each grade; teams of one grade take consecutive shares.
    let mut next = 0;
    for (t, n) in sizes.iter().enumerate().take(n_teams) {
        team_rosters[t].extend(all.iter().skip(next).take(*n).cloned());
        next += n;
    }
    let mut core_teams = Vec::new();
    for (ti, name) in spec.team_names.iter().enumerate() {
        let size = 3 + (ti % 3); // 3, 4 or 5 educators
        let mut subjects: Vec<&str> = SUBJECTS.to_vec();
        subjects.shuffle(rng);
        let lead = educator(
            rng,
            ds,
            RoleType::TeacherLeader,
            Employment::FullTime,
            1000,
            &[subjects[0], subjects[1]],
        );
        let veteran = educator(
            rng,
            ds,
            RoleType::ExperiencedEducator,
            Employment::FullTime,
            1000,
            &[subjects[2]],
        );
        let novice = educator(
            rng,
            ds,
            RoleType::NoviceTeacher,
            Employment::FullTime,
            1000,
            &[subjects[3]],
        );
        let mut members = vec![
            (sid(&lead), TeamMemberRole::Lead),
            (sid(&veteran), TeamMemberRole::Member),
            (sid(&novice), TeamMemberRole::Member),
        ];
        if size >= 4 {
            let r = educator(
                rng,
                ds,
                RoleType::ResidentTeacher,
                Employment::FullTime,
                1000,
                &[subjects[1]],
            );
            members.push((sid(&r), TeamMemberRole::Member));
        }
        if size >= 5 {
            let p = educator(
                rng,
                ds,
                RoleType::Paraeducator,
                Employment::FullTime,
                1000,
                &[],
            );
            members.push((sid(&p), TeamMemberRole::Member));
        }
        let key = format!("{k}-team{}", ti + 1);
        ds.teams.push(NewTeam {
            sourced_id: sid(&key),
            school: sid(k),
            term: sid(&fall),
            name: (*name).into(),
            kind: TeamKind::Core,
            description: format!(
                "Core team sharing one roster of {} students",
                team_rosters[ti].len()
            ),
            members,
            roster: team_rosters[ti].iter().map(|s| sid(s)).collect(),
        });
        core_teams.push(CoreTeamKeys { lead, novice });
    }

    // Extended team.
    let sped1 = educator(
        rng,
        ds,
        RoleType::Specialist,
        Employment::FullTime,
        1000,
        &["special_education"],
    );
    let sped2 = educator(
        rng,
        ds,
        RoleType::Specialist,
        Employment::FullTime,
        1000,
        &["special_education"],
    );
    let ell = educator(
        rng,
        ds,
        RoleType::Specialist,
        Employment::FullTime,
        1000,
        &["english_learners"],
    );
    let reading = educator(
        rng,
        ds,
        RoleType::Specialist,
        Employment::PartTime,
        500,
        &["ela"],
    );
    let counselor = educator(
        rng,
        ds,
        RoleType::Specialist,
        Employment::FullTime,
        1000,
        &["counselling"],
    );
    let para1 = educator(
        rng,
        ds,
        RoleType::Paraeducator,
        Employment::FullTime,
        1000,
        &[],
    );
    let para2 = educator(
        rng,
        ds,
        RoleType::Paraeducator,
        Employment::PartTime,
        750,
        &[],
    );
    let community = educator(
        rng,
        ds,
        RoleType::CommunityEducator,
        Employment::PartTime,
        200,
        &["robotics"],
    );
    let artist = educator(
        rng,
        ds,
        RoleType::CommunityEducator,
        Employment::Volunteer,
        0,
        &["visual_arts"],
    );
    let volunteer = educator(rng, ds, RoleType::Volunteer, Employment::Volunteer, 0, &[]);
    let extended = [
        &sped1, &sped2, &ell, &reading, &counselor, &para1, &para2, &community, &artist, &volunteer,
    ];
    ds.teams.push(NewTeam {
        sourced_id: sid(&format!("{k}-extended")),
        school: sid(k),
        term: sid(&fall),
        name: "Extended team".into(),
        kind: TeamKind::Extended,
        description: "Specialists, paraeducators, community educators and volunteers who complement the core teams".into(),
        members: extended.iter().map(|e| (sid(e), TeamMemberRole::Member)).collect(),
        roster: Vec::new(),
    });
    let serve = |ds: &mut Dataset, educator: &str, student: &str, service: &str| {
        ds.services.push(NewService {
            educator: sid(educator),
            student: sid(student),
            term: sid(&fall),
            service: service.into(),
        });
    };
    let mut sped_turn = 0usize;
    for (i, (s, needs)) in student_needs.iter().enumerate() {
        if needs.iep {
            sped_turn += 1;
            serve(
                ds,
                if sped_turn.is_multiple_of(2) {
                    &sped1
                } else {
                    &sped2
                },
                s,
                "special_education",
            );
            if sped_turn.is_multiple_of(3) {
                serve(ds, &para1, s, "paraeducator_support");
            }
        }
        if needs.english_learner {
            serve(ds, &ell, s, "english_learner");
        }
        if needs.services.iter().any(|x| x == "reading_intervention") {
            serve(ds, &reading, s, "reading_intervention");
            if i % 2 == 0 {
                serve(ds, &para2, s, "reading_intervention");
            }
        }
        if i % 10 == 0 {
            serve(ds, &counselor, s, "counselling");
        }
        if i % 25 == 3 {
            serve(ds, &community, s, "robotics_mentoring");
        }
        if i % 40 == 7 {
            serve(ds, &artist, s, "art_studio");
        }
        if i % 30 == 11 {
            serve(ds, &volunteer, s, "reading_buddy");
        }
    }

    // Spaces: classrooms for each team, a flexible learning studio with zones, shared rooms.
    let space = |ds: &mut Dataset,
                 key: &str,
                 parent: Option<&str>,
                 name: &str,
                 kind: SpaceKind,
                 capacity: u32| {
        ds.spaces.push(NewSpace {
            sourced_id: sid(&format!("{k}-{key}")),
            school: sid(k),
            parent: parent.map(|p| sid(&format!("{k}-{p}"))),
            name: name.into(),
            kind,
            capacity,
        });
    };
    // Four classrooms a team, or more for a large roster: every student has a seat.
    // Each adult who may lead a room in a team block (professionals and residents) has a
    // room large enough for their share of the roster.
    let leads_of = |ds: &Dataset, t: usize| -> usize {
        let team = sid(&format!("{k}-team{}", t + 1));
        ds.teams
            .iter()
            .filter(|x| x.sourced_id == team)
            .flat_map(|x| x.members.iter())
            .filter(|(m, _)| {
                ds.educators.iter().any(|e| {
                    e.sourced_id == *m
                        && !matches!(
                            e.role_type,
                            RoleType::Paraeducator
                                | RoleType::CommunityEducator
                                | RoleType::Volunteer
                        )
                })
            })
            .count()
            .max(1)
    };
    let caps: Vec<usize> = (0..n_teams)
        .map(|t| {
            let share = team_rosters[t].len().div_ceil(leads_of(ds, t));
            share.max(32).next_multiple_of(2)
        })
        .collect();
    let rooms_of = |t: usize| team_rosters[t].len().div_ceil(caps[t]).max(4);
    // Each other team's rooms open onto each other: a suite, a flexible space whose rooms
    // are its zones, where the team regroups freely.
    for (t, room_cap) in caps.iter().enumerate().skip(1) {
        let suite = format!("suite{t}");
        let cap = room_cap * rooms_of(t);
        space(
            ds,
            &suite,
            None,
            &format!("Suite {}00", t + 1),
            SpaceKind::FlexibleSpace,
            u32::try_from(cap).unwrap_or(160),
        );
        for r in 0..rooms_of(t) {
            space(
                ds,
                &format!("room{}{:02}", t, r + 1),
                Some(&suite),
                &format!("Room {}{:02}", t + 1, r + 1),
                SpaceKind::Zone,
                u32::try_from(*room_cap).unwrap_or(32),
            );
        }
    }
    space(
        ds,
        "studio",
        None,
        "Learning Studio",
        SpaceKind::FlexibleSpace,
        150,
    );
    for (z, zname) in ["A", "B", "C", "D"].iter().enumerate() {
        space(
            ds,
            &format!("studio-z{}", z + 1),
            Some("studio"),
            &format!("Studio zone {zname}"),
            SpaceKind::Zone,
            35,
        );
    }
    space(ds, "lab1", None, "Science Lab 1", SpaceKind::Lab, 30);
    space(ds, "lab2", None, "Science Lab 2", SpaceKind::Lab, 30);
    space(ds, "maker", None, "Maker Space", SpaceKind::Lab, 28);
    space(ds, "library", None, "Library", SpaceKind::Library, 60);
    space(ds, "gym", None, "Gym", SpaceKind::Gym, 120);
    space(ds, "commons", None, "Commons", SpaceKind::Commons, 200);
    for g in 1..=3 {
        space(
            ds,
            &format!("sg{g}"),
            None,
            &format!("Small-group room {g}"),
            SpaceKind::SmallGroupRoom,
            10,
        );
    }

    // Bookings: each core team in its spaces for every instruction block, all week.
    let blocks: Vec<usize> = grid
        .periods()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == PeriodKind::Instruction)
        .map(|(i, _)| i)
        .collect();
    for (t, roster) in team_rosters.iter().enumerate() {
        let team = format!("{k}-team{}", t + 1);
        let spaces: Vec<String> = if t == 0 {
            (1..=4).map(|z| format!("{k}-studio-z{z}")).collect()
        } else {
            (1..=rooms_of(t))
                .map(|r| format!("{k}-room{t}{r:02}"))
                .collect()
        };
        let per_space = roster.len().div_ceil(spaces.len()) as u32;
        let cap = if t == 0 {
            35
        } else {
            u32::try_from(caps[t]).unwrap_or(32)
        };
        for d in days {
            for &p in &blocks {
                let mut left = roster.len() as u32;
                for s in &spaces {
                    let n = per_space.min(left).min(cap);
                    if n == 0 {
                        break;
                    }
                    left -= n;
                    ds.bookings.push(NewBooking {
                        space: sid(s),
                        term: sid(&fall),
                        day: *d,
                        period: p,
                        team: sid(&team),
                        headcount: n,
                        purpose: "Team learning block".into(),
                    });
                }
            }
        }
    }

    // Candidates on no team: a mix along the continuum of roles.
    for i in 0..spec.candidates {
        let mut subjects: Vec<&str> = SUBJECTS.to_vec();
        subjects.shuffle(rng);
        let (role, employment, fte, subj): (RoleType, Employment, i64, Vec<&str>) = match i % 6 {
            0 => (
                RoleType::ExperiencedEducator,
                Employment::FullTime,
                1000,
                vec![subjects[0]],
            ),
            1 => (
                RoleType::NoviceTeacher,
                Employment::FullTime,
                1000,
                vec![subjects[0]],
            ),
            2 => (RoleType::Paraeducator, Employment::FullTime, 1000, vec![]),
            3 => (
                RoleType::ResidentTeacher,
                Employment::FullTime,
                1000,
                vec![subjects[0]],
            ),
            4 => (
                RoleType::Specialist,
                Employment::PartTime,
                500,
                vec![
                    [
                        "special_education",
                        "english_learners",
                        "ela",
                        "counselling",
                    ][i / 6 % 4],
                ],
            ),
            _ => (
                RoleType::CommunityEducator,
                Employment::PartTime,
                200,
                vec!["robotics"],
            ),
        };
        educator(rng, ds, role, employment, fte, &subj);
    }

    // The specials team (arts, music, physical education, technology, library): it has a core
    // team's students while that team plans. Written last, so that the rest of the school is
    // the same as before it joined.
    // Their own random stream, so that the schools generated after this one stay the same.
    let mut specials_rng = ChaCha8Rng::seed_from_u64(k.bytes().fold(0x5eed_u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }));
    let specials: Vec<String> = [
        "visual_arts",
        "physical_education",
        "library_media",
        "technology",
        "music",
    ]
    .iter()
    .map(|subject| {
        educator(
            &mut specials_rng,
            ds,
            RoleType::Specialist,
            Employment::FullTime,
            1000,
            &[subject],
        )
    })
    .collect();
    space(ds, "art", None, "Art Room", SpaceKind::Classroom, 32);
    space(ds, "music", None, "Music Room", SpaceKind::Classroom, 32);
    ds.teams.push(NewTeam {
        sourced_id: sid(&format!("{k}-specials")),
        school: sid(k),
        term: sid(&fall),
        name: "Specials".into(),
        kind: TeamKind::Specials,
        description: "Art, physical education, library, technology and music: they have a core team's students while the team plans".into(),
        members: specials.iter().map(|e| (sid(e), TeamMemberRole::Member)).collect(),
        roster: Vec::new(),
    });
    // Its rooms, one for each member.
    let plan_period = grid
        .periods()
        .iter()
        .position(|p| p.kind == PeriodKind::TeamPlanning)
        .unwrap_or(0);
    for room in ["art", "gym", "library", "maker", "music"] {
        ds.bookings.push(NewBooking {
            space: sid(&format!("{k}-{room}")),
            term: sid(&fall),
            day: days[0],
            period: plan_period,
            team: sid(&format!("{k}-specials")),
            headcount: 28,
            purpose: "Specials".into(),
        });
    }
    // The part-time reading specialist comes Monday to Wednesday, the part-time paraeducator
    // Monday to Thursday: both plan with each core team once a week.
    for e in ds.educators.iter_mut() {
        if e.sourced_id == sid(&reading) {
            e.availability = WeeklyAvailability::full(&days[..days.len().min(3)], periods);
        } else if e.sourced_id == sid(&para2) {
            e.availability = WeeklyAvailability::full(&days[..days.len().min(4)], periods);
        }
    }

    BuiltSchool {
        core_teams,
        specialist: sped1,
        paraeducator: para1,
        community,
        volunteer,
    }
}

fn competencies_for(
    rng: &mut ChaCha8Rng,
    role: RoleType,
    years: u8,
    subjects: &[&str],
) -> Vec<Competency> {
    // Each specialty has its own codes (three, like before, so the random stream and with it
    // every name in the demo stays the same).
    let specialty: &[&str] = match subjects.first().copied() {
        Some("special_education") => &[
            "iep_case_management",
            "small_group_instruction",
            "data_meeting_lead",
        ],
        Some("english_learners") => &[
            "ell_instruction",
            "newcomer_integration",
            "family_communication",
        ],
        Some("counselling") => &[
            "counselling",
            "culture_and_behaviour",
            "family_communication",
        ],
        _ => &[
            "reading_intervention",
            "small_group_instruction",
            "data_meeting_lead",
        ],
    };
    let (codes, evidence): (&[&str], Evidence) = match role {
        RoleType::TeacherLeader => (
            &[
                "unit_design",
                "data_meeting_lead",
                "coaching",
                "family_communication",
                "small_group_instruction",
            ],
            Evidence::Licence,
        ),
        RoleType::ExperiencedEducator => (
            &[
                "unit_design",
                "small_group_instruction",
                "culture_and_behaviour",
                "family_communication",
            ],
            Evidence::Licence,
        ),
        RoleType::NoviceTeacher => (
            &["small_group_instruction", "technology_and_data"],
            Evidence::Degree,
        ),
        RoleType::ResidentTeacher => (&["small_group_instruction"], Evidence::ObservedEvidence),
        RoleType::Specialist => (specialty, Evidence::Credential),
        RoleType::Paraeducator => (
            &["small_group_instruction", "culture_and_behaviour"],
            Evidence::MicroCredential,
        ),
        RoleType::CommunityEducator | RoleType::Volunteer => {
            (&["mentoring"], Evidence::ObservedEvidence)
        }
    };
    codes
        .iter()
        .map(|c| {
            let mut lvl = (1 + i64::from(years / 6) + rng.gen_range(0..2)).clamp(1, 4);
            // Specialists are credentialed in their specialty; teacher-leaders were chosen for
            // coaching and leading data meetings.
            let floor = match role {
                RoleType::Specialist if *c == codes[0] => 3,
                RoleType::TeacherLeader if matches!(*c, "coaching" | "data_meeting_lead") => 3,
                _ => 1,
            };
            lvl = lvl.max(floor);
            Competency {
                code: (*c).into(),
                level: Level::new(lvl).unwrap_or_else(|_| unreachable!()),
                evidence,
                source: match evidence {
                    Evidence::Licence => "State teaching licence".into(),
                    Evidence::Degree => "B.A. Education".into(),
                    Evidence::Credential => "Specialist endorsement".into(),
                    Evidence::MicroCredential => format!(
                        "“{}” badge of the district's educator academy",
                        ensemble_domain::labels::competency(c)
                    ),
                    Evidence::ObservedEvidence => "Observed by team lead".into(),
                },
            }
        })
        .collect()
}

/// Competencies added after the main random stream (from a generator seeded by the educator's
/// key), so adding them changes no other demo data: novices get unit design and data practice
/// to stretch into; veterans data-meeting and coaching skills; paraeducators, community
/// educators and volunteers some intervention and newcomer-integration skills.
fn extra_competencies(key: &str, role: RoleType, years: u8, out: &mut Vec<Competency>) {
    let seed = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut add = |code: &str, level: i64, evidence: Evidence, source: &str| {
        if !out.iter().any(|c| c.code == code) {
            out.push(Competency {
                code: code.into(),
                level: Level::new(level.clamp(1, 4)).unwrap_or_else(|_| unreachable!()),
                evidence,
                source: source.into(),
            });
        }
    };
    let grown = i64::from(years / 6);
    match role {
        RoleType::NoviceTeacher => {
            add("unit_design", 2, Evidence::Degree, "B.A. Education");
            add(
                "data_meeting_lead",
                1 + rng.gen_range(0..2),
                Evidence::MicroCredential,
                "“Leading data meetings” badge of the district's educator academy",
            );
        }
        RoleType::ExperiencedEducator => {
            add(
                "data_meeting_lead",
                2 + grown.min(1) + rng.gen_range(0..2),
                Evidence::MicroCredential,
                "“Leading data meetings” badge of the district's educator academy",
            );
            add(
                "coaching",
                1 + grown + rng.gen_range(0..2),
                Evidence::ObservedEvidence,
                "Observed by team lead",
            );
            add(
                "technology_and_data",
                1 + rng.gen_range(0..3),
                Evidence::MicroCredential,
                "“Data tools for teams” badge of the district's educator academy",
            );
        }
        RoleType::Paraeducator => {
            if rng.gen_bool(0.6) {
                add(
                    "reading_intervention",
                    2,
                    Evidence::MicroCredential,
                    "“Structured literacy” badge of the district's educator academy",
                );
            }
            if rng.gen_bool(0.3) {
                add(
                    "newcomer_integration",
                    2,
                    Evidence::ObservedEvidence,
                    "Observed by team lead",
                );
            }
        }
        RoleType::CommunityEducator | RoleType::Volunteer if rng.gen_bool(0.5) => {
            add(
                "newcomer_integration",
                2,
                Evidence::ObservedEvidence,
                "Community liaison",
            );
        }
        _ => {}
    }
}

const FIRST_NAMES: [&str; 48] = [
    "Aaliyah",
    "Mateo",
    "Sofia",
    "Liam",
    "Ximena",
    "Noah",
    "Amara",
    "Diego",
    "Mei",
    "Elijah",
    "Fatima",
    "Lucas",
    "Isabella",
    "Kai",
    "Nia",
    "Santiago",
    "Hana",
    "Omar",
    "Valentina",
    "Ethan",
    "Zoe",
    "Jamal",
    "Camila",
    "Ravi",
    "Leah",
    "Tomas",
    "Aiyana",
    "Hugo",
    "Priya",
    "Malik",
    "Lucia",
    "Owen",
    "Ana",
    "Yusuf",
    "Grace",
    "Luis",
    "Maya",
    "Dakota",
    "Elena",
    "Jayden",
    "Naomi",
    "Andrés",
    "Chloe",
    "Tariq",
    "Ivy",
    "Mason",
    "Rosa",
    "Wei",
];
const LAST_NAMES: [&str; 40] = [
    "Garcia",
    "Nguyen",
    "Johnson",
    "Begay",
    "Martinez",
    "Kim",
    "Williams",
    "Lopez",
    "Patel",
    "Brown",
    "Hernandez",
    "Chen",
    "Yazzie",
    "Davis",
    "Rodriguez",
    "Ali",
    "Wilson",
    "Gonzalez",
    "Tsosie",
    "Moore",
    "Sanchez",
    "Okafor",
    "Taylor",
    "Ramirez",
    "Anderson",
    "Torres",
    "Thomas",
    "Flores",
    "Jackson",
    "Rivera",
    "White",
    "Gomez",
    "Harris",
    "Diaz",
    "Clark",
    "Reyes",
    "Lewis",
    "Cruz",
    "Walker",
    "Morales",
];
const INTERESTS: [&str; 16] = [
    "robotics",
    "soccer",
    "drawing",
    "music",
    "coding",
    "animals",
    "astronomy",
    "cooking",
    "basketball",
    "writing stories",
    "gardening",
    "dance",
    "video games",
    "history",
    "photography",
    "chess",
];
const STRENGTHS: [&str; 10] = [
    "curious",
    "collaborative",
    "persistent",
    "creative",
    "leader",
    "careful reader",
    "number sense",
    "kind to peers",
    "organized",
    "asks good questions",
];
const HEALTH: [&str; 5] = [
    "asthma",
    "food allergy",
    "type 1 diabetes",
    "seizure plan",
    "vision impairment",
];
const ETHNICITY: [&str; 6] = [
    "Hispanic or Latino",
    "White",
    "Black or African American",
    "American Indian or Alaska Native",
    "Asian",
    "Two or more races",
];
const LANGUAGES: [&str; 5] = ["Spanish", "Navajo", "Arabic", "Vietnamese", "Somali"];
const TEAM_NAMES: [&str; 8] = [
    "Saguaro",
    "Palo Verde",
    "Mesquite",
    "Ocotillo",
    "Ironwood",
    "Agave",
    "Juniper",
    "Cholla",
];
const PLACE_NAMES: [&str; 10] = [
    "Mesa Verde",
    "Cactus Wren",
    "Rio Salado",
    "Camelback",
    "Sunrise",
    "Granite Peak",
    "Dobson",
    "Kyrene",
    "Tempe Butte",
    "Papago",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_school_is_valid_and_realistic() {
        let (ds, logins) = demo_school(7);
        assert_eq!(ds.validate(), Ok(()));
        assert_eq!(
            ds.schools.len(),
            2,
            "the demo school and a small second school"
        );
        let main = ds.schools[0].sourced_id.clone();
        assert_eq!(ds.students.iter().filter(|s| s.school == main).count(), 600);
        let core: Vec<_> = ds
            .teams
            .iter()
            .filter(|t| t.kind == TeamKind::Core && t.school == main)
            .collect();
        assert!((4..=5).contains(&core.len()));
        for t in &core {
            assert!(
                (3..=5).contains(&t.members.len()),
                "{} has {} members",
                t.name,
                t.members.len()
            );
            assert!(
                (100..=150).contains(&t.roster.len()),
                "{} has {} students",
                t.name,
                t.roster.len()
            );
        }
        assert!(ds.spaces.len() >= 20);
        assert!(ds.spaces.iter().any(|s| s.kind == SpaceKind::Zone));
        assert!(logins.iter().all(|l| l.email.ends_with("@demo.example")));
        let roles: std::collections::HashSet<_> =
            ds.educators.iter().map(|e| e.role_type).collect();
        for r in [
            RoleType::Specialist,
            RoleType::Paraeducator,
            RoleType::CommunityEducator,
        ] {
            assert!(roles.contains(&r), "demo lacks {r:?}");
        }
    }

    /// Every core team's roster holds only the grades its name says (`6 Saguaro`: grade 6,
    /// `4–5 Cholla`: grades 4 and 5), and the flags a leader sees apply somewhere: one team
    /// above the district's default of 45 students per professional educator.
    #[test]
    fn team_names_agree_with_their_rosters() {
        for seed in [1, 7, 42] {
            let (ds, _) = demo_school(seed);
            let grade: std::collections::HashMap<_, _> = ds
                .students
                .iter()
                .map(|s| (s.sourced_id.clone(), i64::from(s.grade.get())))
                .collect();
            let mut over = 0;
            for t in ds.teams.iter().filter(|t| t.kind == TeamKind::Core) {
                let band = t.name.split(' ').next().unwrap_or_default();
                let mut ends = band.split('–').map(|g| g.parse::<i64>().expect("grade"));
                let lo = ends.next().expect("a grade");
                let hi = ends.next().unwrap_or(lo);
                let mut seen = std::collections::BTreeSet::new();
                for s in &t.roster {
                    seen.insert(grade[s]);
                }
                assert!(
                    seen.iter().all(|g| (lo..=hi).contains(g)),
                    "{} holds grades {seen:?}",
                    t.name
                );
                assert_eq!(seen.first(), Some(&lo), "{}", t.name);
                let pros = t
                    .members
                    .iter()
                    .filter(|(e, _)| {
                        ds.educators
                            .iter()
                            .any(|x| &x.sourced_id == e && x.role_type.is_professional())
                    })
                    .count();
                over += usize::from(t.roster.len() > 45 * pros);
            }
            assert_eq!(over, 1, "one over-full team in the demo");
            // Every student of every team has a seat in every block of the week.
            for t in ds.teams.iter().filter(|t| t.kind == TeamKind::Core) {
                let mut seats: std::collections::BTreeMap<_, u32> = Default::default();
                for b in ds.bookings.iter().filter(|b| b.team == t.sourced_id) {
                    *seats.entry((b.day, b.period)).or_default() += b.headcount;
                }
                assert!(!seats.is_empty(), "{} books no space", t.name);
                for (slot, n) in seats {
                    assert_eq!(n as usize, t.roster.len(), "{} at {slot:?}", t.name);
                }
            }
        }
    }

    #[test]
    fn same_seed_same_school() {
        let a = demo_school(3).0;
        let b = demo_school(3).0;
        let names = |d: &Dataset| {
            d.students
                .iter()
                .map(|s| format!("{} {}", s.given_name, s.family_name))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert_ne!(names(&a), names(&demo_school(4).0));
    }

    #[test]
    fn district_scales() {
        let ds = district(5, 4_000, 1);
        assert_eq!(ds.validate(), Ok(()));
        assert_eq!(ds.schools.len(), 5);
        assert_eq!(ds.students.len(), 4_000);
    }
}

/// Accommodations an IEP or 504 plan gives.
const ACCOMMODATIONS: [&str; 8] = [
    "extended time",
    "preferential seating",
    "text-to-speech",
    "frequent breaks",
    "small-group testing",
    "graphic organizers",
    "reduced assignments",
    "check-ins with a trusted adult",
];

/// Skills the demo's formative assessments cover: (code, label).
pub const SKILLS: [(&str, &str); 3] = [
    ("math.fractions", "Fractions"),
    ("ela.main_idea", "Main idea"),
    ("science.ecosystems", "Ecosystems"),
];

/// Activities students choose among for interest groups: (code, label).
pub const OPTIONS: [(&str, &str); 5] = [
    ("robotics", "Robotics"),
    ("art_studio", "Art studio"),
    ("debate", "Debate"),
    ("garden", "School garden"),
    ("music", "Music lab"),
];

/// Weeks of formative data the demo comes with.
pub const WEEKS: usize = 6;

/// Formative data for a generated dataset: weekly results on [`SKILLS`] and ranked choices.
#[derive(Clone, Debug, Default)]
pub struct Formative {
    /// (student sourcedId, skill, date, mastery 0–100, source).
    pub results: Vec<(String, String, String, u32, String)>,
    /// (student sourcedId, options first choice first).
    pub choices: Vec<(String, Vec<String>)>,
}

/// Several weeks of results for every student (each with a starting level, weekly growth and
/// noise; students with an IEP start lower on average) and three ranked choices each. Its own
/// generator, so the rest of the demo stays as it was.
pub fn formative(ds: &Dataset, seed: u64) -> Formative {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xF0F0_5EED);
    let mut out = Formative::default();
    let dates: Vec<String> = (0..WEEKS)
        .map(|w| {
            let day = 7 + 7 * w; // Mondays from 7 September
            if day <= 30 {
                format!("2026-09-{day:02}")
            } else {
                format!("2026-10-{:02}", day - 30)
            }
        })
        .collect();
    let sources = ["Exit ticket", "Quiz", "Observation", "Performance task"];
    for st in &ds.students {
        let id = st.sourced_id.as_str().to_owned();
        for (skill, _) in SKILLS {
            let start: i64 = rng.gen_range(25..85) - if st.needs.iep { 15 } else { 0 };
            let growth: i64 = rng.gen_range(0..5);
            for (w, date) in dates.iter().enumerate() {
                let noise: i64 = rng.gen_range(-6..=6);
                let m = (start + growth * w as i64 + noise).clamp(0, 100) as u32;
                let source = sources[(w + skill.len()) % sources.len()];
                out.results
                    .push((id.clone(), skill.into(), date.clone(), m, source.into()));
            }
        }
        let mut picks: Vec<&str> = OPTIONS.iter().map(|o| o.0).collect();
        picks.shuffle(&mut rng);
        // A student interested in robotics or art ranks it first.
        if let Some(pos) = picks.iter().position(|o| {
            st.profile.interests.iter().any(|i| {
                i.contains("robot") && *o == "robotics" || i.contains("art") && *o == "art_studio"
            })
        }) {
            let first = picks.remove(pos);
            picks.insert(0, first);
        }
        out.choices
            .push((id, picks.iter().take(3).map(|s| (*s).to_owned()).collect()));
    }
    out
}
