//! Endorsement plans: which peers to ask for endorsements, in which order, and where to go
//! when one of them fails.
//!
//! A policy is described as [`Layouts`]: groups of interchangeable peers (for discovery, the
//! peers that satisfy one principal; for a static plan, the peers of one organization) and
//! layouts, each one sufficient way to satisfy the policy (so many peers of this group, so
//! many of that). A [`Plan`] walks them:
//!
//! - layouts that need fewer endorsements, avoid peers that failed recently and include the
//!   client's own organization come first;
//! - within a group, peers close to the highest known ledger height come before lagging ones
//!   (which are used only when nothing else is left: their endorsements would likely be
//!   invalidated), healthy peers before peers set aside after a failure, the client's own
//!   organization's peers before others — and equally good peers take turns (`spread`);
//! - a failed peer is replaced by the next one of its group; when a group has no peer left,
//!   the plan moves to the next layout that can still be met, keeping the endorsements it has.
//!
//! The plan is pure bookkeeping over peer indices; the caller sends the proposals.
//!
//! ```
//! use fabweave::routing::plan::{Candidate, Layouts, Plan, Preferences};
//!
//! // Two organizations with two peers each; the policy needs one of each.
//! let peers = [
//!     Candidate { msp_id: "Org1MSP", height: Some(10), set_aside: false },
//!     Candidate { msp_id: "Org1MSP", height: Some(10), set_aside: false },
//!     Candidate { msp_id: "Org2MSP", height: Some(10), set_aside: false },
//!     Candidate { msp_id: "Org2MSP", height: Some(10), set_aside: false },
//! ];
//! let layouts = Layouts { groups: vec![vec![0, 1], vec![2, 3]], layouts: vec![vec![(0, 1), (1, 1)]] };
//! let prefs = Preferences { own_msp: "Org1MSP", lag_threshold: 5, spread: 0 };
//! let mut plan = Plan::new(&peers, &layouts, &prefs);
//! assert_eq!(plan.next_peers(), vec![0, 2]);
//! plan.endorsed(0);
//! plan.failed(2, "connection refused");
//! assert_eq!(plan.next_peers(), vec![3]); // the other peer of the second group
//! plan.endorsed(3);
//! assert_eq!(plan.satisfied(), Some(vec![0, 3]));
//! ```

/// What a plan needs to know of a candidate peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The peer's MSP ID.
    pub msp_id: &'a str,
    /// Its ledger height, when known (discovery reports it).
    pub height: Option<u64>,
    /// Whether it failed recently (see [`crate::transport::Health`]).
    pub set_aside: bool,
}

/// Groups of interchangeable peers, and the layouts that combine them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layouts {
    /// Each group's peers, as indices into the caller's candidate table.
    pub groups: Vec<Vec<usize>>,
    /// Each layout: `(group index, how many distinct peers of that group)`.
    pub layouts: Vec<Vec<(usize, u32)>>,
}

/// How a plan orders peers.
#[derive(Debug, Clone, Copy)]
pub struct Preferences<'a> {
    /// The client's MSP ID: its peers and layouts including them come first.
    pub own_msp: &'a str,
    /// Peers more than this many blocks behind the highest known height are used only when no
    /// other peer of their group is left.
    pub lag_threshold: u64,
    /// Rotates the choice among equally good peers (pass a counter to spread the load).
    pub spread: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Untried,
    Pending,
    Endorsed,
    Failed,
}

/// Why a group could not be satisfied (see [`Plan::shortfalls`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The group (index into [`Layouts::groups`]).
    pub group: usize,
    /// How many peers of the group the least demanding layout needs.
    pub needed: u32,
    /// How many of its peers endorsed.
    pub endorsed: u32,
    /// Its peers that failed, with why.
    pub failed: Vec<(usize, String)>,
    /// All its peers, in the order they were preferred.
    pub members: Vec<usize>,
}

/// The state of one endorsement: which peers were asked, which answered, which failed.
#[derive(Debug, Clone)]
pub struct Plan {
    groups: Vec<Vec<usize>>,
    layouts: Vec<Vec<(usize, u32)>>,
    state: Vec<State>,
    reasons: Vec<(usize, String)>,
    current: usize,
}

impl Plan {
    /// A plan over `candidates` (indexed by the peer indices of `layouts`) for the given
    /// layouts, ordered by `prefs`. Peer indices outside `candidates` are ignored.
    pub fn new(candidates: &[Candidate<'_>], layouts: &Layouts, prefs: &Preferences<'_>) -> Plan {
        let top = candidates.iter().filter_map(|c| c.height).max();
        let lagging = |c: &Candidate<'_>| match (top, c.height) {
            (Some(top), Some(h)) => top.saturating_sub(h) > prefs.lag_threshold,
            _ => false,
        };
        let groups: Vec<Vec<usize>> = layouts
            .groups
            .iter()
            .map(|members| {
                let mut g: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&p| p < candidates.len())
                    .collect();
                let n = g.len().max(1);
                let mut keyed: Vec<((bool, bool, bool, usize), usize)> = g
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| {
                        let c = &candidates[p];
                        let turn = (i + n - prefs.spread % n) % n;
                        (
                            (lagging(c), c.set_aside, c.msp_id != prefs.own_msp, turn),
                            p,
                        )
                    })
                    .collect();
                keyed.sort_unstable();
                g.clear();
                g.extend(keyed.into_iter().map(|(_, p)| p));
                g
            })
            .collect();
        let count = layouts.layouts.len().max(1);
        let mut keyed: Vec<((usize, u32, bool, usize), usize)> = layouts
            .layouts
            .iter()
            .enumerate()
            .map(|(i, layout)| {
                let mut short_of_healthy = 0;
                let mut total = 0u32;
                let mut own = false;
                for &(g, q) in layout {
                    total = total.saturating_add(q);
                    let members = groups.get(g).map(Vec::as_slice).unwrap_or(&[]);
                    let healthy = members
                        .iter()
                        .filter(|&&p| !candidates[p].set_aside)
                        .count();
                    if healthy < q as usize {
                        short_of_healthy += 1;
                    }
                    own |= members
                        .iter()
                        .any(|&p| candidates[p].msp_id == prefs.own_msp);
                }
                let turn = (i + count - prefs.spread % count) % count;
                ((short_of_healthy, total, !own, turn), i)
            })
            .collect();
        keyed.sort_unstable();
        let layouts = keyed
            .into_iter()
            .map(|(_, i)| layouts.layouts[i].clone())
            .collect();
        Plan {
            groups,
            layouts,
            state: vec![State::Untried; candidates.len()],
            reasons: Vec::new(),
            current: 0,
        }
    }

    /// Distinct peers for each group of layout `l`, taking peers in states accepted by `ok`
    /// (endorsed ones first, then pending, then untried), or `None` if some group cannot get
    /// enough.
    fn assign(&self, l: usize, ok: impl Fn(State) -> bool) -> Option<Vec<usize>> {
        let layout = self.layouts.get(l)?;
        let mut used: Vec<usize> = Vec::new();
        for &(g, q) in layout {
            let members = self.groups.get(g).map(Vec::as_slice).unwrap_or(&[]);
            let mut got = 0u32;
            for pass in [State::Endorsed, State::Pending, State::Untried] {
                if !ok(pass) {
                    continue;
                }
                for &p in members {
                    if got == q {
                        break;
                    }
                    if self.state[p] == pass && !used.contains(&p) {
                        used.push(p);
                        got += 1;
                    }
                }
            }
            if got < q {
                return None;
            }
        }
        Some(used)
    }

    /// The peers to ask now (marked as asked). Empty when the current layout only waits for
    /// answers already asked for, when it is met, or when no layout can be met any more
    /// ([`Plan::is_exhausted`]).
    pub fn next_peers(&mut self) -> Vec<usize> {
        while self.current < self.layouts.len() {
            match self.assign(self.current, |s| s != State::Failed) {
                None => self.current += 1,
                Some(peers) => {
                    let ask: Vec<usize> = peers
                        .into_iter()
                        .filter(|&p| self.state[p] == State::Untried)
                        .collect();
                    for &p in &ask {
                        self.state[p] = State::Pending;
                    }
                    return ask;
                }
            }
        }
        Vec::new()
    }

    /// Records that `peer` endorsed.
    pub fn endorsed(&mut self, peer: usize) {
        if let Some(s) = self.state.get_mut(peer) {
            *s = State::Endorsed;
        }
    }

    /// Records that `peer` failed, and why.
    pub fn failed(&mut self, peer: usize, reason: impl Into<String>) {
        if let Some(s) = self.state.get_mut(peer) {
            *s = State::Failed;
            self.reasons.push((peer, reason.into()));
        }
    }

    /// The peers whose endorsements meet the current layout, once they all endorsed.
    pub fn satisfied(&self) -> Option<Vec<usize>> {
        self.assign(self.current, |s| s == State::Endorsed)
    }

    /// Whether no layout can be met any more.
    pub fn is_exhausted(&self) -> bool {
        self.current >= self.layouts.len()
    }

    /// How many peers were asked and have not answered.
    pub fn pending(&self) -> usize {
        self.state.iter().filter(|s| **s == State::Pending).count()
    }

    /// Why an exhausted plan failed: the groups that lacked peers in some layout (each once,
    /// with the smallest quantity a layout asked of it), with their failed peers.
    pub fn shortfalls(&self) -> Vec<Shortfall> {
        let mut out: Vec<Shortfall> = Vec::new();
        for layout in &self.layouts {
            for &(g, q) in layout {
                let members = self.groups.get(g).map(Vec::as_slice).unwrap_or(&[]);
                let usable = members
                    .iter()
                    .filter(|&&p| self.state[p] != State::Failed)
                    .count();
                if usable >= q as usize {
                    continue;
                }
                if let Some(s) = out.iter_mut().find(|s| s.group == g) {
                    s.needed = s.needed.min(q);
                    continue;
                }
                out.push(Shortfall {
                    group: g,
                    needed: q,
                    endorsed: members
                        .iter()
                        .filter(|&&p| self.state[p] == State::Endorsed)
                        .count() as u32,
                    failed: self
                        .reasons
                        .iter()
                        .filter(|(p, _)| members.contains(p))
                        .cloned()
                        .collect(),
                    members: members.to_vec(),
                });
            }
        }
        out.sort_by_key(|s| s.group);
        out
    }

    /// Every failure recorded, in order: `(peer, why)`.
    pub fn failures(&self) -> &[(usize, String)] {
        &self.reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers(spec: &[(&'static str, u64, bool)]) -> Vec<Candidate<'static>> {
        spec.iter()
            .map(|&(msp_id, h, set_aside)| Candidate {
                msp_id,
                height: Some(h),
                set_aside,
            })
            .collect()
    }

    const PREFS: Preferences<'static> = Preferences {
        own_msp: "A",
        lag_threshold: 5,
        spread: 0,
    };

    #[test]
    fn own_org_layout_first_for_or() {
        let c = peers(&[("B", 9, false), ("A", 9, false)]);
        let l = Layouts {
            groups: vec![vec![0], vec![1]],
            layouts: vec![vec![(0, 1)], vec![(1, 1)]],
        };
        let mut plan = Plan::new(&c, &l, &PREFS);
        assert_eq!(plan.next_peers(), vec![1]);
        assert_eq!(
            plan.next_peers(),
            Vec::<usize>::new(),
            "waits for the pending answer"
        );
        plan.failed(1, "down");
        assert_eq!(plan.next_peers(), vec![0], "moves to the other layout");
        plan.endorsed(0);
        assert_eq!(plan.satisfied(), Some(vec![0]));
    }

    #[test]
    fn lagging_and_set_aside_peers_last() {
        let c = peers(&[("A", 100, true), ("A", 80, false), ("A", 99, false)]);
        let l = Layouts {
            groups: vec![vec![0, 1, 2]],
            layouts: vec![vec![(0, 1)]],
        };
        let mut plan = Plan::new(&c, &l, &PREFS);
        assert_eq!(plan.next_peers(), vec![2]);
        plan.failed(2, "x");
        assert_eq!(
            plan.next_peers(),
            vec![0],
            "set aside but current beats lagging"
        );
        plan.failed(0, "y");
        assert_eq!(plan.next_peers(), vec![1]);
        plan.failed(1, "z");
        assert!(plan.next_peers().is_empty());
        assert!(plan.is_exhausted());
        let s = plan.shortfalls();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].needed, 1);
        assert_eq!(s[0].failed.len(), 3);
    }

    #[test]
    fn spread_rotates_equal_peers() {
        let c = peers(&[("A", 1, false), ("A", 1, false), ("A", 1, false)]);
        let l = Layouts {
            groups: vec![vec![0, 1, 2]],
            layouts: vec![vec![(0, 1)]],
        };
        let firsts: Vec<usize> = (0..3)
            .map(|spread| {
                let prefs = Preferences { spread, ..PREFS };
                Plan::new(&c, &l, &prefs).next_peers()[0]
            })
            .collect();
        let mut sorted = firsts.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2], "{firsts:?}");
    }

    #[test]
    fn peers_in_two_groups_count_once() {
        // OutOf(2, A.member, A.peer) where both groups hold the same two peers.
        let c = peers(&[("A", 1, false), ("A", 1, false)]);
        let l = Layouts {
            groups: vec![vec![0, 1], vec![0, 1]],
            layouts: vec![vec![(0, 1), (1, 1)]],
        };
        let mut plan = Plan::new(&c, &l, &PREFS);
        let mut ask = plan.next_peers();
        ask.sort_unstable();
        assert_eq!(ask, vec![0, 1]);
        plan.endorsed(0);
        assert_eq!(plan.satisfied(), None);
        plan.endorsed(1);
        assert!(plan.satisfied().is_some());
    }

    #[test]
    fn keeps_endorsements_when_switching_layouts() {
        // Layout 0 needs A and B; layout 1 needs A and C. B fails.
        let c = peers(&[("A", 1, false), ("B", 1, false), ("C", 1, false)]);
        let l = Layouts {
            groups: vec![vec![0], vec![1], vec![2]],
            layouts: vec![vec![(0, 1), (1, 1)], vec![(0, 1), (2, 1)]],
        };
        let prefs = Preferences { spread: 0, ..PREFS };
        let mut plan = Plan::new(&c, &l, &prefs);
        let mut ask = plan.next_peers();
        ask.sort_unstable();
        let other = if ask == vec![0, 1] { 1 } else { 2 };
        let third = 3 - other;
        plan.endorsed(0);
        plan.failed(other, "down");
        assert_eq!(plan.next_peers(), vec![third]);
        plan.endorsed(third);
        let mut done = plan.satisfied().unwrap_or_default();
        done.sort_unstable();
        assert_eq!(done, vec![0, third]);
    }

    #[test]
    fn exhausted_names_the_missing_group() {
        let c = peers(&[("A", 1, false), ("B", 1, false), ("B", 1, false)]);
        let l = Layouts {
            groups: vec![vec![0], vec![1, 2]],
            layouts: vec![vec![(0, 1), (1, 1)]],
        };
        let mut plan = Plan::new(&c, &l, &PREFS);
        let ask = plan.next_peers();
        assert_eq!(ask.len(), 2);
        plan.endorsed(0);
        let b = ask.iter().copied().find(|&p| p != 0).unwrap_or(1);
        plan.failed(b, "refused");
        let again = plan.next_peers();
        assert_eq!(again.len(), 1);
        plan.failed(again[0], "refused");
        assert!(plan.next_peers().is_empty());
        assert!(plan.is_exhausted());
        assert_eq!(plan.satisfied(), None);
        let s = plan.shortfalls();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].group, 1);
        assert_eq!(s[0].endorsed, 0);
        assert_eq!(s[0].failed.len(), 2);
    }
}
