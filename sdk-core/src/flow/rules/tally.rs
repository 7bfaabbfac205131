//! What peers' reports of one transaction prove: commit events and ledger lookups alike.
//!
//! One peer's word is not proof. A report counts as proof when a peer of the client's own
//! organization makes it (the organization the client trusts with its ledger), or when two
//! peers agree. When proven reports disagree, the one with more own-organization peers behind
//! it wins, then the one with more peers; a tie is a dispute, and a dispute proves nothing.
//! Fabric validates deterministically, so honest peers never disagree: a dispute means a peer
//! is broken or lying, and the caller must neither report a commit nor send a replacement on
//! it.

/// What one peer reported of a transaction: it is in block `block` with validation code `code`
/// (0: valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    /// The peer's name.
    pub(crate) peer: String,
    /// Whether the peer belongs to the client's own organization.
    pub(crate) own_org: bool,
    /// The validation code.
    pub(crate) code: i32,
    /// The block.
    pub(crate) block: u64,
}

/// What the reports so far prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Proof {
    /// No report.
    Nothing,
    /// Reports, none of which proves anything yet (one foreign peer's word).
    Unproven,
    /// Proven reports disagree, and none has more support than the others.
    Disputed,
    /// The transaction is in `block` with validation `code`; `by` is the index of the report
    /// to name (an own-organization one when there is one).
    Proven {
        /// The validation code.
        code: i32,
        /// The block.
        block: u64,
        /// The report to name as the source.
        by: usize,
    },
}

/// Reports of one transaction, one per peer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    reports: Vec<Report>,
}

/// Support for one code: (own-organization peers, peers).
type Support = (usize, usize);

fn trusted((own, all): Support) -> bool {
    own >= 1 || all >= 2
}

impl Tally {
    /// Adds a report; a second report of the same peer is ignored (its first word stands).
    pub(crate) fn add(&mut self, report: Report) {
        if !self.reports.iter().any(|r| r.peer == report.peer) {
            self.reports.push(report);
        }
    }

    /// The reports, in arrival order.
    pub(crate) fn reports(&self) -> &[Report] {
        &self.reports
    }

    /// What the reports prove.
    pub(crate) fn proof(&self) -> Proof {
        if self.reports.is_empty() {
            return Proof::Nothing;
        }
        let mut codes: Vec<(i32, Support)> = Vec::new();
        for r in &self.reports {
            let entry = match codes.iter_mut().find(|(c, _)| *c == r.code) {
                Some(e) => e,
                None => {
                    codes.push((r.code, (0, 0)));
                    let last = codes.len() - 1;
                    &mut codes[last]
                }
            };
            entry.1 .1 += 1;
            if r.own_org {
                entry.1 .0 += 1;
            }
        }
        let mut proven: Vec<(i32, Support)> =
            codes.into_iter().filter(|(_, s)| trusted(*s)).collect();
        if proven.is_empty() {
            return Proof::Unproven;
        }
        proven.sort_by_key(|p| std::cmp::Reverse(p.1));
        if proven.len() > 1 && proven[0].1 == proven[1].1 {
            return Proof::Disputed;
        }
        let code = proven[0].0;
        let by = self
            .reports
            .iter()
            .position(|r| r.code == code && r.own_org)
            .or_else(|| self.reports.iter().position(|r| r.code == code))
            .unwrap_or(0);
        Proof::Proven {
            code,
            block: self.reports[by].block,
            by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(peer: &str, own_org: bool, code: i32) -> Report {
        Report {
            peer: peer.into(),
            own_org,
            code,
            block: 7,
        }
    }

    fn proof(reports: &[Report]) -> Proof {
        let mut t = Tally::default();
        for x in reports {
            t.add(x.clone());
        }
        t.proof()
    }

    fn code(p: &Proof) -> Option<i32> {
        match p {
            Proof::Proven { code, .. } => Some(*code),
            _ => None,
        }
    }

    #[test]
    fn table() {
        let own_valid = r("p0.org1", true, 0);
        let own2_valid = r("p1.org1", true, 0);
        let own_mvcc = r("p0.org1", true, 11);
        let foreign_mvcc = r("p0.org2", false, 11);
        let foreign2_mvcc = r("p1.org2", false, 11);
        let foreign_valid = r("p1.org2", false, 0);
        let cases: Vec<(&str, Vec<Report>, Proof)> = vec![
            ("nothing", vec![], Proof::Nothing),
            (
                "one own-org peer",
                vec![own_valid.clone()],
                Proof::Proven {
                    code: 0,
                    block: 7,
                    by: 0,
                },
            ),
            (
                "one foreign peer is not proof",
                vec![foreign_mvcc.clone()],
                Proof::Unproven,
            ),
            (
                "two foreign peers agree",
                vec![foreign_mvcc.clone(), foreign2_mvcc.clone()],
                Proof::Proven {
                    code: 11,
                    block: 7,
                    by: 0,
                },
            ),
            (
                "own org beats one foreign liar",
                vec![foreign_mvcc.clone(), own_valid.clone()],
                Proof::Proven {
                    code: 0,
                    block: 7,
                    by: 1,
                },
            ),
            (
                "own org beats two foreign peers",
                vec![
                    foreign_mvcc.clone(),
                    foreign2_mvcc.clone(),
                    own_valid.clone(),
                ],
                Proof::Proven {
                    code: 0,
                    block: 7,
                    by: 2,
                },
            ),
            (
                "own-org peers disagree one to one",
                vec![own_mvcc.clone(), own2_valid.clone()],
                Proof::Disputed,
            ),
            (
                "own-org tie broken by a foreign peer",
                vec![own_mvcc.clone(), own2_valid.clone(), foreign_valid.clone()],
                Proof::Proven {
                    code: 0,
                    block: 7,
                    by: 1,
                },
            ),
            (
                "a second word of a peer does not count",
                vec![foreign_mvcc.clone(), r("p0.org2", false, 11)],
                Proof::Unproven,
            ),
            (
                "foreign peers one to one",
                vec![foreign_mvcc.clone(), foreign_valid.clone()],
                Proof::Unproven,
            ),
        ];
        for (name, reports, want) in cases {
            assert_eq!(proof(&reports), want, "{name}");
        }
    }

    /// A tiny deterministic generator, so failures reproduce.
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// Random report sets: a proven code always has an own-organization peer or two peers
    /// behind it; one foreign peer alone never proves anything; when every report agrees and
    /// one comes from the own organization, that is what is proven; order does not matter.
    #[test]
    fn random_reports_keep_the_rules() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let n = (next(&mut seed) % 6) as usize;
            let mut reports = Vec::new();
            for _ in 0..n {
                let own = next(&mut seed).is_multiple_of(2);
                let code = [0, 0, 11, 12][(next(&mut seed) % 4) as usize];
                let peer = format!("p{}", next(&mut seed) % 5);
                reports.push(r(&peer, own, code));
            }
            let mut t = Tally::default();
            for x in &reports {
                t.add(x.clone());
            }
            let kept = t.reports().to_vec();
            let p = t.proof();
            if let Proof::Proven { code, by, .. } = &p {
                let behind: Vec<&Report> = kept.iter().filter(|x| x.code == *code).collect();
                assert!(
                    behind.iter().any(|x| x.own_org) || behind.len() >= 2,
                    "{kept:?} → {p:?}"
                );
                assert_eq!(kept[*by].code, *code);
            }
            if kept.len() == 1 && !kept[0].own_org {
                assert_eq!(p, Proof::Unproven, "{kept:?}");
            }
            if !kept.is_empty()
                && kept.iter().all(|x| x.code == kept[0].code)
                && kept.iter().any(|x| x.own_org)
            {
                assert_eq!(code(&p), Some(kept[0].code), "{kept:?}");
            }
            let mut reversed = Tally::default();
            for x in kept.iter().rev() {
                reversed.add(x.clone());
            }
            assert_eq!(code(&reversed.proof()), code(&p), "{kept:?}");
        }
    }
}
