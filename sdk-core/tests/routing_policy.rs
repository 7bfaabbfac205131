//! Signature policies: text form, envelopes, evaluation and layouts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use fabweave::proto::common::msp_principal::Classification;
use fabweave::proto::common::SignaturePolicy as ProtoRule;
use fabweave::proto::common::*;
use fabweave::routing::policy::SignaturePolicy;
use fabweave::routing::policy::*;
use fabweave::{ConfigProblem, Error, ErrorKind};
use prost::Message;

fn p(msp: &str, role: Role) -> Principal {
    Principal::new(msp, role)
}

fn parse(text: &str) -> SignaturePolicy {
    match SignaturePolicy::parse(text) {
        Ok(policy) => policy,
        Err(e) => panic!("{text:?} does not parse: {e}"),
    }
}

fn signed(i: usize) -> Rule {
    Rule::SignedBy(i)
}

fn out_of(n: usize, rules: Vec<Rule>) -> Rule {
    Rule::OutOf { n, rules }
}

/// The `(expected, found)` of an endorsement-policy configuration error.
fn config_error(result: fabweave::Result<SignaturePolicy>) -> (String, String) {
    match result {
        Ok(policy) => panic!("expected an error, got {policy}"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            match e {
                Error::Config {
                    key,
                    problem: ConfigProblem::InvalidValue { expected, found },
                    ..
                } => {
                    assert_eq!(key.as_deref(), Some("endorsement policy"));
                    (expected, found)
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
    }
}

fn parse_error(text: &str) -> (String, String) {
    config_error(SignaturePolicy::parse(text))
}

fn role_principal(msp: &str, role: i32) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::Role as i32,
        principal: MspRole {
            msp_identifier: msp.into(),
            role,
        }
        .encode_to_vec(),
    }
}

fn layout(items: &[(&str, Role, u32)]) -> PrincipalLayout {
    PrincipalLayout {
        quantities: items.iter().map(|(m, r, q)| (p(m, *r), *q)).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Text form
// ---------------------------------------------------------------------------------------------

#[test]
fn parses_gates() {
    let and = parse("AND('A.peer', 'B.admin')");
    assert_eq!(and.identities(), &[p("A", Role::Peer), p("B", Role::Admin)]);
    assert_eq!(and.rule(), &out_of(2, vec![signed(0), signed(1)]));

    let or = parse("OR('A.client', 'B.orderer', 'C.member')");
    assert_eq!(
        or.identities(),
        &[
            p("A", Role::Client),
            p("B", Role::Orderer),
            p("C", Role::Member)
        ]
    );
    assert_eq!(or.rule(), &out_of(1, vec![signed(0), signed(1), signed(2)]));

    let out = parse("OutOf(2, 'A.peer', 'B.peer', 'C.peer')");
    assert_eq!(
        out.rule(),
        &out_of(2, vec![signed(0), signed(1), signed(2)])
    );

    let single = parse("AND('A.peer')");
    assert_eq!(single.rule(), &out_of(1, vec![signed(0)]));

    // A lone principal (an extension: Fabric's parser wants a gate).
    let lone = parse("'A.peer'");
    assert_eq!(lone.rule(), &signed(0));
}

#[test]
fn parses_every_accepted_spelling_and_quote() {
    let reference = parse("OutOf(1, AND('A.peer', 'B.peer'), OR('C.peer', 'D.peer'))");
    for and in ["AND", "And", "and"] {
        for or in ["OR", "Or", "or"] {
            for outof in ["OutOf", "outof", "OUTOF"] {
                for (q1, q2) in [("'", "'"), ("\"", "\"")] {
                    let text = format!(
                        "{outof}(1, {and}({q1}A.peer{q1}, {q2}B.peer{q2}), \
                         {or}({q2}C.peer{q2}, {q1}D.peer{q1}))"
                    );
                    assert_eq!(parse(&text), reference, "{text}");
                }
            }
        }
    }
    // Mixed quotes in one policy, whitespace anywhere between tokens.
    let spaced =
        parse(" \n OutOf ( 1 ,\tAND ( 'A.peer' ,\"B.peer\" ) , OR(\r\n'C.peer','D.peer' ) ) \n");
    assert_eq!(spaced, reference);
}

#[test]
fn msp_ids_may_contain_dots_and_dashes() {
    let policy = parse("AND('org1.example.com.peer', 'Org-2.MSP.admin', 'ORG3.member')");
    assert_eq!(
        policy.identities(),
        &[
            p("org1.example.com", Role::Peer),
            p("Org-2.MSP", Role::Admin),
            p("ORG3", Role::Member)
        ]
    );
}

#[test]
fn numbers_principals_innermost_gate_first() {
    let policy = parse("OR('A.member', AND('B.member', 'C.member'))");
    assert_eq!(
        policy.identities(),
        &[
            p("B", Role::Member),
            p("C", Role::Member),
            p("A", Role::Member)
        ]
    );
    assert_eq!(
        policy.rule(),
        &out_of(1, vec![signed(2), out_of(2, vec![signed(0), signed(1)])])
    );

    // Sub-gates in order, then the gate's own principals in order; no de-duplication.
    let policy = parse("AND(OR('A.peer', 'B.peer'), 'C.peer', OR('D.peer', 'A.peer'), 'C.peer')");
    let msps: Vec<&str> = policy
        .identities()
        .iter()
        .map(|p| p.msp_id.as_str())
        .collect();
    assert_eq!(msps, ["A", "B", "D", "A", "C", "C"]);
    assert_eq!(
        policy.rule(),
        &out_of(
            4,
            vec![
                out_of(1, vec![signed(0), signed(1)]),
                signed(4),
                out_of(1, vec![signed(2), signed(3)]),
                signed(5),
            ]
        )
    );
}

#[test]
fn envelope_structure_of_the_reference_example() {
    let env = parse("OR('A.member', AND('B.member', 'C.member'))").to_envelope();
    assert_eq!(env.version, 0);
    let principals: Vec<(i32, MspRole)> = env
        .identities
        .iter()
        .map(|i| {
            (
                i.principal_classification,
                MspRole::decode(i.principal.as_slice()).unwrap(),
            )
        })
        .collect();
    let expected_role = |msp: &str| MspRole {
        msp_identifier: msp.into(),
        role: 0,
    };
    assert_eq!(
        principals,
        vec![
            (0, expected_role("B")),
            (0, expected_role("C")),
            (0, expected_role("A"))
        ]
    );
    use fabweave::proto::common::signature_policy::{NOutOf, Type};
    let by = |i| ProtoRule {
        r#type: Some(Type::SignedBy(i)),
    };
    let gate = |n, rules| ProtoRule {
        r#type: Some(Type::NOutOf(NOutOf { n, rules })),
    };
    assert_eq!(
        env.rule,
        Some(gate(1, vec![by(2), gate(2, vec![by(0), by(1)])]))
    );
}

#[test]
fn envelope_bytes_match_fabric_encoding() {
    // Worked out by hand from the proto definitions, as Go's proto.Marshal writes them: the
    // zero version, ROLE classification and MEMBER role are omitted; signed_by 0 is written
    // because it is a oneof member.
    let bytes = parse("AND('A.peer', 'B.member')")
        .to_envelope()
        .encode_to_vec();
    let expected: &[u8] = &[
        0x12, 0x0c, // rule
        0x12, 0x0a, // n_out_of
        0x08, 0x02, // n = 2
        0x12, 0x02, 0x08, 0x00, // signed_by 0
        0x12, 0x02, 0x08, 0x01, // signed_by 1
        0x1a, 0x07, 0x12, 0x05, 0x0a, 0x01, b'A', 0x10, 0x03, // A.peer
        0x1a, 0x05, 0x12, 0x03, 0x0a, 0x01, b'B', // B.member
    ];
    assert_eq!(bytes, expected);
}

#[test]
fn envelope_round_trips_through_bytes() {
    for text in [
        "AND('Org1MSP.peer', 'Org2MSP.peer')",
        "OR('A.member', AND('B.member', 'C.member'))",
        "OutOf(2, 'A.admin', OR('B.client', 'C.orderer'), AND('D.peer', 'D.peer'))",
        "'Org1MSP.member'",
    ] {
        let policy = parse(text);
        let bytes = policy.to_envelope().encode_to_vec();
        assert_eq!(
            SignaturePolicy::from_bytes(&bytes).unwrap(),
            policy,
            "{text}"
        );
        assert_eq!(
            SignaturePolicy::from_envelope(&policy.to_envelope()).unwrap(),
            policy
        );
    }
}

#[test]
fn display_round_trips() {
    let policy = parse("or('A.member', and('B.member', \"C.member\"))");
    assert_eq!(
        policy.to_string(),
        "OR('A.member', AND('B.member', 'C.member'))"
    );
    for text in [
        "AND('Org1MSP.peer', 'Org2MSP.peer')",
        "OR('A.member', AND('B.member', 'C.member'))",
        "OutOf(2, 'A.admin', OR('B.client', 'C.orderer'), AND('D.peer', 'D.peer'))",
        "OUTOF(3, AND('a.b.c.peer', OR('x-y.admin', 'z.client')), 'q.member', 'r.orderer', \
         OutOf(2, 'A.peer', 'B.peer', 'C.peer'))",
        "AND('A.peer')",
        "OR('A.peer', 'B.peer')",
        "'Solo.member'",
    ] {
        let policy = parse(text);
        let shown = policy.to_string();
        assert_eq!(parse(&shown), policy, "{text} printed as {shown}");
    }
    assert_eq!(
        parse("OutOf(2, 'A.peer', 'B.peer', 'C.peer')").to_string(),
        "OutOf(2, 'A.peer', 'B.peer', 'C.peer')"
    );
    assert_eq!(p("Org1MSP", Role::Peer).to_string(), "Org1MSP.peer");
    assert_eq!(Role::Orderer.to_string(), "orderer");
    assert_eq!(
        Role::ALL.map(Role::name),
        ["member", "admin", "client", "peer", "orderer"]
    );
    assert_eq!(
        "AND('A.peer')".parse::<SignaturePolicy>().unwrap(),
        parse("AND('A.peer')")
    );
}

// ---------------------------------------------------------------------------------------------
// Envelope errors
// ---------------------------------------------------------------------------------------------

#[test]
fn envelope_errors() {
    use fabweave::proto::common::signature_policy::{NOutOf, Type};
    let by = |i| ProtoRule {
        r#type: Some(Type::SignedBy(i)),
    };
    let gate = |n, rules| ProtoRule {
        r#type: Some(Type::NOutOf(NOutOf { n, rules })),
    };
    let env = |rule, identities| SignaturePolicyEnvelope {
        version: 0,
        rule,
        identities,
    };
    let a = || vec![role_principal("A", 3), role_principal("B", 1)];

    // Fine, with a shared index.
    let ok = SignaturePolicy::from_envelope(&env(Some(gate(2, vec![by(0), by(0)])), a())).unwrap();
    assert_eq!(ok.rule(), &out_of(2, vec![signed(0), signed(0)]));

    let (expected, found) = config_error(SignaturePolicy::from_envelope(&env(
        Some(gate(1, vec![by(0), by(2)])),
        a(),
    )));
    assert!(expected.contains("(2)"), "{expected}");
    assert!(
        found.contains("signed_by 2") && found.contains("rule.rules[1]"),
        "{found}"
    );

    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(
        Some(gate(1, vec![by(-1)])),
        a(),
    )));
    assert!(found.contains("signed_by -1"), "{found}");

    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(None, a())));
    assert!(found.contains("without a rule"), "{found}");

    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(
        Some(ProtoRule { r#type: None }),
        a(),
    )));
    assert!(found.contains("neither"), "{found}");

    for n in [0, 3, -1] {
        let (expected, found) = config_error(SignaturePolicy::from_envelope(&env(
            Some(gate(n, vec![by(0), by(1)])),
            a(),
        )));
        assert!(expected.contains("between 1 and"), "{expected}");
        assert!(found.contains(&format!("n = {n}")), "{found}");
    }

    let mut ou = a();
    ou.push(MspPrincipal {
        principal_classification: Classification::OrganizationUnit as i32,
        principal: vec![0x0a, 0x01, b'C'],
    });
    let (expected, found) = config_error(SignaturePolicy::from_envelope(&env(Some(by(0)), ou)));
    assert!(expected.contains("ROLE"), "{expected}");
    assert!(
        found.contains("identities[2]") && found.contains("ORGANIZATION_UNIT"),
        "{found}"
    );

    let weird = vec![MspPrincipal {
        principal_classification: 42,
        principal: vec![],
    }];
    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(Some(by(0)), weird)));
    assert!(found.contains("unknown classification 42"), "{found}");

    let garbled = vec![MspPrincipal {
        principal_classification: 0,
        principal: vec![0x0a, 0x05, b'A'],
    }];
    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(Some(by(0)), garbled)));
    assert!(found.contains("does not decode"), "{found}");

    let bad_role = vec![role_principal("A", 9)];
    let (_, found) = config_error(SignaturePolicy::from_envelope(&env(Some(by(0)), bad_role)));
    assert!(found.contains("role 9"), "{found}");

    // Too deep.
    let mut deep = by(0);
    for _ in 0..65 {
        deep = gate(1, vec![deep]);
    }
    let (expected, _) = config_error(SignaturePolicy::from_envelope(&env(Some(deep), a())));
    assert!(expected.contains("64"), "{expected}");
    let mut deep = by(0);
    for _ in 0..64 {
        deep = gate(1, vec![deep]);
    }
    assert!(SignaturePolicy::from_envelope(&env(Some(deep), a())).is_ok());

    let (expected, _) = config_error(SignaturePolicy::from_bytes(&[0xff, 0xff, 0xff]));
    assert!(expected.contains("SignaturePolicyEnvelope"), "{expected}");
}

// ---------------------------------------------------------------------------------------------
// Text errors
// ---------------------------------------------------------------------------------------------

#[test]
fn parse_errors_point_at_the_problem() {
    let (expected, found) = parse_error("AND('Org1MSP.peer'");
    assert_eq!(found, "`AND('Org1MSP.peer'` — missing `)` at offset 18");
    assert!(expected.contains("`)`"), "{expected}");

    let (expected, found) = parse_error("AND('Org1MSP.superuser')");
    assert!(
        expected.contains("member, admin, client, peer or orderer"),
        "{expected}"
    );
    assert!(
        found.contains("`superuser`") && found.contains("offset 13"),
        "{found}"
    );

    let (_, found) = parse_error("AND('Org1MSP.PEER')");
    assert!(found.contains("lower case"), "{found}");

    let (_, found) = parse_error("AND('Org_1MSP.peer')");
    assert!(
        found.contains("underscores are not allowed") && found.contains("offset 8"),
        "{found}"
    );

    let (_, found) = parse_error("AND('Org 1.peer')");
    assert!(
        found.contains("` `") && found.contains("offset 8"),
        "{found}"
    );

    let (expected, found) = parse_error("OutOf(3, 'A.peer', 'B.peer')");
    assert!(
        expected.contains("between 1 and the number of rules (2)"),
        "{expected}"
    );
    assert!(
        found.contains("n = 3") && found.contains("offset 6"),
        "{found}"
    );
    let (_, found) = parse_error("OutOf(0, 'A.peer')");
    assert!(found.contains("n = 0"), "{found}");
    let (_, found) = parse_error("OutOf(99999999999999999999999999, 'A.peer')");
    assert!(found.contains("too large"), "{found}");

    let (_, found) = parse_error("aNd('A.peer')");
    assert!(found.contains("not an accepted spelling"), "{found}");
    let (_, found) = parse_error("XOR('A.peer')");
    assert!(found.contains("unknown gate `XOR`"), "{found}");
    let (_, found) = parse_error("AND(A.peer)");
    assert!(found.contains("unquoted principal"), "{found}");
    let (_, found) = parse_error("AND('A.peer',)");
    assert!(found.contains("trailing"), "{found}");
    let (_, found) = parse_error("AND()");
    assert!(found.contains("empty"), "{found}");
    let (_, found) = parse_error("OutOf(1)");
    assert!(found.contains("no rules"), "{found}");
    let (_, found) = parse_error("AND('A.peer') 'B.peer'");
    assert!(
        found.contains("unexpected `'`") && found.contains("offset 14"),
        "{found}"
    );
    let (_, found) = parse_error("AND('A.peer");
    assert!(found.contains("missing closing '"), "{found}");
    let (_, found) = parse_error("AND('Apeer')");
    assert!(found.contains("no `.role`"), "{found}");
    let (_, found) = parse_error("AND('.peer')");
    assert!(found.contains("no MSP ID"), "{found}");
    let (expected, _) = parse_error("   ");
    assert!(expected.contains("signature policy"), "{expected}");

    // The message reads well as a whole.
    let e = SignaturePolicy::parse("AND('Org1MSP.peer'").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("endorsement policy") && text.contains("offset 18"),
        "{text}"
    );
}

#[test]
fn nesting_is_capped() {
    let nested = |depth: usize| format!("{}'A.peer'{}", "OR(".repeat(depth), ")".repeat(depth));
    assert!(SignaturePolicy::parse(&nested(64)).is_ok());
    let (expected, found) = parse_error(&nested(65));
    assert!(expected.contains("64"), "{expected}");
    assert!(found.contains("offset 192"), "{found}");
    // Far deeper: an error, not a stack overflow.
    let _ = parse_error(&nested(100_000));
}

#[test]
fn malformed_inputs_never_panic() {
    let samples = [
        "",
        " ",
        "(",
        ")",
        "'",
        "\"",
        "''",
        "'.'",
        "'A.'",
        "AND",
        "AND(",
        "AND)",
        "AND(()",
        "AND('A.peer'))",
        "AND('A.peer' 'B.peer')",
        "AND('A.peer';'B.peer')",
        "OR(,)",
        "OutOf(",
        "OutOf(,",
        "OutOf(1,",
        "OutOf(1,)",
        "OutOf(-1, 'A.peer')",
        "OutOf(1.5, 'A.peer')",
        "OutOf('A.peer', 1)",
        "OutOf(x, 'A.peer')",
        "AND('A.peer\")",
        "AND(\"A.peer')",
        "AND('A.pe er')",
        "AND('A.peer.')",
        "AND('é.peer')",
        "AND('A.péer')",
        "ÀND('A.peer')",
        "AND（'A.peer'）",
        "AND('A.peer')AND('B.peer')",
        "'A.peer' 'B.peer'",
        "\u{0}",
        "AND(\u{0})",
        "OR('A.member', AND('B.member', 'C.member')",
        "OR('A.member', AND('B.member' 'C.member'))",
        "🙂",
        "AND('🙂.peer')",
        "and ( 'A.peer' , )",
        "_",
        "AND('_.peer')",
        "A.peer",
    ];
    for text in samples {
        let result = std::panic::catch_unwind(|| SignaturePolicy::parse(text));
        match result {
            Ok(Err(e)) => assert_eq!(e.kind(), ErrorKind::Config, "{text:?}: {e}"),
            Ok(Ok(policy)) => panic!("{text:?} parsed as {policy}"),
            Err(_) => panic!("{text:?} panicked"),
        }
    }

    // Every prefix of valid policies, and random texts over the policy alphabet.
    let valid = "OutOf(2, AND('Org1.example.peer', \"Org2-MSP.admin\"), \
                 OR('A.member', 'B.client'), 'C.orderer')";
    assert!(SignaturePolicy::parse(valid).is_ok());
    for (end, _) in valid.char_indices() {
        assert!(
            SignaturePolicy::parse(&valid[..end]).is_err(),
            "{}",
            &valid[..end]
        );
    }
    let alphabet: Vec<char> = "ANDORutfand()'\", .peradmin1230_-Ox \u{e9}"
        .chars()
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..5000 {
        let len = (next(&mut seed) % 40) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next(&mut seed) % alphabet.len() as u64) as usize])
            .collect();
        if let Ok(policy) = SignaturePolicy::parse(&text) {
            // Whatever parses also prints back to itself and evaluates.
            assert_eq!(parse(&policy.to_string()), policy);
            let _ = policy.layouts(10);
        }
    }

    // Random bytes as envelopes.
    for _ in 0..2000 {
        let len = (next(&mut seed) % 48) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next(&mut seed) as u8).collect();
        if let Ok(policy) = SignaturePolicy::from_bytes(&bytes) {
            let _ = policy.to_string();
            let _ = policy.layouts(10);
            let _ = policy.is_satisfied_by(&[("A", &[Role::Peer])]);
        }
    }
}

/// xorshift64*: deterministic pseudo-random numbers for the tests.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

const PEER: &[Role] = &[Role::Peer];
const ADMIN: &[Role] = &[Role::Admin];
const NONE: &[Role] = &[];

#[test]
fn evaluates_gates() {
    let and = parse("AND('A.peer', 'B.peer')");
    assert!(and.is_satisfied_by(&[("A", PEER), ("B", PEER)]));
    assert!(and.is_satisfied_by(&[("C", PEER), ("B", PEER), ("A", PEER)]));
    assert!(!and.is_satisfied_by(&[("A", PEER)]));
    assert!(!and.is_satisfied_by(&[("A", PEER), ("B", ADMIN)]));
    assert!(!and.is_satisfied_by(&[]));

    let or = parse("OR('A.peer', 'B.admin')");
    assert!(or.is_satisfied_by(&[("B", ADMIN)]));
    assert!(!or.is_satisfied_by(&[("B", PEER), ("C", ADMIN)]));

    let member = parse("AND('A.member')");
    assert!(member.is_satisfied_by(&[("A", PEER)]));
    assert!(member.is_satisfied_by(&[("A", NONE)]));
    assert!(!member.is_satisfied_by(&[("a", PEER)]));

    let out = parse("OutOf(2, 'A.peer', 'B.peer', 'C.peer')");
    assert!(out.is_satisfied_by(&[("A", PEER), ("C", PEER)]));
    assert!(!out.is_satisfied_by(&[("A", PEER), ("A", PEER)]));
}

#[test]
fn each_signer_counts_once() {
    let twice = parse("AND('A.peer', 'A.peer')");
    assert!(!twice.is_satisfied_by(&[("A", PEER)]));
    assert!(twice.is_satisfied_by(&[("A", PEER), ("A", PEER)]));

    let across = parse("AND(OR('A.peer', 'B.peer'), OR('A.peer', 'C.peer'))");
    assert!(!across.is_satisfied_by(&[("A", PEER)]));
    assert!(across.is_satisfied_by(&[("A", PEER), ("A", PEER)]));
    assert!(across.is_satisfied_by(&[("A", PEER), ("C", PEER)]));

    let both = parse("AND('A.member', 'A.peer')");
    assert!(!both.is_satisfied_by(&[("A", PEER)]));
}

#[test]
fn finds_assignments_greedy_evaluation_misses() {
    // Left to right, a greedy evaluator gives the peer signer to `A.member` (it is a member
    // too) and has nobody left for `A.peer`; the member-only signer could have taken it.
    let policy = parse("AND('A.member', 'A.peer')");
    assert!(policy.is_satisfied_by(&[("A", PEER), ("A", NONE)]));
    assert!(policy.is_satisfied_by(&[("A", NONE), ("A", PEER)]));

    let threshold = parse("OutOf(2, 'A.member', 'A.peer')");
    assert!(threshold.is_satisfied_by(&[("A", PEER), ("A", NONE)]));

    // Across gates: the first OR would take the admin-and-peer signer.
    let nested = parse("AND(OR('A.admin', 'B.peer'), OR('A.peer', 'C.peer'), 'A.admin')");
    let both: &[Role] = &[Role::Admin, Role::Peer];
    assert!(nested.is_satisfied_by(&[("A", both), ("A", ADMIN), ("B", PEER)]));
    assert!(!nested.is_satisfied_by(&[("A", both), ("A", ADMIN)]));
    assert!(nested.is_satisfied_by(&[("A", both), ("A", ADMIN), ("A", PEER)]));

    // Hall: three roles, two signers that cover them only together with a third.
    let three = parse("AND('A.admin', 'A.peer', 'A.member')");
    assert!(!three.is_satisfied_by(&[("A", both), ("A", NONE)]));
    assert!(three.is_satisfied_by(&[("A", both), ("A", PEER), ("A", NONE)]));
}

/// The leaves of a policy in identity terms, for brute force.
fn holds(rule: &Rule, satisfied: &[bool]) -> bool {
    match rule {
        Rule::SignedBy(i) => satisfied[*i],
        Rule::OutOf { n, rules } => rules.iter().filter(|r| holds(r, satisfied)).count() >= *n,
    }
}

/// Whether some assignment of signers to identity occurrences satisfies the policy.
fn brute_force(policy: &SignaturePolicy, signers: &[(&str, &[Role])]) -> bool {
    // Leaf occurrences: identity indices in rule order.
    fn leaves(rule: &Rule, out: &mut Vec<usize>) {
        match rule {
            Rule::SignedBy(i) => out.push(*i),
            Rule::OutOf { rules, .. } => rules.iter().for_each(|r| leaves(r, out)),
        }
    }
    fn search(
        policy: &SignaturePolicy,
        signers: &[(&str, &[Role])],
        k: usize,
        satisfied: &mut Vec<bool>,
    ) -> bool {
        if holds(policy.rule(), satisfied) {
            return true;
        }
        if k == signers.len() {
            return false;
        }
        // Signer k satisfies one identity (its occurrence set is per identity since parse gives
        // one identity per leaf), or nothing.
        for i in 0..policy.identities().len() {
            let p = &policy.identities()[i];
            let (msp, roles) = signers[k];
            let admits = p.msp_id == msp && (p.role == Role::Member || roles.contains(&p.role));
            if admits && !satisfied[i] {
                satisfied[i] = true;
                if search(policy, signers, k + 1, satisfied) {
                    return true;
                }
                satisfied[i] = false;
            }
        }
        search(policy, signers, k + 1, satisfied)
    }
    let mut all = Vec::new();
    leaves(policy.rule(), &mut all);
    let mut satisfied = vec![false; policy.identities().len()];
    search(policy, signers, 0, &mut satisfied)
}

/// A random policy over a few MSPs and roles, every identity used once (as `parse` makes them).
fn random_policy(seed: &mut u64, msps: &[&str], roles: &[Role], depth: u32) -> String {
    let leaf = |seed: &mut u64| {
        let m = msps[(next(seed) % msps.len() as u64) as usize];
        let r = roles[(next(seed) % roles.len() as u64) as usize];
        format!("'{m}.{r}'")
    };
    if depth == 0 || next(seed).is_multiple_of(3) {
        return leaf(seed);
    }
    let count = 1 + (next(seed) % 3) as usize;
    let children: Vec<String> = (0..count)
        .map(|_| random_policy(seed, msps, roles, depth - 1))
        .collect();
    let n = 1 + (next(seed) % count as u64) as usize;
    format!("OutOf({n}, {})", children.join(", "))
}

#[test]
fn evaluation_agrees_with_brute_force() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let msps = ["A", "B"];
    let all_roles = [Role::Member, Role::Admin, Role::Peer];
    let role_sets: [&[Role]; 4] = [
        &[],
        &[Role::Peer],
        &[Role::Admin],
        &[Role::Admin, Role::Peer],
    ];
    let mut checked = 0;
    for _ in 0..400 {
        let mut text = random_policy(&mut seed, &msps, &all_roles, 3);
        if !text.starts_with("OutOf") {
            text = format!("AND({text})");
        }
        let policy = parse(&text);
        if policy.identities().len() > 8 {
            continue;
        }
        for _ in 0..8 {
            let count = (next(&mut seed) % 5) as usize;
            let signers: Vec<(&str, &[Role])> = (0..count)
                .map(|_| {
                    (
                        msps[(next(&mut seed) % 2) as usize],
                        role_sets[(next(&mut seed) % 4) as usize],
                    )
                })
                .collect();
            assert_eq!(
                policy.is_satisfied_by(&signers),
                brute_force(&policy, &signers),
                "{text} with {signers:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

// ---------------------------------------------------------------------------------------------
// Layouts
// ---------------------------------------------------------------------------------------------

#[test]
fn layouts_of_simple_policies() {
    use Role::*;
    assert_eq!(
        parse("AND('A.peer', 'B.peer')").layouts(10),
        [layout(&[("A", Peer, 1), ("B", Peer, 1)])]
    );
    assert_eq!(
        parse("OR('B.peer', 'A.peer')").layouts(10),
        [layout(&[("A", Peer, 1)]), layout(&[("B", Peer, 1)])]
    );
    assert_eq!(
        parse("OutOf(2, 'A.peer', 'B.peer', 'C.peer')").layouts(10),
        [
            layout(&[("A", Peer, 1), ("B", Peer, 1)]),
            layout(&[("A", Peer, 1), ("C", Peer, 1)]),
            layout(&[("B", Peer, 1), ("C", Peer, 1)]),
        ]
    );
    assert_eq!(
        parse("OR('A.peer', AND('A.peer', 'B.peer'))").layouts(10),
        [layout(&[("A", Peer, 1)])]
    );
    assert_eq!(
        parse("AND('A.peer', 'A.peer')").layouts(10),
        [layout(&[("A", Peer, 2)])]
    );
    assert_eq!(
        parse("OR(AND('B.peer', 'C.peer'), 'D.peer')").layouts(10),
        [
            layout(&[("D", Peer, 1)]),
            layout(&[("B", Peer, 1), ("C", Peer, 1)])
        ]
    );
    // Distinct principals of one MSP stay distinct.
    assert_eq!(
        parse("AND('A.member', 'A.peer')").layouts(10),
        [layout(&[("A", Member, 1), ("A", Peer, 1)])]
    );
    // Repeats across gates.
    assert_eq!(
        parse("AND(OR('A.peer', 'B.peer'), OR('A.peer', 'C.peer'))").layouts(10),
        [
            layout(&[("A", Peer, 1), ("B", Peer, 1)]),
            layout(&[("A", Peer, 1), ("C", Peer, 1)]),
            layout(&[("A", Peer, 2)]),
            layout(&[("B", Peer, 1), ("C", Peer, 1)]),
        ]
    );
    assert_eq!(parse("'A.admin'").layouts(10), [layout(&[("A", Admin, 1)])]);
    assert!(parse("AND('A.peer')").layouts(0).is_empty());
    // A shared index in an envelope still needs one signer per leaf.
    let env = SignaturePolicyEnvelope {
        version: 0,
        rule: parse("AND('A.peer', 'A.peer')")
            .to_envelope()
            .rule
            .map(|mut r| {
                if let Some(signature_policy::Type::NOutOf(g)) = &mut r.r#type {
                    g.rules[1] = g.rules[0].clone();
                }
                r
            }),
        identities: vec![role_principal("A", 3)],
    };
    let shared = SignaturePolicy::from_envelope(&env).unwrap();
    assert_eq!(shared.rule(), &out_of(2, vec![signed(0), signed(0)]));
    assert_eq!(shared.layouts(10), [layout(&[("A", Peer, 2)])]);
    assert!(!shared.is_satisfied_by(&[("A", PEER)]));
    assert!(shared.is_satisfied_by(&[("A", PEER), ("A", PEER)]));
    assert_eq!(shared.to_string(), "AND('A.peer', 'A.peer')");
}

#[test]
fn layouts_are_truncated_in_order() {
    let policy = parse("OutOf(2, 'A.peer', 'B.peer', 'C.peer', 'D.peer')");
    let all = policy.layouts(usize::MAX);
    assert_eq!(all.len(), 6);
    for limit in 0..8 {
        assert_eq!(policy.layouts(limit), all[..limit.min(6)]);
    }
}

fn twenty_orgs(n: usize) -> String {
    let orgs: Vec<String> = (1..=20).map(|i| format!("'Org{i:02}MSP.peer'")).collect();
    format!("OutOf({n}, {})", orgs.join(", "))
}

#[test]
fn layouts_of_a_large_threshold_are_fast() {
    let policy = parse(&twenty_orgs(11));
    // Warm up, then time.
    let _ = policy.layouts(100);
    let started = Instant::now();
    let layouts = policy.layouts(100);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(50), "took {took:?}");
    assert_eq!(layouts.len(), 100);
    assert!(layouts.iter().all(|l| l.total() == 11));
    assert!(layouts
        .iter()
        .all(|l| l.quantities.iter().all(|(_, q)| *q == 1)));
    assert!(
        layouts.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates"
    );
    let first: Vec<String> = layouts[0]
        .quantities
        .iter()
        .map(|(p, _)| p.msp_id.clone())
        .collect();
    let expected: Vec<String> = (1..=11).map(|i| format!("Org{i:02}MSP")).collect();
    assert_eq!(first, expected);
    // The lexicographically 100th 11-subset of 20 keeps the first 8 and picks from the rest.
    let last = &layouts[99].quantities;
    assert_eq!(last[7].0.msp_id, "Org08MSP");

    // Nested variants stay fast too.
    let majority_of_ors: Vec<String> = (1..=20)
        .map(|i| format!("OR('Org{i:02}MSP.peer', 'Org{i:02}MSP.admin')"))
        .collect();
    let policy = parse(&format!("OutOf(11, {})", majority_of_ors.join(", ")));
    let started = Instant::now();
    let layouts = policy.layouts(100);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(layouts.len(), 100);
    assert!(layouts.windows(2).all(|w| w[0] < w[1]));

    let policy = parse(&twenty_orgs(11));
    let started = Instant::now();
    assert!(policy.is_satisfied_by(
        &(1..=11)
            .map(|i| (format!("Org{i:02}MSP"), PEER))
            .collect::<Vec<_>>()
            .iter()
            .map(|(m, r)| (m.as_str(), *r))
            .collect::<Vec<_>>()
    ));
    assert!(started.elapsed() < Duration::from_millis(50));
}

/// Minimal layouts by brute force, for policies whose principals are all distinct non-member
/// roles (so a signer made for one principal counts for no other).
fn brute_force_layouts(policy: &SignaturePolicy) -> Vec<PrincipalLayout> {
    let mut principals: Vec<Principal> = policy.identities().to_vec();
    principals.sort();
    principals.dedup();
    let occurrences: Vec<u32> = principals
        .iter()
        .map(|p| policy.identities().iter().filter(|q| *q == p).count() as u32)
        .collect();
    let satisfies = |caps: &[u32]| {
        let signers: Vec<(&str, &[Role])> = principals
            .iter()
            .zip(caps)
            .flat_map(|(p, c)| {
                let roles: &[Role] = match p.role {
                    Role::Admin => &[Role::Admin],
                    Role::Client => &[Role::Client],
                    Role::Peer => &[Role::Peer],
                    Role::Orderer => &[Role::Orderer],
                    Role::Member => unreachable!(),
                };
                std::iter::repeat_n((p.msp_id.as_str(), roles), *c as usize)
            })
            .collect();
        brute_force(policy, &signers)
    };
    let mut result = Vec::new();
    let mut caps = vec![0u32; principals.len()];
    loop {
        if satisfies(&caps)
            && (0..caps.len()).all(|k| {
                caps[k] == 0 || {
                    let mut lower = caps.clone();
                    lower[k] -= 1;
                    !satisfies(&lower)
                }
            })
        {
            result.push(PrincipalLayout {
                quantities: principals
                    .iter()
                    .zip(&caps)
                    .filter(|(_, c)| **c > 0)
                    .map(|(p, c)| (p.clone(), *c))
                    .collect(),
            });
        }
        // Next vector with caps[k] <= occurrences[k].
        let mut k = 0;
        while k < caps.len() && caps[k] == occurrences[k] {
            caps[k] = 0;
            k += 1;
        }
        if k == caps.len() {
            break;
        }
        caps[k] += 1;
    }
    result.sort();
    result
}

#[test]
fn layouts_agree_with_brute_force() {
    let mut seed = 0x1234_5678_9abc_def1u64;
    let msps = ["A", "B", "C"];
    let roles = [Role::Peer, Role::Admin];
    let mut checked = 0;
    for _ in 0..300 {
        let mut text = random_policy(&mut seed, &msps, &roles, 3);
        if !text.starts_with("OutOf") {
            text = format!("AND({text})");
        }
        let policy = parse(&text);
        if policy.identities().len() > 7 {
            continue;
        }
        let expected = brute_force_layouts(&policy);
        let got = policy.layouts(usize::MAX);
        assert_eq!(got, expected, "{text}");
        for limit in [1, 2, 3] {
            assert_eq!(
                policy.layouts(limit),
                expected[..limit.min(expected.len())],
                "{text}"
            );
        }
        // Every layout, made of dedicated signers, satisfies the policy.
        for l in &got {
            let signers: Vec<(&str, &[Role])> = l
                .quantities
                .iter()
                .flat_map(|(p, q)| {
                    let roles: &[Role] = if p.role == Role::Peer { PEER } else { ADMIN };
                    std::iter::repeat_n((p.msp_id.as_str(), roles), *q as usize)
                })
                .collect();
            assert!(policy.is_satisfied_by(&signers), "{text}: {l:?}");
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}
