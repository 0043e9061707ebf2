//! The solver's incremental bookkeeping against the independent verifier: random instances
//! with every constraint family, random moves and swaps (some taken back), and the two must
//! agree on the hard violations and the soft cost of the placement reached.

use ensemble_timetable::problem::*;
use ensemble_timetable::{solver, verify};
use proptest::prelude::*;

fn slots(n: usize, bits: &[bool]) -> Vec<bool> {
    (0..n).map(|i| bits[i % bits.len()]).collect()
}

/// A random problem: 2–4 days × 3–6 hours, a few teachers, subgroups, rooms in two
/// buildings, activities of duration 1–2, and constraints of every kind, hard or soft.
fn problem() -> impl Strategy<Value = Problem> {
    (
        2usize..5,
        3usize..7,
        1usize..4,
        1usize..4,
        1usize..4,
        prop::collection::vec(
            (0usize..8, 0usize..8, 1u32..3, 0usize..4, any::<bool>()),
            2..14,
        ),
        prop::collection::vec(
            (
                0usize..50,
                any::<bool>(),
                0u32..4,
                prop::collection::vec(0usize..14, 1..5),
            ),
            0..18,
        ),
        prop::collection::vec(any::<bool>(), 1..9),
    )
        .prop_map(|(days, hours, nt, ns, nr, acts, cons, bits)| {
            let n_slots = days * hours;
            let acts: Vec<Act> = acts
                .into_iter()
                .enumerate()
                .map(|(i, (t, s, d, tag, room))| Act {
                    source: i,
                    duration: d.min(hours as u32),
                    teachers: if t < nt { vec![t] } else { vec![] },
                    subgroups: if s < ns { vec![s] } else { vec![] },
                    tags: if tag < 2 { vec![tag] } else { vec![] },
                    n_students: 10 * (1 + i as u32 % 3),
                    needs_room: room,
                })
                .collect();
            let n = acts.len();
            // Real rooms 0..nr, then two virtual rooms: one whose sets overlap (every room;
            // the even ones), one whose sets cannot take distinct rooms (room 0 twice).
            let mut rooms: Vec<ProblemRoom> = (0..nr)
                .map(|r| ProblemRoom {
                    capacity: 15 + 10 * r as u32,
                    building: Some(r % 2),
                    real_sets: Vec::new(),
                })
                .collect();
            rooms.push(ProblemRoom {
                capacity: 25,
                building: None,
                real_sets: vec![(0..nr).collect(), (0..nr).step_by(2).collect()],
            });
            rooms.push(ProblemRoom {
                capacity: 40,
                building: Some(0),
                real_sets: vec![vec![0], vec![0]],
            });
            let n_rooms = rooms.len();
            let mut constraints = Vec::new();
            for (k, hard, x, list) in cons {
                let list: Vec<usize> = {
                    let mut l: Vec<usize> = list.into_iter().map(|a| a % n).collect();
                    l.sort_unstable();
                    l.dedup();
                    l
                };
                let a0 = list[0];
                let a1 = *list.get(1).unwrap_or(&((a0 + 1) % n));
                let res = if x % 2 == 0 {
                    Res::Teacher(x as usize % nt)
                } else {
                    Res::Subgroup(x as usize % ns)
                };
                let tag = if k % 3 == 0 { Some(0) } else { None };
                // Kinds 0–21 below; 22–49 are per-resource rules, each rule twice.
                let rule = match k.saturating_sub(22) % 14 {
                    0 => Rule::MaxHoursDaily(x + 1),
                    1 => Rule::MinHoursDaily {
                        min: x + 1,
                        allow_empty_days: hard,
                    },
                    2 => Rule::MaxHoursContinuously(x + 1),
                    3 => Rule::MaxDaysPerWeek(x),
                    4 => Rule::MinDaysPerWeek(x),
                    5 => Rule::IntervalMaxDaysPerWeek {
                        start: 1,
                        end: hours as u32,
                        max: x,
                    },
                    6 => Rule::MaxGapsPerWeek(x),
                    7 => Rule::MaxGapsPerDay(x % 2),
                    8 => Rule::EarlyMaxBeginningsAtSecondHour(x % 2),
                    9 => Rule::MaxSpanPerDay(x + 1),
                    10 => Rule::MinRestingHours {
                        min: x + 1,
                        circular: hard,
                    },
                    11 => Rule::MaxBuildingChangesPerDay(x % 2),
                    12 => Rule::MaxBuildingChangesPerWeek(x),
                    _ => Rule::MinGapsBetweenBuildingChanges(x),
                };
                let kind = match k {
                    0 => Kind::StartSlots {
                        acts: list.clone(),
                        allowed: slots(n_slots, &bits),
                    },
                    1 => Kind::OccupiedSlots {
                        acts: list.clone(),
                        allowed: slots(n_slots, &bits),
                    },
                    2 => Kind::Same {
                        acts: list.clone(),
                        what: SameWhat::Day,
                    },
                    3 => Kind::Same {
                        acts: list.clone(),
                        what: SameWhat::Hour,
                    },
                    4 => Kind::NotOverlapping { acts: list.clone() },
                    5 => Kind::MinDaysBetween {
                        acts: list.clone(),
                        min: x.min(days as u32 - 1),
                    },
                    6 => Kind::ConsecutiveIfSameDay { acts: list.clone() },
                    7 => Kind::MaxDaysBetween {
                        acts: list.clone(),
                        max: x,
                    },
                    8 => Kind::MinGapsBetween {
                        acts: list.clone(),
                        min: x,
                    },
                    9 => Kind::Consecutive {
                        first: a0,
                        second: a1,
                    },
                    10 => Kind::Grouped {
                        acts: list.iter().copied().take(3).collect(),
                    },
                    11 => Kind::Ordered {
                        first: a0,
                        second: a1,
                        only_if_same_day: hard,
                    },
                    12 => Kind::EndsStudentsDay { act: a0 },
                    13 => Kind::OccupyMaxSlots {
                        acts: list.clone(),
                        slots: slots(n_slots, &bits),
                        max: x,
                    },
                    14 => Kind::MaxSimultaneous {
                        acts: list.clone(),
                        slots: slots(n_slots, &bits),
                        max: x % 2,
                    },
                    15 => Kind::Rooms {
                        acts: list.clone(),
                        rooms: (0..n_rooms).filter(|r| r % 2 == x as usize % 2).collect(),
                    },
                    16 => Kind::RoomUnavailable {
                        room: x as usize % n_rooms,
                        slots: slots(n_slots, &bits),
                    },
                    17 => Kind::MaxDifferentRooms {
                        acts: list.clone(),
                        max: x % 2,
                    },
                    18 => Kind::SameRoomIfConsecutive { acts: list.clone() },
                    19 => Kind::Same {
                        acts: list.clone(),
                        what: SameWhat::Time,
                    },
                    20 => Kind::OrderedTagGaps {
                        res,
                        first: (x % 2) as usize,
                        second: 1 - (x % 2) as usize,
                        min: x % 3,
                    },
                    21 => Kind::RealRooms {
                        act: a0,
                        rooms: list.iter().map(|&a| a % nr).take(2).collect(),
                    },
                    _ => Kind::Resource { res, tag, rule },
                };
                constraints.push(Constraint {
                    weight: if hard { 100.0 } else { 10.0 + x as f64 * 20.0 },
                    source: format!("kind {k}"),
                    line: 1,
                    kind,
                });
            }
            // Hard room constraints only on activities that need a room.
            let mut acts = acts;
            for c in &constraints {
                if let Kind::Rooms { acts: l, .. } = &c.kind {
                    for &a in l {
                        acts[a].needs_room = true;
                    }
                }
            }
            Problem {
                days,
                hours,
                n_teachers: nt,
                n_subgroups_and_sets: ns,
                rooms,
                acts,
                constraints,
                teacher_off: vec![slots(n_slots, &[false, false, true]); nt],
                subgroup_off: vec![slots(n_slots, &[false, true, false, false]); ns],
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn solver_bookkeeping_matches_the_verifier(p in problem(), seed in any::<u64>(), moves in 0usize..60) {
        // Some random problems have no allowed time or room for an activity: the solver says
        // so, and that is checked too.
        match solver::random_walk(&p, seed, moves) {
            Ok((placement, hard, soft)) => {
                let v = verify::verify(&p, &placement).expect("the solver's placement is well-formed");
                prop_assert_eq!(hard, v.hard, "hard: solver {} verifier {} {:?}", hard, v.hard, v.violations);
                prop_assert!((soft - v.soft).abs() < 1e-6, "soft: solver {} verifier {} {:?}", soft, v.soft, v.violations);
            }
            Err(solver::Infeasible::NoTime { .. }) | Err(solver::Infeasible::NoRoom { .. }) => {}
        }
    }
}
