//! The timetabling problem with dense indices: every name is resolved to a position once, so
//! the solver works on integers.

/// A teacher.
#[derive(Clone, Debug, PartialEq)]
pub struct Teacher {
    pub name: String,
    /// Subjects the teacher may teach (FET's `Qualified_Subjects`; empty means unrestricted).
    pub qualified_subjects: Vec<usize>,
    pub target_hours: Option<u32>,
}

/// What a student set is in the hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetKind {
    Year,
    Group,
    Subgroup,
}

/// A year, group or subgroup. A name may appear at several places in FET's tree (a group
/// shared by two years); it is one set here, with all its parents.
#[derive(Clone, Debug, PartialEq)]
pub struct StudentSet {
    pub name: String,
    pub kind: SetKind,
    pub students: u32,
    pub parents: Vec<usize>,
    pub children: Vec<usize>,
}

/// A room (or a virtual room standing for a set of real ones).
#[derive(Clone, Debug, PartialEq)]
pub struct Room {
    pub name: String,
    pub building: Option<usize>,
    pub capacity: u32,
    /// For a virtual room: the sets of real rooms, one room of each set to be taken.
    pub real_room_sets: Vec<Vec<usize>>,
}

/// One activity (a sub-activity when its group splits a weekly total into parts).
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// FET's id.
    pub id: u32,
    /// FET's `Activity_Group_Id` (0 or its own id when not split).
    pub group_id: u32,
    pub duration: u32,
    pub total_duration: u32,
    pub teachers: Vec<usize>,
    pub subject: usize,
    pub tags: Vec<usize>,
    pub students: Vec<usize>,
    /// Head count: FET's explicit `Number_of_Students`, or the sum of the sets'.
    pub n_students: u32,
    pub active: bool,
}

/// A constraint as written in the file, kept for the solver; inactive ones are not kept.
#[derive(Clone, Debug, PartialEq)]
pub struct RawConstraint {
    /// The element name, such as `ConstraintMinDaysBetweenActivities`.
    pub kind: String,
    /// 100 is hard; below 100 soft.
    pub weight: f64,
    pub line: usize,
    /// The fields as (name, text) pairs in file order; repeated fields repeat.
    pub fields: Vec<(String, String)>,
}

impl RawConstraint {
    pub fn is_time(&self) -> bool {
        !self.is_space()
    }
    /// Space constraints live in FET's `Space_Constraints_List`.
    pub fn is_space(&self) -> bool {
        self.kind.contains("Room")
            || self.kind.contains("Building")
            || self.kind == "ConstraintBasicCompulsorySpace"
    }
}

/// A whole timetabling problem.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instance {
    pub name: String,
    pub days: Vec<String>,
    pub hours: Vec<String>,
    pub subjects: Vec<String>,
    pub activity_tags: Vec<String>,
    pub teachers: Vec<Teacher>,
    pub student_sets: Vec<StudentSet>,
    pub buildings: Vec<String>,
    pub rooms: Vec<Room>,
    pub activities: Vec<Activity>,
    pub time_constraints: Vec<RawConstraint>,
    pub space_constraints: Vec<RawConstraint>,
}

impl Instance {
    pub fn slots(&self) -> usize {
        self.days.len() * self.hours.len()
    }
    /// The subgroups under a set (itself, for a subgroup), deduplicated, in index order.
    pub fn subgroups_of(&self, set: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![set];
        let mut seen = vec![false; self.student_sets.len()];
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            let st = &self.student_sets[s];
            if st.children.is_empty() {
                out.push(s);
            } else {
                stack.extend(st.children.iter().copied());
            }
        }
        out.sort_unstable();
        out
    }
}
