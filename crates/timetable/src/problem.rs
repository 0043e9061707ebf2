//! The problem the solver and the verifier work on: the instance's active activities with
//! their resources resolved to subgroups, and every supported constraint in a small set of
//! normalised families. FET's ~90 constraint types map onto these families here, once; the
//! solver and the independent verifier then share nothing but this description.
//!
//! Times are slots, `day * hours + hour`. An activity of duration `d` starting at hour `h`
//! occupies hours `h..h + d` of one day.

use crate::model::Instance;

/// A time slot: `day * hours + hour`.
pub type Slot = usize;

/// Who a per-resource rule looks at: one teacher, or one subgroup (FET applies every
/// students-set constraint to each subgroup under the set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Res {
    Teacher(usize),
    Subgroup(usize),
}

/// A rule on one resource's week (its busy hours per day, optionally only those of
/// activities with one activity tag).
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Hours busy in a day ≤ n; each hour over counts one.
    MaxHoursDaily(u32),
    /// Each day with lessons (every day, unless empty days are allowed) has ≥ n hours; each
    /// hour short counts one.
    MinHoursDaily { min: u32, allow_empty_days: bool },
    /// No run of busy hours longer than n; each hour over, per run, counts one.
    MaxHoursContinuously(u32),
    /// Days with at least one busy hour ≤ n; each day over counts one.
    MaxDaysPerWeek(u32),
    /// Days with at least one busy hour ≥ n; each day short counts one.
    MinDaysPerWeek(u32),
    /// Days with a busy hour in `start..end` ≤ max; each day over counts one.
    IntervalMaxDaysPerWeek { start: u32, end: u32, max: u32 },
    /// Gaps (free hours between the day's first and last busy hour, not counting hours the
    /// resource is unavailable or breaks) summed over the week ≤ n; each gap over counts one.
    MaxGapsPerWeek(u32),
    /// Gaps in each day ≤ n; each gap over counts one.
    MaxGapsPerDay(u32),
    /// Days that begin at the second available hour ≤ n, and no day begins later: each free
    /// available hour before the first lesson beyond what is allowed counts one.
    EarlyMaxBeginningsAtSecondHour(u32),
    /// First to last busy hour of a day spans ≤ n hours; each hour over counts one.
    MaxSpanPerDay(u32),
    /// At least n free hours between the last lesson of a day and the first of the next
    /// (and from the week's last day to the first if `circular`); each hour short counts one.
    MinRestingHours { min: u32, circular: bool },
    /// Building changes between consecutive lessons in a day ≤ n; each change over counts one.
    MaxBuildingChangesPerDay(u32),
    /// Building changes over the week ≤ n; each change over counts one.
    MaxBuildingChangesPerWeek(u32),
    /// Between lessons in different buildings at least n free hours; each change closer
    /// counts one.
    MinGapsBetweenBuildingChanges(u32),
}

/// A constraint on an activity list, a resource or a room.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Each activity starts at one of the allowed slots; each that does not counts one.
    StartSlots {
        acts: Vec<usize>,
        allowed: Vec<bool>,
    },
    /// Every hour each activity occupies is allowed; each activity with a forbidden hour
    /// counts one per forbidden hour.
    OccupiedSlots {
        acts: Vec<usize>,
        allowed: Vec<bool>,
    },
    /// All activities start at the same slot (or day, or hour); each pair that differs
    /// counts one.
    Same { acts: Vec<usize>, what: SameWhat },
    /// No two of the activities overlap in time; each overlapping pair counts one per
    /// shared hour.
    NotOverlapping { acts: Vec<usize> },
    /// Each pair on days closer than `min` counts `min - distance`.
    MinDaysBetween { acts: Vec<usize>, min: u32 },
    /// Each pair on the same day that is not back to back (one ends where the other
    /// starts) counts one. FET's "consecutive if same day".
    ConsecutiveIfSameDay { acts: Vec<usize> },
    /// Each pair on days farther apart than `max` counts `distance - max`.
    MaxDaysBetween { acts: Vec<usize>, max: u32 },
    /// Each same-day pair with fewer than `min` free hours between them counts one.
    MinGapsBetween { acts: Vec<usize>, min: u32 },
    /// `second` starts on the same day right when `first` ends; counts one if not.
    Consecutive { first: usize, second: usize },
    /// The activities (two or three) form one unbroken block in a day, in any order; counts
    /// one if not.
    Grouped { acts: Vec<usize> },
    /// `first` ends before `second` starts (in the week, or only if on the same day);
    /// counts one if not.
    Ordered {
        first: usize,
        second: usize,
        only_if_same_day: bool,
    },
    /// No subgroup of the activity has a lesson after it on its day; each other activity of
    /// a shared subgroup busy at or after its end that day counts one per shared subgroup.
    EndsStudentsDay { act: usize },
    /// The activities together occupy at most `max` of the selected slots; each over counts one.
    OccupyMaxSlots {
        acts: Vec<usize>,
        slots: Vec<bool>,
        max: u32,
    },
    /// In each selected slot at most `max` of the activities are under way; each over counts
    /// one.
    MaxSimultaneous {
        acts: Vec<usize>,
        slots: Vec<bool>,
        max: u32,
    },
    /// A rule on one resource's week, over all its activities or those with `tag`.
    Resource {
        res: Res,
        tag: Option<usize>,
        rule: Rule,
    },
    /// On each day, after the resource's activities with the `first` tag, its next
    /// activity with the `second` tag starts at least `min` hours later (every hour between
    /// counts: free, break or taken by an activity with neither tag); each second-tag run
    /// that starts sooner counts one. An activity with both tags counts as `first`.
    OrderedTagGaps {
        res: Res,
        first: usize,
        second: usize,
        min: u32,
    },
    /// Each activity is in one of the rooms; each that is not counts one.
    Rooms { acts: Vec<usize>, rooms: Vec<usize> },
    /// The activity, in a virtual room, takes exactly these real rooms (as a set; FET's
    /// locked real rooms); otherwise it counts one.
    RealRooms { act: usize, rooms: Vec<usize> },
    /// The room is not used at these slots; each busy hour there counts one. A real room is
    /// also used when an activity in a virtual room takes it.
    RoomUnavailable { room: usize, slots: Vec<bool> },
    /// The activities use at most `max` different rooms; each room over counts one.
    MaxDifferentRooms { acts: Vec<usize>, max: u32 },
    /// Two of the activities back to back on a day are in the same room; each such pair in
    /// two different rooms counts one (activities without a room are not counted).
    SameRoomIfConsecutive { acts: Vec<usize> },
}

/// What [`Kind::Same`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameWhat {
    Time,
    Day,
    Hour,
}

/// A constraint with its weight and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    /// Percent: 100 is hard, below is soft.
    pub weight: f64,
    /// FET's element name, such as `ConstraintMinDaysBetweenActivities`.
    pub source: String,
    /// Line in the `.fet` file.
    pub line: usize,
    pub kind: Kind,
}

impl Constraint {
    pub fn is_hard(&self) -> bool {
        self.weight >= 100.0
    }
}

/// One active activity with what the constraints need of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Act {
    /// Index into [`Instance::activities`].
    pub source: usize,
    pub duration: u32,
    pub teachers: Vec<usize>,
    /// The subgroups the activity's students sets cover, deduplicated.
    pub subgroups: Vec<usize>,
    pub tags: Vec<usize>,
    pub n_students: u32,
    /// FET gives a room only to activities a space constraint names.
    pub needs_room: bool,
}

/// The problem to solve.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub days: usize,
    pub hours: usize,
    pub n_teachers: usize,
    pub n_subgroups_and_sets: usize,
    pub rooms: Vec<ProblemRoom>,
    pub acts: Vec<Act>,
    pub constraints: Vec<Constraint>,
    /// Per resource, the slots where it is unavailable or on a break (hard), which FET does
    /// not count as gaps.
    pub teacher_off: Vec<Vec<bool>>,
    pub subgroup_off: Vec<Vec<bool>>,
}

/// A room as the problem sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemRoom {
    pub capacity: u32,
    pub building: Option<usize>,
    /// A virtual room: its sets of real rooms. An activity in it takes one distinct real
    /// room from each set; those real rooms are busy (and clash) as if the activity were in
    /// each, while the virtual room itself never clashes. Empty for a real room.
    pub real_sets: Vec<Vec<usize>>,
}

impl ProblemRoom {
    pub fn is_virtual(&self) -> bool {
        !self.real_sets.is_empty()
    }
}

impl Problem {
    pub fn slots(&self) -> usize {
        self.days * self.hours
    }
    pub fn slot(&self, day: usize, hour: usize) -> Slot {
        day * self.hours + hour
    }
    pub fn day_of(&self, s: Slot) -> usize {
        s / self.hours
    }
    pub fn hour_of(&self, s: Slot) -> usize {
        s % self.hours
    }
    /// Whether an activity of this duration may start at `s` (it fits in the day).
    pub fn fits(&self, a: usize, s: Slot) -> bool {
        self.hour_of(s) + self.acts[a].duration as usize <= self.hours
    }
}

/// A placement for every activity of a [`Problem`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// Start slot per activity.
    pub start: Vec<Slot>,
    /// Room per activity (`None` for activities that need none).
    pub room: Vec<Option<usize>>,
    /// Per activity in a virtual room, the real rooms it takes (one of each set); empty for
    /// the others. An empty list stands for "empty for every activity".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real: Vec<Vec<usize>>,
}

/// How an instance's subgroup list is indexed: FET's student sets, subgroups are the leaves.
pub(crate) fn subgroups_by_set(inst: &Instance) -> Vec<Vec<usize>> {
    (0..inst.student_sets.len())
        .map(|s| inst.subgroups_of(s))
        .collect()
}
