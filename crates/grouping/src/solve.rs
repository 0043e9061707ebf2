//! The grouping engine: one group per educator present. A construction by strategy, then
//! late-acceptance hill climbing with moves and swaps; each move re-costs only the two groups
//! it touches. Spaces go to groups by size (largest group, largest space). Small blocks can be
//! solved exactly by trying every grouping.

use crate::problem::*;

/// Per student and educator, what the objective needs, precomputed.
pub(crate) struct Model<'a> {
    pub input: &'a Input,
    pub n: usize,
    pub g: usize,
    pub mastery: Vec<Option<i64>>,
    /// `service_ok[s][g]`: the student's required service (if any) is given by educator g.
    pub service_ok: Vec<Vec<bool>>,
    /// `knows[s][g]`, and whether any present educator knows the student.
    pub knows: Vec<Vec<bool>>,
    pub knows_any: Vec<bool>,
    /// Last cycle's educator if present, and the mastery changed little.
    pub stay: Vec<Option<usize>>,
    /// `rank[s][g]`: steps down the student's choices of group g's option.
    pub rank: Vec<Vec<i64>>,
    /// Most students per group (group size and the educator's own limit).
    pub cap: Vec<i64>,
    /// Fewest students per non-empty group (the educator's own, else the block's).
    pub lo: Vec<i64>,
    /// Educators who must lead a group.
    pub required: Vec<bool>,
    pub team_sum: i64,
    pub team_count: i64,
    pub options: Vec<Option<String>>,
    /// Spaces by capacity, largest first (ties by index).
    pub spaces_sorted: Vec<usize>,
}

impl<'a> Model<'a> {
    pub fn new(input: &'a Input) -> Self {
        let n = input.students.len();
        let g = input.educators.len();
        let options = input.option_of();
        let mastery: Vec<Option<i64>> = input
            .students
            .iter()
            .map(|s| s.mastery.map(i64::from))
            .collect();
        let service_ok = input
            .students
            .iter()
            .map(|s| {
                input
                    .educators
                    .iter()
                    .map(|e| Input::may_serve(e, s.requires.as_ref()))
                    .collect()
            })
            .collect();
        let knows: Vec<Vec<bool>> = input
            .students
            .iter()
            .map(|s| {
                input
                    .educators
                    .iter()
                    .map(|e| e.relationships.contains(&s.id))
                    .collect()
            })
            .collect();
        let knows_any = knows.iter().map(|k| k.iter().any(|&b| b)).collect();
        let stay = input
            .students
            .iter()
            .map(|s| {
                let prev = s.previous_educator.as_ref()?;
                let gi = input.educators.iter().position(|e| &e.id == prev)?;
                let small = match (s.mastery, s.previous_mastery) {
                    (Some(a), Some(b)) => a.abs_diff(b) < input.stability_threshold,
                    _ => true,
                };
                small.then_some(gi)
            })
            .collect();
        let rank = input
            .students
            .iter()
            .map(|s| {
                options
                    .iter()
                    .map(|o| match o {
                        _ if s.choices.is_empty() => 0,
                        Some(code) => {
                            s.choices
                                .iter()
                                .position(|c| c == code)
                                .unwrap_or(s.choices.len()) as i64
                        }
                        None => s.choices.len() as i64,
                    })
                    .collect()
            })
            .collect();
        let hi = i64::from(input.group_size[1]);
        let cap = input
            .educators
            .iter()
            .map(|e| e.max_group.map_or(hi, |m| hi.min(i64::from(m))))
            .collect();
        let lo = input
            .educators
            .iter()
            .map(|e| i64::from(e.min_group.unwrap_or(input.group_size[0])))
            .collect();
        let required = input.educators.iter().map(|e| e.required).collect();
        let mut spaces_sorted: Vec<usize> = (0..input.spaces.len()).collect();
        spaces_sorted.sort_by_key(|&si| (std::cmp::Reverse(input.spaces[si].capacity), si));
        let team_sum = mastery.iter().flatten().sum();
        let team_count = mastery.iter().flatten().count() as i64;
        Self {
            input,
            n,
            g,
            mastery,
            service_ok,
            knows,
            knows_any,
            stay,
            rank,
            cap,
            lo,
            required,
            team_sum,
            team_count,
            options,
            spaces_sorted,
        }
    }

    /// The cost of group `gi` with these members, without spaces: (hard units, soft).
    pub fn group_cost(&self, gi: usize, members: &[usize]) -> (i64, i64) {
        let inp = self.input;
        let w = &inp.weights;
        let n = members.len() as i64;
        let mut hard = 0i64;
        if n > 0 {
            hard += (self.lo[gi] - n).max(0);
            hard += (n - self.cap[gi]).max(0);
        } else if self.required[gi] {
            // A professional of the team with no students: as many units as the smallest
            // group they would lead.
            hard += self.lo[gi].max(1);
        }
        hard += members.iter().filter(|&&s| !self.service_ok[s][gi]).count() as i64;
        let mut soft = 0i64;
        let (mut m, mut sum, mut sq) = (0i64, 0i64, 0i64);
        for &s in members {
            if let Some(x) = self.mastery[s] {
                m += 1;
                sum += x;
                sq += x * x;
            }
        }
        match inp.strategy {
            Strategy::Need => {
                if m > 0 {
                    soft += (m * sq - sum * sum) * i64::from(w.homogeneity) / (100 * m);
                    let e = &inp.educators[gi];
                    let supports = matches!(
                        e.role,
                        EducatorRole::Intervention | EducatorRole::Specialist
                    );
                    if sum < 60 * m && !supports {
                        soft += m * i64::from(w.expertise);
                    }
                    if sum >= 80 * m && e.role != EducatorRole::ContentLead && e.expertise < 4 {
                        soft += m * i64::from(w.expertise);
                    }
                }
            }
            Strategy::Mixed => {
                if m > 0 && self.team_count > 0 {
                    soft += (m * self.team_sum - self.team_count * sum).abs()
                        * i64::from(w.balance)
                        / self.team_count;
                }
            }
            Strategy::Interest => {
                soft +=
                    members.iter().map(|&s| self.rank[s][gi]).sum::<i64>() * i64::from(w.choice);
            }
        }
        for &s in members {
            if self.knows_any[s] && !self.knows[s][gi] {
                soft += i64::from(w.relationship);
            }
            if self.stay[s].is_some_and(|p| p != gi) {
                soft += i64::from(w.stability);
            }
        }
        (hard, soft)
    }

    /// Spaces for groups of these sizes: largest group, largest space (ties by index). Returns
    /// each group's space and the hard units (students over capacity, or in no space).
    pub fn spaces(&self, sizes: &[usize]) -> (Vec<Option<usize>>, i64) {
        let mut groups: Vec<usize> = (0..self.g).collect();
        groups.sort_by_key(|&gi| (std::cmp::Reverse(sizes[gi]), gi));
        let spaces = &self.spaces_sorted;
        let mut out = vec![None; self.g];
        let mut hard = 0i64;
        for (k, &gi) in groups.iter().enumerate() {
            match spaces.get(k) {
                Some(&si) => {
                    out[gi] = Some(si);
                    hard += (sizes[gi] as i64 - i64::from(self.input.spaces[si].capacity)).max(0);
                }
                None => hard += sizes[gi] as i64,
            }
        }
        (out, hard)
    }
}

pub(crate) struct State {
    pub of: Vec<usize>,
    pub members: Vec<Vec<usize>>,
    pub costs: Vec<(i64, i64)>,
    pub total: i64,
    buf: Vec<usize>,
}

impl Model<'_> {
    pub fn state(&self, of: Vec<usize>) -> State {
        let mut members = vec![Vec::new(); self.g];
        for (s, &gi) in of.iter().enumerate() {
            members[gi].push(s);
        }
        let costs = (0..self.g)
            .map(|gi| self.group_cost(gi, &members[gi]))
            .collect();
        let mut st = State {
            of,
            members,
            costs,
            total: 0,
            buf: Vec::with_capacity(self.g),
        };
        st.total = self.total(&mut st);
        st
    }

    /// Students over their space's capacity or with no space, for the sizes in `st` (the same
    /// pairing as [`Model::spaces`], without allocating).
    fn space_hard(&self, st: &mut State) -> i64 {
        let buf = &mut st.buf;
        buf.clear();
        buf.extend(0..self.g);
        let members = &st.members;
        buf.sort_unstable_by_key(|&gi| (std::cmp::Reverse(members[gi].len()), gi));
        let mut hard = 0i64;
        for (k, &gi) in buf.iter().enumerate() {
            let n = members[gi].len() as i64;
            hard += match self.spaces_sorted.get(k) {
                Some(&si) => (n - i64::from(self.input.spaces[si].capacity)).max(0),
                None => n,
            };
        }
        hard
    }

    pub fn total(&self, st: &mut State) -> i64 {
        let space_hard = self.space_hard(st);
        let (h, s) = st
            .costs
            .iter()
            .fold((0, 0), |(a, b), (h, s)| (a + h, b + s));
        (h + space_hard) * HARD + s
    }

    fn apply(&self, st: &mut State, moves: &[(usize, usize)]) -> i64 {
        let mut touched = [usize::MAX; 4];
        let mut k = 0;
        for &(s, to) in moves {
            let from = st.of[s];
            if let Some(i) = st.members[from].iter().position(|&x| x == s) {
                st.members[from].swap_remove(i);
            }
            st.members[to].push(s);
            st.of[s] = to;
            for gi in [from, to] {
                if !touched[..k].contains(&gi) && k < touched.len() {
                    touched[k] = gi;
                    k += 1;
                }
            }
        }
        if moves.len() > 2 {
            // Not used by the search; recompute every group to stay correct.
            for gi in 0..self.g {
                st.costs[gi] = self.group_cost(gi, &st.members[gi]);
            }
        }
        for &gi in &touched[..k] {
            st.costs[gi] = self.group_cost(gi, &st.members[gi]);
        }
        st.total = self.total(st);
        st.total
    }

    /// Moves `students`, all of group `from`, to group `to` (a merge when it is all of them,
    /// a split when it is some).
    fn move_set(&self, st: &mut State, students: &[usize], from: usize, to: usize) -> i64 {
        for &s in students {
            if let Some(i) = st.members[from].iter().position(|&x| x == s) {
                st.members[from].swap_remove(i);
            }
            st.members[to].push(s);
            st.of[s] = to;
        }
        st.costs[from] = self.group_cost(from, &st.members[from]);
        st.costs[to] = self.group_cost(to, &st.members[to]);
        st.total = self.total(st);
        st.total
    }
}

/// The strategy's construction.
pub(crate) fn construct(m: &Model) -> Vec<usize> {
    let inp = m.input;
    let n = m.n;
    let g = m.g;
    let mut of = vec![0usize; n];
    if n == 0 {
        return of;
    }
    let key = |s: usize| m.mastery[s].unwrap_or(50);
    // Open only as many groups as the smallest size allows (at least enough for the largest),
    // and at least one for each educator who must lead.
    let lo = inp.group_size[0].max(1) as usize;
    let hi = inp.group_size[1].max(1) as usize;
    let required = m.required.iter().filter(|&&r| r).count();
    let g = g.min((n / lo).max(n.div_ceil(hi)).max(required).max(1));
    // Educators from most supportive to most advanced.
    let lane = |e: usize| {
        let x = &inp.educators[e];
        let lane = match x.role {
            EducatorRole::Intervention | EducatorRole::Specialist => 0,
            EducatorRole::General => 1,
            EducatorRole::ContentLead => 2,
        };
        (lane, x.expertise, e)
    };
    // The `g` groups opened: every educator who must lead, then the others spread over the
    // lanes; kept in lane order.
    let mut others: Vec<usize> = (0..m.g).filter(|&e| !m.required[e]).collect();
    others.sort_by_key(|&e| lane(e));
    let extra = g - required.min(g);
    let mut opened: Vec<usize> = (0..m.g).filter(|&e| m.required[e]).collect();
    opened.extend((0..extra.min(others.len())).map(|i| others[i * others.len() / extra.max(1)]));
    opened.sort_by_key(|&e| lane(e));
    opened.dedup();
    let g = opened.len().max(1);
    match inp.strategy {
        Strategy::Need => {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&s| (key(s), s));
            for (k, &s) in order.iter().enumerate() {
                of[s] = opened[k * g / n];
            }
        }
        Strategy::Mixed => {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&s| (key(s), s));
            for (k, &s) in order.iter().enumerate() {
                let round = k / g;
                let pos = k % g;
                of[s] = opened[if round.is_multiple_of(2) {
                    pos
                } else {
                    g - 1 - pos
                }];
            }
        }
        Strategy::Interest => {
            let g = m.g;
            let mut size = vec![0i64; g];
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&s| (inp.students[s].choices.len(), s));
            for s in order {
                let best = (0..g)
                    .filter(|&gi| size[gi] < m.cap[gi])
                    .min_by_key(|&gi| (m.rank[s][gi], size[gi], gi))
                    .or_else(|| (0..g).min_by_key(|&gi| (size[gi], gi)))
                    .unwrap_or(0);
                of[s] = best;
                size[best] += 1;
            }
        }
    }
    // Students whose plan needs a specialist go to one who gives the service.
    for (s, place) in of.iter_mut().enumerate() {
        if !m.service_ok[s][*place] {
            if let Some(gi) = (0..m.g).find(|&gi| m.service_ok[s][gi]) {
                *place = gi;
            }
        }
    }
    of
}

/// A deterministic generator (SplitMix64).
pub(crate) struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

enum Undo {
    Moves([(usize, usize); 2], usize),
    /// Students moved together from the first group to the second.
    Set(Vec<usize>, usize, usize),
}

/// Late-acceptance hill climbing from `start`.
pub(crate) fn search(m: &Model, start: Vec<usize>, moves: u64, seed: u64) -> (State, u64) {
    let mut st = m.state(start);
    if m.n == 0 || m.g < 2 {
        return (st, 0);
    }
    let mut best = (st.total, st.of.clone());
    let mut rng = Rng::new(seed);
    const HISTORY: usize = 50;
    let mut hist = [st.total; HISTORY];
    let mut done = 0;
    for step in 0..moves as usize {
        let s = rng.below(m.n);
        let from = st.of[s];
        let before = st.total;
        let kind = rng.below(16);
        let after;
        // Each move remembers how to undo itself.
        let undo: Undo;
        if kind <= 1 {
            // Merge the student's group into another (fewer, fuller groups), or split off every
            // other student of it (the way back out of one big group).
            let to = rng.below(m.g);
            if to == from {
                continue;
            }
            let moved: Vec<usize> = if kind == 0 {
                st.members[from].clone()
            } else {
                st.members[from].iter().copied().step_by(2).collect()
            };
            if moved.is_empty() {
                continue;
            }
            after = m.move_set(&mut st, &moved, from, to);
            undo = Undo::Set(moved, from, to);
        } else if kind < 9 {
            let to = rng.below(m.g);
            if to == from {
                continue;
            }
            after = m.apply(&mut st, &[(s, to)]);
            undo = Undo::Moves([(s, from), (s, from)], 1);
        } else {
            let t = rng.below(m.n);
            let to = st.of[t];
            if to == from {
                continue;
            }
            after = m.apply(&mut st, &[(s, to), (t, from)]);
            undo = Undo::Moves([(s, from), (t, to)], 2);
        }
        done += 1;
        let slot = step % HISTORY;
        if after <= before || after <= hist[slot] {
            if after < best.0 {
                best = (after, st.of.clone());
            }
        } else {
            match undo {
                Undo::Moves(mv, k) => {
                    m.apply(&mut st, &mv[..k]);
                }
                Undo::Set(moved, back, to) => {
                    m.move_set(&mut st, &moved, to, back);
                }
            }
        }
        hist[slot] = st.total;
    }
    if best.0 < st.total {
        st = m.state(best.1);
    }
    (st, done)
}

/// Every grouping, when there are at most `limit`: the exact optimum of the same objective.
pub(crate) fn exhaustive(m: &Model, limit: u64) -> Option<State> {
    let total = (m.g as u64).checked_pow(m.n as u32)?;
    if total > limit || m.n == 0 {
        return None;
    }
    let mut of = vec![0usize; m.n];
    let mut st = m.state(of.clone());
    let mut best = (st.total, of.clone());
    loop {
        let mut i = 0;
        let mut moves = Vec::new();
        loop {
            if i == m.n {
                return Some(m.state(best.1));
            }
            of[i] += 1;
            if of[i] == m.g {
                of[i] = 0;
                moves.push((i, 0));
                i += 1;
            } else {
                moves.push((i, of[i]));
                break;
            }
        }
        let c = m.apply(&mut st, &moves);
        if c < best.0 {
            best = (c, of.clone());
        }
    }
}
