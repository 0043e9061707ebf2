//! The designer. Per school: a construction, then late-acceptance hill climbing over team
//! memberships (moves and swaps). Inside each team the responsibilities are assigned exactly
//! by a small branch and bound; the extended team's service minutes by a maximum flow. On small
//! schools an exact method enumerates every membership; at any size a lower bound gives the gap.

use crate::catalog::Readiness;
use crate::model::Model;
use crate::problem::HARD;
use std::collections::HashMap;

/// A deterministic pseudo-random generator (SplitMix64).
pub(crate) struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
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

/// One slot's holder and (for a stretch) coach.
pub(crate) type Pick = Option<(usize, Option<usize>)>;

/// The part of the objective that depends on one team's members only.
#[derive(Clone, Debug, Default)]
pub(crate) struct TeamEval {
    pub cost: i64,
    pub hard: u32,
    pub fte: u32,
    pub kept_pairs: u32,
}

/// The extended team's service allocation: minutes per (provider, service, team).
#[derive(Clone, Debug, Default)]
pub(crate) struct Services {
    pub short_pairs: u32,
    pub alloc: Vec<(usize, usize, usize, u32)>,
}

pub(crate) struct Evaluator<'m, 'a> {
    pub m: &'m Model<'a>,
    /// Per team: evaluations by sorted membership.
    cache: Vec<HashMap<Vec<u16>, TeamEval>>,
    cached: usize,
    pub total_pairs: u32,
    /// Inner assignments the node limit cut short (then "exact" is not claimed).
    pub truncated: std::cell::Cell<u64>,
}

impl<'m, 'a> Evaluator<'m, 'a> {
    pub fn new(m: &'m Model<'a>) -> Self {
        let mut count: HashMap<u32, u32> = HashMap::new();
        for (i, g) in m.group.iter().enumerate() {
            if let (Some(g), false) = (g, m.options[i].is_empty()) {
                *count.entry(*g).or_default() += 1;
            }
        }
        let total_pairs = count.values().map(|&c| c * c.saturating_sub(1) / 2).sum();
        Self {
            m,
            cache: vec![HashMap::new(); m.teams.len()],
            cached: 0,
            total_pairs,
            truncated: std::cell::Cell::new(0),
        }
    }

    pub fn team(&mut self, t: usize, members: &[usize]) -> TeamEval {
        let mut key: Vec<u16> = members.iter().map(|&e| e as u16).collect();
        key.sort_unstable();
        if let Some(v) = self.cache[t].get(key.as_slice()) {
            return v.clone();
        }
        // Evaluated on the sorted membership, so the cached answer never depends on the order
        // the search happened to keep the members in.
        let sorted: Vec<usize> = key.iter().map(|&e| usize::from(e)).collect();
        let v = self.team_uncached(t, &sorted);
        if self.cached > 400_000 {
            self.cache.iter_mut().for_each(HashMap::clear);
            self.cached = 0;
        }
        self.cached += 1;
        self.cache[t].insert(key, v.clone());
        v
    }

    fn team_uncached(&self, t: usize, members: &[usize]) -> TeamEval {
        let m = self.m;
        let pol = &m.p.policy;
        let w = &pol.weights;
        let spec = &m.teams[t];
        let mut hard = 0u32;
        let pros = members.iter().filter(|&&e| m.pro[e]).count() as u32;
        if pros < 2 {
            hard += 1;
        }
        if members.len() as u32 > pol.max_team_size {
            hard += 1;
        }
        if let Some(max) = pol.max_students_per_professional {
            if u64::from(spec.roster) > u64::from(max) * u64::from(pros) {
                hard += 1;
            }
        }
        // A seat that takes more minutes than the person has.
        hard += members
            .iter()
            .filter(|&&e| m.cap[e] < m.core_min[e])
            .count() as u32;
        let inner = self.inner(t, members);
        hard += inner.unfilled;
        let mut soft = inner.soft;
        let experts = members.iter().fold(0u64, |a, &e| a | m.expert[e]);
        soft += i64::from((spec.subjects & !experts).count_ones()) * i64::from(w.content_spread);
        if !members.iter().any(|&e| m.veteran[e]) {
            soft += members.iter().filter(|&&e| m.needs_pair[e]).count() as i64
                * i64::from(w.novice_pairing);
        }
        let tags = members.iter().fold(0u64, |a, &e| a | m.tags[e]);
        let room = m.n_tags.min(members.len() as u32);
        soft += i64::from(room.saturating_sub(tags.count_ones())) * i64::from(w.diversity);
        soft += members
            .iter()
            .filter(|&&e| !m.grade_ok[e][spec.band])
            .count() as i64
            * i64::from(w.preference);
        let mut kept = 0;
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if m.group[a].is_some() && m.group[a] == m.group[b] {
                    kept += 1;
                }
            }
        }
        TeamEval {
            cost: i64::from(hard) * HARD + soft,
            hard,
            fte: members.iter().map(|&e| m.fte[e]).sum(),
            kept_pairs: kept,
        }
    }

    /// Assigns the team's responsibility slots to its members: exact branch and bound (with a
    /// node limit far above what a team of ten needs).
    pub fn inner(&self, t: usize, members: &[usize]) -> Inner {
        let m = self.m;
        let w = &m.p.policy.weights;
        let stretch_cost = i64::from(w.stretch);
        let slots = &m.teams[t].slots;
        // Options per slot: ready holders first, then stretches with each possible coach.
        let mut opts: Vec<Vec<(usize, Option<usize>, i64)>> = slots
            .iter()
            .map(|&k| {
                let mut o = Vec::new();
                for &e in members {
                    if m.ready[k][e] == Readiness::Ready && m.duty[e] >= m.kinds[k].load {
                        o.push((e, None, 0));
                    }
                }
                o.sort_by_key(|&(e, _, _)| (!m.wish[e].contains(&k), std::cmp::Reverse(m.duty[e])));
                for &e in members {
                    if m.ready[k][e] == Readiness::Stretch && m.duty[e] >= m.kinds[k].load {
                        for &c in members {
                            if c != e && m.coach[c] {
                                o.push((e, Some(c), stretch_cost));
                            }
                        }
                    }
                }
                o
            })
            .collect();
        let mut order: Vec<usize> = (0..slots.len()).collect();
        order.sort_by_key(|&i| {
            (
                opts[i].iter().filter(|o| o.2 == 0).count(),
                opts[i].len(),
                i,
            )
        });
        let least = |o: &Vec<(usize, Option<usize>, i64)>| match o.first() {
            Some((_, _, 0)) => 0,
            Some(_) => stretch_cost,
            None => HARD,
        };
        let lb: i64 = opts.iter().map(least).sum();
        let mut suffix = vec![0i64; order.len() + 1];
        for d in (0..order.len()).rev() {
            suffix[d] = suffix[d + 1] + least(&opts[order[d]]);
        }
        let mut s = Search {
            m,
            slots,
            members,
            opts: std::mem::take(&mut opts),
            order,
            rem: members.iter().map(|&e| (e, m.duty[e])).collect(),
            cur: vec![None; slots.len()],
            best: vec![None; slots.len()],
            best_cost: i64::MAX,
            lb,
            nodes: 0,
            pref: i64::from(w.preference),
            load: i64::from(w.load),
            held: vec![0; members.len()],
            free: m.p.policy.holdings_before_load,
            suffix,
        };
        s.dfs(0, 0);
        if s.nodes > NODE_LIMIT {
            self.truncated.set(self.truncated.get() + 1);
        }
        let unfilled = s.best.iter().filter(|p| p.is_none()).count() as u32;
        let hard_part = i64::from(unfilled) * HARD;
        Inner {
            picks: s.best,
            unfilled,
            soft: s.best_cost - hard_part,
        }
    }
}

pub(crate) struct Inner {
    pub picks: Vec<Pick>,
    pub unfilled: u32,
    /// Stretch and responsibility-wish costs.
    pub soft: i64,
}

struct Search<'s, 'm, 'a> {
    m: &'s Model<'a>,
    slots: &'m [usize],
    members: &'s [usize],
    opts: Vec<Vec<(usize, Option<usize>, i64)>>,
    order: Vec<usize>,
    rem: Vec<(usize, u32)>,
    cur: Vec<Pick>,
    best: Vec<Pick>,
    best_cost: i64,
    lb: i64,
    nodes: u32,
    pref: i64,
    load: i64,
    /// Responsibilities each member (as positioned in `rem`) holds so far.
    held: Vec<u32>,
    free: u32,
    /// `suffix[d]`: the least the slots from depth `d` on can cost.
    suffix: Vec<i64>,
}

const NODE_LIMIT: u32 = 20_000;

impl Search<'_, '_, '_> {
    fn pos(&self, e: usize) -> usize {
        self.rem.iter().position(|r| r.0 == e).unwrap_or(0)
    }
    fn rem_of(&mut self, e: usize) -> &mut u32 {
        let i = self.pos(e);
        &mut self.rem[i].1
    }
    fn dfs(&mut self, depth: usize, cost: i64) {
        self.nodes += 1;
        if cost + self.suffix[depth] >= self.best_cost || self.best_cost <= self.lb {
            return;
        }
        if depth == self.order.len() {
            // Wishes: a member who wished for responsibilities and holds none of them. (Load
            // beyond the policy's count was added as it accrued.)
            let mut total = cost;
            for &e in self.members {
                let wished = &self.m.wish[e];
                if !wished.is_empty() {
                    let holds =
                        self.cur.iter().zip(self.slots).any(|(p, k)| {
                            matches!(p, Some((h, _)) if *h == e) && wished.contains(k)
                        });
                    if !holds {
                        total += self.pref;
                    }
                }
            }
            if total < self.best_cost {
                self.best_cost = total;
                self.best = self.cur.clone();
            }
            return;
        }
        let slot = self.order[depth];
        let load = self.m.kinds[self.slots[slot]].load;
        let coach_load = self.m.p.policy.coach_minutes;
        for i in 0..self.opts[slot].len() {
            if self.nodes > NODE_LIMIT && self.best_cost < i64::MAX {
                return;
            }
            let (e, coach, c) = self.opts[slot][i];
            if *self.rem_of(e) < load {
                continue;
            }
            if let Some(co) = coach {
                if *self.rem_of(co) < coach_load {
                    continue;
                }
                *self.rem_of(co) -= coach_load;
            }
            *self.rem_of(e) -= load;
            let at = self.pos(e);
            self.held[at] += 1;
            let extra = if self.held[at] > self.free {
                self.load
            } else {
                0
            };
            self.cur[slot] = Some((e, coach));
            self.dfs(depth + 1, cost + c + extra);
            self.cur[slot] = None;
            self.held[at] -= 1;
            *self.rem_of(e) += load;
            if let Some(co) = coach {
                *self.rem_of(co) += coach_load;
            }
        }
        // Leave it unfilled.
        self.dfs(depth + 1, cost + HARD);
    }
}

/// A maximum flow (Dinic) on adjacency lists: `add` edges, then `run` from source to sink.
struct Flow {
    /// Per edge: (to, capacity left); edge `i ^ 1` is its reverse.
    edges: Vec<(usize, i64)>,
    out: Vec<Vec<usize>>,
}

impl Flow {
    fn new(nodes: usize) -> Self {
        Self {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }
    /// Adds an edge and returns its index (the flow on it is its reverse's capacity).
    fn add(&mut self, from: usize, to: usize, cap: i64) -> usize {
        let i = self.edges.len();
        self.edges.push((to, cap));
        self.edges.push((from, 0));
        self.out[from].push(i);
        self.out[to].push(i + 1);
        i
    }
    fn flow_on(&self, edge: usize) -> i64 {
        self.edges[edge ^ 1].1
    }
    fn run(&mut self, source: usize, sink: usize) {
        let n = self.out.len();
        loop {
            let mut level = vec![usize::MAX; n];
            level[source] = 0;
            let mut queue = std::collections::VecDeque::from([source]);
            while let Some(u) = queue.pop_front() {
                for &e in &self.out[u] {
                    let (v, c) = self.edges[e];
                    if c > 0 && level[v] == usize::MAX {
                        level[v] = level[u] + 1;
                        queue.push_back(v);
                    }
                }
            }
            if level[sink] == usize::MAX {
                return;
            }
            let mut next = vec![0usize; n];
            while self.push(source, sink, i64::MAX, &level, &mut next) > 0 {}
        }
    }
    fn push(&mut self, u: usize, sink: usize, f: i64, level: &[usize], next: &mut [usize]) -> i64 {
        if u == sink {
            return f;
        }
        while next[u] < self.out[u].len() {
            let e = self.out[u][next[u]];
            let (v, c) = self.edges[e];
            if c > 0 && level[v] == level[u] + 1 {
                let got = self.push(v, sink, f.min(c), level, next);
                if got > 0 {
                    self.edges[e].1 -= got;
                    self.edges[e ^ 1].1 += got;
                    return got;
                }
            }
            next[u] += 1;
        }
        0
    }
}

/// Allocates the extended team's service minutes: a maximum flow from providers (their
/// capacity) to services (their demand), then each service's minutes to teams, smallest
/// demand first so the most teams are fully served.
pub(crate) fn services(m: &Model, ext_members: &[usize]) -> Services {
    let ns = m.services.len();
    let providers: Vec<usize> = ext_members
        .iter()
        .copied()
        .filter(|&e| m.services.iter().any(|s| s.qualified.contains(&e)))
        .collect();
    let np = providers.len();
    // Nodes: 0 source, 1..=np providers, then services, then sink.
    let sink = np + ns + 1;
    let mut flow = Flow::new(np + ns + 2);
    let mut arcs = Vec::new();
    for (i, &e) in providers.iter().enumerate() {
        flow.add(0, 1 + i, i64::from(m.cap[e]));
        for (si, s) in m.services.iter().enumerate() {
            if s.qualified.contains(&e) {
                arcs.push((i, si, flow.add(1 + i, 1 + np + si, i64::MAX / 4)));
            }
        }
    }
    for (si, s) in m.services.iter().enumerate() {
        flow.add(
            1 + np + si,
            sink,
            s.demand.iter().map(|&d| i64::from(d)).sum(),
        );
    }
    flow.run(0, sink);
    let mut out = Services::default();
    for (si, s) in m.services.iter().enumerate() {
        // Minutes each provider gives this service.
        let mut give: Vec<(usize, u32)> = arcs
            .iter()
            .filter(|a| a.1 == si)
            .map(|&(i, _, e)| {
                (
                    providers[i],
                    flow.flow_on(e).clamp(0, i64::from(u32::MAX)) as u32,
                )
            })
            .filter(|g| g.1 > 0)
            .collect();
        let mut teams: Vec<usize> = (0..s.demand.len()).filter(|&t| s.demand[t] > 0).collect();
        teams.sort_by_key(|&t| (s.demand[t], t));
        for t in teams {
            let mut need = s.demand[t];
            for g in give.iter_mut() {
                if need == 0 {
                    break;
                }
                let x = g.1.min(need);
                if x > 0 {
                    out.alloc.push((g.0, s.def, t, x));
                    g.1 -= x;
                    need -= x;
                }
            }
            if need > 0 {
                out.short_pairs += 1;
            }
        }
    }
    out
}

/// A full assignment's objective, with the parts the search keeps.
pub(crate) struct State {
    pub assign: Vec<u16>,
    pub members: Vec<Vec<usize>>,
    pub evals: Vec<TeamEval>,
    pub svc: Services,
    pub cost: i64,
}

impl Evaluator<'_, '_> {
    pub fn state(&mut self, assign: Vec<u16>) -> State {
        let m = self.m;
        let nt = m.teams.len();
        let mut members = vec![Vec::new(); nt + 1];
        for (e, &a) in assign.iter().enumerate() {
            members[a as usize].push(e);
        }
        let evals = (0..nt).map(|t| self.team(t, &members[t])).collect();
        let svc = services(m, &members[nt]);
        let mut s = State {
            assign,
            members,
            evals,
            svc,
            cost: 0,
        };
        s.cost = self.total(&s);
        s
    }

    /// Teams' costs, balance, services and continuity.
    pub fn total(&self, s: &State) -> i64 {
        let m = self.m;
        let w = &m.p.policy.weights;
        let teams: i64 = s.evals.iter().map(|e| e.cost).sum();
        let students: u64 = m.teams.iter().map(|t| u64::from(t.roster)).sum();
        let core_fte: u64 = s.evals.iter().map(|e| u64::from(e.fte)).sum();
        let mut balance = 0i64;
        for (t, e) in s.evals.iter().enumerate() {
            let target = (u64::from(m.teams[t].roster) * core_fte / students.max(1)) as i64;
            balance += (i64::from(e.fte) - target).abs() / 100;
        }
        let kept: u32 = s.evals.iter().map(|e| e.kept_pairs).sum();
        teams
            + balance * i64::from(w.balance)
            + i64::from(s.svc.short_pairs) * HARD
            + i64::from(self.total_pairs.saturating_sub(kept)) * i64::from(w.continuity)
    }

    /// Moves educators to new places (list of (educator, new place)), returning the new cost;
    /// the state is updated.
    pub fn apply(&mut self, s: &mut State, moves: &[(usize, u16)]) -> i64 {
        let nt = self.m.teams.len();
        let mut touched = Vec::new();
        for &(e, to) in moves {
            let from = s.assign[e] as usize;
            s.members[from].retain(|&x| x != e);
            s.members[to as usize].push(e);
            s.assign[e] = to;
            touched.push(from);
            touched.push(to as usize);
        }
        touched.sort_unstable();
        touched.dedup();
        for &t in &touched {
            if t < nt {
                s.evals[t] = self.team(t, &s.members[t]);
            }
        }
        if touched.contains(&nt) {
            s.svc = services(self.m, &s.members[nt]);
        }
        s.cost = self.total(s);
        s.cost
    }
}

/// The construction: leads spread first, then the other teachers round-robin, novices next to
/// veterans; paraeducators start on the extended team.
pub(crate) fn construct(m: &Model) -> Vec<u16> {
    let nt = m.teams.len();
    let ext = m.ext();
    let mut assign = vec![ext; m.n];
    let mut load = vec![0usize; nt];
    let es = &m.school.educators;
    let mut order: Vec<usize> = (0..m.n).filter(|&e| m.options[e].contains(&0)).collect();
    let rank = |e: usize| match es[e].role {
        ensemble_domain::RoleType::TeacherLeader => 0,
        ensemble_domain::RoleType::ExperiencedEducator => 1,
        ensemble_domain::RoleType::NoviceTeacher => 2,
        ensemble_domain::RoleType::ResidentTeacher => 3,
        _ => 4,
    };
    order.sort_by_key(|&e| (rank(e), std::cmp::Reverse(es[e].years), e));
    for e in order {
        if !es[e].core_required() || nt == 0 {
            continue;
        }
        let t = (0..nt)
            .min_by_key(|&t| (load[t], m.teams[t].roster, t))
            .unwrap_or(0);
        assign[e] = t as u16;
        load[t] += 1;
    }
    assign
}

/// Late-acceptance hill climbing from `start` for `moves` moves.
pub(crate) fn search(ev: &mut Evaluator, start: Vec<u16>, moves: u32, seed: u64) -> State {
    let m = ev.m;
    let mut s = ev.state(start);
    let movable: Vec<usize> = (0..m.n).filter(|&e| m.options[e].len() > 1).collect();
    if movable.is_empty() {
        return s;
    }
    let mut best = (s.cost, s.assign.clone());
    let mut rng = Rng::new(seed);
    const HISTORY: usize = 64;
    let mut hist = [s.cost; HISTORY];
    for step in 0..moves as usize {
        let e = movable[rng.below(movable.len())];
        let from = s.assign[e];
        let mv: Vec<(usize, u16)> = if rng.below(2) == 0 {
            let opts = &m.options[e];
            let to = opts[rng.below(opts.len())];
            if to == from {
                continue;
            }
            vec![(e, to)]
        } else {
            let f = movable[rng.below(movable.len())];
            let to = s.assign[f];
            if to == from || !m.options[e].contains(&to) || !m.options[f].contains(&from) {
                continue;
            }
            vec![(e, to), (f, from)]
        };
        let before = s.cost;
        let undo: Vec<(usize, u16)> = mv.iter().map(|&(x, _)| (x, s.assign[x])).collect();
        let after = ev.apply(&mut s, &mv);
        let slot = step % HISTORY;
        if after <= before || after <= hist[slot] {
            if after < best.0 {
                best = (after, s.assign.clone());
            }
        } else {
            ev.apply(&mut s, &undo);
        }
        hist[slot] = s.cost;
    }
    if best.0 < s.cost {
        s = ev.state(best.1);
    }
    s
}

/// Every membership, for small schools: the exact optimum of the same objective. `None` when
/// there are more than `limit` memberships.
pub(crate) fn exhaustive(ev: &mut Evaluator, limit: u64) -> Option<State> {
    let m = ev.m;
    let movable: Vec<usize> = (0..m.n).filter(|&e| m.options[e].len() > 1).collect();
    let mut count: u64 = 1;
    for &e in &movable {
        count = count.checked_mul(m.options[e].len() as u64)?;
        if count > limit {
            return None;
        }
    }
    let mut assign: Vec<u16> = (0..m.n)
        .map(|e| m.options[e].first().copied().unwrap_or(m.ext()))
        .collect();
    let mut s = ev.state(assign.clone());
    let mut best = (s.cost, assign.clone());
    let mut digits = vec![0usize; movable.len()];
    loop {
        // Odometer step.
        let mut i = 0;
        let mut moves = Vec::new();
        loop {
            if i == movable.len() {
                let best_state = ev.state(best.1);
                return Some(best_state);
            }
            let e = movable[i];
            digits[i] += 1;
            if digits[i] == m.options[e].len() {
                digits[i] = 0;
                moves.push((e, m.options[e][0]));
                i += 1;
            } else {
                moves.push((e, m.options[e][digits[i]]));
                break;
            }
        }
        for &(e, to) in &moves {
            assign[e] = to;
        }
        let c = ev.apply(&mut s, &moves);
        if c < best.0 {
            best = (c, assign.clone());
        }
    }
}

/// A lower bound on the objective of any design of this school (sum of per-term bounds).
pub(crate) fn lower_bound(m: &Model, with_services: bool) -> i64 {
    let w = &m.p.policy.weights;
    let nt = m.teams.len() as i64;
    let core_candidates: Vec<usize> = (0..m.n).filter(|&e| !m.options[e].is_empty()).collect();
    let pros = core_candidates.iter().filter(|&&e| m.pro[e]).count() as i64;
    // Professionals: a team is fine only with max(2, roster / ratio) of them, so at most the
    // teams whose needs, smallest first, fit in the pool are fine.
    let mut needed: Vec<i64> = m
        .teams
        .iter()
        .map(|t| {
            let by_ratio =
                m.p.policy
                    .max_students_per_professional
                    .map_or(0, |r| t.roster.div_ceil(r.max(1)));
            i64::from(by_ratio.max(2))
        })
        .collect();
    needed.sort_unstable();
    let mut left = pros;
    let fine = needed
        .iter()
        .take_while(|&&n| {
            let ok = n <= left;
            if ok {
                left -= n;
            }
            ok
        })
        .count() as i64;
    let mut lb = (nt - fine).max(0) * HARD;
    // Responsibilities: each slot kind needs one distinct holder per team that carries it.
    for (k, _) in m.kinds.iter().enumerate() {
        let need = m.teams.iter().filter(|t| t.slots.contains(&k)).count() as i64;
        let ready = core_candidates
            .iter()
            .filter(|&&e| m.ready[k][e] == Readiness::Ready)
            .count() as i64;
        let stretch = core_candidates
            .iter()
            .filter(|&&e| m.ready[k][e] == Readiness::Stretch)
            .count() as i64;
        let short = (need - ready).max(0);
        let none = (short - stretch).max(0);
        lb += none * HARD + (short - none) * i64::from(w.stretch);
    }
    // Content: each team lacks a subject unless an expert is on it.
    for (si, _) in m.subjects.iter().enumerate() {
        let need = m
            .teams
            .iter()
            .filter(|t| t.subjects & (1 << si) != 0)
            .count() as i64;
        let experts = core_candidates
            .iter()
            .filter(|&&e| m.expert[e] & (1 << si) != 0)
            .count() as i64;
        lb += (need - experts).max(0) * i64::from(w.content_spread);
    }
    // Services: even with every paraeducator on the extended team, each service serves at most
    // its providers' whole capacity; the teams left short are at least those that do not fit.
    for s in m.services.iter().filter(|_| with_services) {
        let supply: u64 = s
            .qualified
            .iter()
            .filter(|&&e| m.options[e].is_empty() || m.options[e].contains(&m.ext()))
            .map(|&e| u64::from(m.cap[e]))
            .sum();
        let mut demand: Vec<u64> = s.demand.iter().map(|&d| u64::from(d)).collect();
        demand.sort_unstable();
        let mut total: u64 = demand.iter().sum();
        let mut short = 0;
        while total > supply {
            total -= demand.pop().unwrap_or(0);
            short += 1;
        }
        lb += short * HARD;
    }
    // Novices: with no veteran at all, none can be paired.
    if !core_candidates.iter().any(|&e| m.veteran[e]) {
        lb += core_candidates.iter().filter(|&&e| m.needs_pair[e]).count() as i64
            * i64::from(w.novice_pairing);
    }
    lb
}
