//! The CPU cost of choosing endorsers, per transaction, without a network:
//!
//! - `plan 20 orgs, 3 layouts`: what every submit does with a discovery answer for a 20-org
//!   channel (2 peers per org, heights known, one peer set aside): order the peers of 20 groups
//!   and 3 layouts of 11 groups each ([`Plan::new`]), pick the first peers to ask, record their
//!   endorsements and find the layout met;
//! - `... with failover`: the same with one peer of the first layout failing (its group's other
//!   peer is asked);
//! - `policy layouts`: the minimal layouts of signature policies parsed from text, as computed
//!   where discovery is off (a 2-org AND, and a 20-org `OutOf(11, …)` capped at 64 layouts).
//!
//! Run: `cargo bench -p fabweave --bench routing_plan`
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use fabweave::routing::plan::{Candidate, Layouts, Plan, Preferences};
use fabweave::routing::policy::SignaturePolicy;

const ORGS: usize = 20;

fn msp_names() -> Vec<String> {
    (0..ORGS).map(|i| format!("Org{i}MSP")).collect()
}

fn layouts() -> Layouts {
    // Group g holds peers 2g and 2g+1; three layouts of 11 organizations each.
    Layouts {
        groups: (0..ORGS).map(|g| vec![2 * g, 2 * g + 1]).collect(),
        layouts: [0usize, 4, 9]
            .iter()
            .map(|&start| (start..start + 11).map(|g| (g % ORGS, 1)).collect())
            .collect(),
    }
}

fn walk(candidates: &[Candidate<'_>], layouts: &Layouts, spread: usize, fail_first: bool) -> usize {
    let prefs = Preferences {
        own_msp: "Org0MSP",
        lag_threshold: 5,
        spread,
    };
    let mut plan = Plan::new(candidates, layouts, &prefs);
    let mut ask = plan.next_peers();
    let mut failed = !fail_first;
    while !ask.is_empty() {
        for &p in &ask {
            if !failed {
                plan.failed(p, "unavailable");
                failed = true;
            } else {
                plan.endorsed(p);
            }
        }
        ask = plan.next_peers();
    }
    plan.satisfied().map_or(0, |s| s.len())
}

fn bench(c: &mut Criterion) {
    let names = msp_names();
    let candidates: Vec<Candidate<'_>> = (0..2 * ORGS)
        .map(|p| Candidate {
            msp_id: &names[p / 2],
            height: Some(1000 - (p as u64 % 3)),
            set_aside: p == 7,
        })
        .collect();
    let layouts = layouts();
    assert_eq!(walk(&candidates, &layouts, 0, false), 11);
    assert_eq!(walk(&candidates, &layouts, 0, true), 11);

    let mut g = c.benchmark_group("routing");
    let mut spread = 0usize;
    g.bench_function("plan 20 orgs, 3 layouts", |b| {
        b.iter(|| {
            spread += 1;
            black_box(walk(
                black_box(&candidates),
                black_box(&layouts),
                spread,
                false,
            ))
        })
    });
    g.bench_function("plan 20 orgs, 3 layouts, with failover", |b| {
        b.iter(|| {
            spread += 1;
            black_box(walk(
                black_box(&candidates),
                black_box(&layouts),
                spread,
                true,
            ))
        })
    });

    let and2 = SignaturePolicy::parse("AND('Org1MSP.peer', 'Org2MSP.peer')").unwrap();
    let principals: Vec<String> = names.iter().map(|n| format!("'{n}.peer'")).collect();
    let outof = SignaturePolicy::parse(&format!("OutOf(11, {})", principals.join(", "))).unwrap();
    assert_eq!(outof.layouts(64).len(), 64);
    g.bench_function("policy layouts: AND of 2 orgs", |b| {
        b.iter(|| black_box(black_box(&and2).layouts(64)))
    });
    g.bench_function("policy layouts: OutOf(11) of 20 orgs, 64 layouts", |b| {
        b.iter(|| black_box(black_box(&outof).layouts(64)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
