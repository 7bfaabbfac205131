//! Signature endorsement policies: the text form, the wire form, evaluation against a set of
//! signers, and the minimal ways ("layouts") to satisfy a policy.
//!
//! A signature policy is a tree of threshold gates whose leaves name principals: an MSP ID and
//! a role. Fabric writes it as text (`AND('Org1MSP.peer', OR('Org2MSP.peer', 'Org3MSP.peer'))`)
//! and sends it as a `common.SignaturePolicyEnvelope`, whose rule refers to its principals by
//! index. [`SignaturePolicy`] converts between the two, byte for byte as Fabric's `policydsl`
//! does.
//!
//! ```
//! use fabweave::routing::policy::{Role, SignaturePolicy};
//!
//! let text = "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')";
//! let policy = SignaturePolicy::parse(text)?;
//! assert!(policy.is_satisfied_by(&[("Org1MSP", &[Role::Peer]), ("Org3MSP", &[Role::Peer])]));
//! assert!(!policy.is_satisfied_by(&[("Org1MSP", &[Role::Peer]), ("Org1MSP", &[Role::Admin])]));
//! assert_eq!(policy.layouts(10).len(), 3);
//! # Ok::<(), fabweave::Error>(())
//! ```
//!
//! # Text form
//!
//! - `AND(r, ...)` needs all of its rules, `OR(r, ...)` one of them, `OutOf(n, r, ...)` `n` of
//!   them, with `1 <= n <=` the number of rules. Gate names are accepted as Fabric spells them:
//!   `AND`/`And`/`and`, `OR`/`Or`/`or`, `OutOf`/`outof`/`OUTOF`.
//! - A principal is `'MSPID.role'` or `"MSPID.role"`; the role (after the *last* dot) is one of
//!   `member`, `admin`, `client`, `peer`, `orderer`, and the MSP ID is made of ASCII letters,
//!   digits, `.` and `-` (no underscores).
//! - Whitespace may appear between any two tokens. Gates nest at most [`MAX_DEPTH`] deep.
//! - As an extension, a lone principal (`'Org1MSP.peer'`) is a policy whose rule is that
//!   principal's signature; Fabric's parser refuses it, but envelopes can hold such a rule, and
//!   [`SignaturePolicy`]'s `Display` prints it that way.

use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;

use prost::Message;

use crate::proto::common::{
    msp_principal::Classification, signature_policy, MspPrincipal, MspRole,
    SignaturePolicy as ProtoRule, SignaturePolicyEnvelope,
};
use crate::{ConfigProblem, Error, Result};

/// How deep gates may nest, in text and in envelopes; deeper policies are refused.
pub const MAX_DEPTH: usize = 64;

/// The configuration key errors of this module are reported under.
const KEY: &str = "endorsement policy";

/// An [`Error::Config`] under [`KEY`].
fn invalid(expected: impl Into<String>, found: impl Into<String>) -> Error {
    Error::config(
        KEY,
        ConfigProblem::InvalidValue {
            expected: expected.into(),
            found: found.into(),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------

/// The role part of a principal (`MSPRole.MSPRoleType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Any identity of the MSP.
    Member,
    /// An administrator of the MSP.
    Admin,
    /// A client identity (NodeOUs).
    Client,
    /// A peer identity (NodeOUs).
    Peer,
    /// An orderer identity (NodeOUs).
    Orderer,
}

impl Role {
    /// Every role, in wire order.
    pub const ALL: [Role; 5] = [
        Role::Member,
        Role::Admin,
        Role::Client,
        Role::Peer,
        Role::Orderer,
    ];

    /// The role's name in the text form: `member`, `admin`, `client`, `peer` or `orderer`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Client => "client",
            Role::Peer => "peer",
            Role::Orderer => "orderer",
        }
    }

    /// The role named `name` (lower case, as in the text form).
    fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The `MSPRoleType` value.
    fn to_proto(self) -> i32 {
        match self {
            Role::Member => 0,
            Role::Admin => 1,
            Role::Client => 2,
            Role::Peer => 3,
            Role::Orderer => 4,
        }
    }

    /// The role of an `MSPRoleType` value.
    fn from_proto(value: i32) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.to_proto() == value)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A principal: the identities of one MSP that hold one role. Displays as `Org1MSP.peer`.
///
/// Ordered by MSP ID, then role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    /// The MSP ID.
    pub msp_id: String,
    /// The role.
    pub role: Role,
}

impl Principal {
    /// The principal `msp_id.role`.
    pub fn new(msp_id: impl Into<String>, role: Role) -> Principal {
        Principal {
            msp_id: msp_id.into(),
            role,
        }
    }

    /// Whether a signer of `msp_id` holding `roles` counts as this principal: same MSP, and
    /// either this principal's role is `member` or the signer holds it.
    fn admits(&self, msp_id: &str, roles: &[Role]) -> bool {
        self.msp_id == msp_id && (self.role == Role::Member || roles.contains(&self.role))
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.msp_id, self.role)
    }
}

/// A node of a policy's rule tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A signature of the principal at this index of [`SignaturePolicy::identities`].
    SignedBy(usize),
    /// At least `n` of `rules`.
    OutOf {
        /// How many of `rules` must hold (`1..=rules.len()`).
        n: usize,
        /// The sub-rules.
        rules: Vec<Rule>,
    },
}

/// A signature policy: a rule tree over a list of principals.
///
/// Built by [`SignaturePolicy::parse`] (or [`str::parse`]), [`SignaturePolicy::from_envelope`]
/// or [`SignaturePolicy::from_bytes`], which guarantee that every [`Rule::SignedBy`] index is
/// in range, every threshold is between 1 and its number of rules, and gates nest at most
/// [`MAX_DEPTH`] deep.
///
/// `Display` prints the text form. For every policy [`parse`](SignaturePolicy::parse) returns,
/// and every envelope numbered the way Fabric's `policydsl` numbers principals, parsing the
/// printed text gives back an equal policy. Envelopes numbered otherwise (shared or unused
/// indices, another order) print an equivalent policy that parses with `policydsl`'s numbering;
/// MSP IDs the text form does not accept (e.g. with `_`) print but do not parse back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePolicy {
    identities: Vec<Principal>,
    rule: Rule,
}

/// One minimal way to satisfy a policy: how many distinct signers each principal needs.
///
/// Ordered as [`SignaturePolicy::layouts`] lists them: fewest signatures first, then by
/// `quantities` lexicographically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrincipalLayout {
    /// Each principal the layout uses, sorted, with the number (at least 1) of distinct signers
    /// it needs.
    pub quantities: Vec<(Principal, u32)>,
}

impl PrincipalLayout {
    /// The number of signatures the layout needs: the sum of its quantities.
    pub fn total(&self) -> u32 {
        self.quantities
            .iter()
            .fold(0u32, |sum, (_, q)| sum.saturating_add(*q))
    }
}

impl PartialOrd for PrincipalLayout {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PrincipalLayout {
    fn cmp(&self, other: &Self) -> Ordering {
        self.total()
            .cmp(&other.total())
            .then_with(|| self.quantities.cmp(&other.quantities))
    }
}

// ---------------------------------------------------------------------------------------------
// Text form
// ---------------------------------------------------------------------------------------------

/// A parsed rule before principals are numbered.
enum Node {
    /// A principal.
    Principal(Principal),
    /// A gate: at least `n` of the children.
    Gate { n: usize, children: Vec<Node> },
}

/// The three gates of the text form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    And,
    Or,
    OutOf,
}

impl Gate {
    /// The gate of an accepted spelling.
    fn from_name(name: &str) -> Option<Gate> {
        match name {
            "AND" | "And" | "and" => Some(Gate::And),
            "OR" | "Or" | "or" => Some(Gate::Or),
            "OUTOF" | "OutOf" | "outof" => Some(Gate::OutOf),
            _ => None,
        }
    }
}

/// What a policy text looks like, for error messages.
const EXAMPLE: &str =
    "a signature policy such as AND('Org1MSP.peer', OR('Org2MSP.peer', 'Org3MSP.peer'))";

/// A recursive-descent parser over the characters of a policy text.
struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    pos: usize,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Parser<'t> {
        Parser {
            text,
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The text around character `offset`, short enough for a message.
    fn excerpt(&self, offset: usize) -> String {
        const WIDE: usize = 64;
        const SIDE: usize = 30;
        if self.chars.len() <= WIDE {
            return self.text.to_owned();
        }
        let start = offset.saturating_sub(SIDE);
        let end = offset.saturating_add(SIDE).min(self.chars.len());
        let mut s = String::new();
        if start > 0 {
            s.push('…');
        }
        s.extend(&self.chars[start..end]);
        if end < self.chars.len() {
            s.push('…');
        }
        s
    }

    /// An error about the text at character `offset`.
    fn error(
        &self,
        expected: impl Into<String>,
        problem: impl fmt::Display,
        offset: usize,
    ) -> Error {
        invalid(
            expected,
            format!("`{}` — {problem} at offset {offset}", self.excerpt(offset)),
        )
    }

    /// The whole text: one rule and nothing after it.
    fn policy(&mut self) -> Result<Node> {
        self.skip_ws();
        if self.peek().is_none() {
            return Err(invalid(EXAMPLE, "an empty policy"));
        }
        let node = self.rule(0)?;
        self.skip_ws();
        match self.peek() {
            None => Ok(node),
            Some(c) => Err(self.error(
                "the end of the policy after its outermost rule",
                format!("unexpected `{c}`"),
                self.pos,
            )),
        }
    }

    /// A gate or a principal; `depth` is the number of gates around it.
    fn rule(&mut self, depth: usize) -> Result<Node> {
        match self.peek() {
            Some('\'' | '"') => self.principal().map(Node::Principal),
            Some(c) if c.is_alphanumeric() || c == '_' => self.gate(depth),
            Some(c) => Err(self.error(
                "a gate (AND, OR, OutOf) or a quoted principal such as 'Org1MSP.peer'",
                format!("unexpected `{c}`"),
                self.pos,
            )),
            None => Err(self.error(
                "a gate (AND, OR, OutOf) or a quoted principal such as 'Org1MSP.peer'",
                "the policy ends",
                self.pos,
            )),
        }
    }

    fn gate(&mut self, depth: usize) -> Result<Node> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        let Some(gate) = Gate::from_name(&word) else {
            let lower = word.to_ascii_lowercase();
            let problem = if ["and", "or", "outof"].contains(&lower.as_str()) {
                format!(
                    "`{word}` is not an accepted spelling (gates are written in Title, lower or \
                     UPPER case: AND/And/and, OR/Or/or, OutOf/outof/OUTOF)"
                )
            } else if word.contains('.') {
                format!("unquoted principal `{word}` (principals are quoted: '{word}')")
            } else {
                format!("unknown gate `{word}`")
            };
            return Err(self.error(
                "a gate (AND, OR, OutOf) or a quoted principal such as 'Org1MSP.peer'",
                problem,
                start,
            ));
        };
        if depth >= MAX_DEPTH {
            return Err(self.error(
                format!("gates nested at most {MAX_DEPTH} deep"),
                format!("a gate nested {} deep", depth + 1),
                start,
            ));
        }
        self.skip_ws();
        if self.peek() != Some('(') {
            let problem = match self.peek() {
                Some(c) => format!("`{c}` instead of `(` after `{word}`"),
                None => format!("missing `(` after `{word}`"),
            };
            return Err(self.error(format!("`(` after `{word}`"), problem, self.pos));
        }
        self.pos += 1;
        self.skip_ws();

        let mut threshold = None;
        if gate == Gate::OutOf {
            threshold = Some(self.threshold(&word)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    return Err(self.error(
                        format!("at least one rule after n in {word}(n, ...)"),
                        "no rules",
                        self.pos,
                    ))
                }
                Some(c) => {
                    return Err(self.error(
                        format!("`,` after n in {word}(n, ...)"),
                        format!("unexpected `{c}`"),
                        self.pos,
                    ))
                }
                None => {
                    return Err(self.error(
                        format!("`,` after n in {word}(n, ...)"),
                        "the policy ends",
                        self.pos,
                    ))
                }
            }
            self.skip_ws();
        }
        if self.peek() == Some(')') {
            return Err(self.error(
                format!("at least one rule in {word}(...)"),
                format!("empty `{word}()`"),
                self.pos,
            ));
        }

        let mut children = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(')') {
                return Err(self.error("a rule after `,`", "a trailing `,` before `)`", self.pos));
            }
            children.push(self.rule(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    return Err(self.error(
                        format!("`,` or `)` closing the `{word}(` at offset {start}"),
                        format!("unexpected `{c}`"),
                        self.pos,
                    ))
                }
                None => {
                    return Err(self.error(
                        format!("`)` closing the `{word}(` at offset {start}"),
                        "missing `)`",
                        self.pos,
                    ))
                }
            }
        }

        let count = children.len();
        let n = match (gate, threshold) {
            (Gate::And, _) => count,
            (Gate::Or, _) => 1,
            (Gate::OutOf, Some((n, at))) => {
                if n == 0 || n > count {
                    return Err(self.error(
                        format!("n between 1 and the number of rules ({count}) in {word}(n, ...)"),
                        format!("n = {n}"),
                        at,
                    ));
                }
                n
            }
            (Gate::OutOf, None) => count,
        };
        Ok(Node::Gate { n, children })
    }

    /// The `n` of `OutOf(n, ...)`, and its offset.
    fn threshold(&mut self, word: &str) -> Result<(usize, usize)> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            let problem = match self.peek() {
                Some(c) => format!("unexpected `{c}`"),
                None => "the policy ends".to_owned(),
            };
            return Err(self.error(
                format!("a whole number n in {word}(n, ...)"),
                problem,
                start,
            ));
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        match digits.parse::<usize>() {
            Ok(n) => Ok((n, start)),
            Err(_) => Err(self.error(
                format!("n between 1 and the number of rules in {word}(n, ...)"),
                format!("n = {digits}, which is far too large"),
                start,
            )),
        }
    }

    /// A quoted principal.
    fn principal(&mut self) -> Result<Principal> {
        const EXPECTED: &str = "a principal 'MSPID.role' with role member, admin, client, peer or \
                                orderer, e.g. 'Org1MSP.peer'";
        let open = self.pos;
        let Some(quote) = self.peek() else {
            return Err(self.error(EXPECTED, "the policy ends", open));
        };
        self.pos += 1;
        let body_start = self.pos;
        while self.peek().is_some_and(|c| c != quote) {
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err(self.error(
                EXPECTED,
                format!("missing closing {quote} for the principal opened"),
                open,
            ));
        }
        let body_end = self.pos;
        self.pos += 1;
        let body: String = self.chars[body_start..body_end].iter().collect();
        let quoted = format!("{quote}{body}{quote}");

        let Some((msp, role)) = body.rsplit_once('.') else {
            return Err(self.error(EXPECTED, format!("principal {quoted} has no `.role`"), open));
        };
        if msp.is_empty() {
            return Err(self.error(
                EXPECTED,
                format!("principal {quoted} has no MSP ID before `.{role}`"),
                open,
            ));
        }
        for (i, c) in msp.chars().enumerate() {
            if c == '_' {
                return Err(self.error(
                    "an MSP ID of letters, digits, `.` and `-`",
                    format!(
                        "MSP ID `{msp}` contains `_` (underscores are not allowed in MSP IDs \
                         of the policy language)"
                    ),
                    body_start + i,
                ));
            }
            if !(c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                return Err(self.error(
                    "an MSP ID of letters, digits, `.` and `-`",
                    format!("MSP ID `{msp}` contains `{c}`"),
                    body_start + i,
                ));
            }
        }
        let Some(role) = Role::from_name(role) else {
            let role_at = body_start + msp.chars().count() + 1;
            let hint = if Role::from_name(&role.to_ascii_lowercase()).is_some() {
                " (roles are written in lower case)"
            } else {
                ""
            };
            return Err(self.error(
                "a role: member, admin, client, peer or orderer",
                format!("unknown role `{role}` in principal {quoted}{hint}"),
                role_at,
            ));
        };
        Ok(Principal::new(msp, role))
    }
}

/// Numbers the principals of `node` the way Fabric's `policydsl` does: within a gate, the
/// principals of its sub-gates (in order) come first, then its own principals (in order).
fn number(node: Node, identities: &mut Vec<Principal>) -> Rule {
    match node {
        Node::Principal(p) => {
            identities.push(p);
            Rule::SignedBy(identities.len() - 1)
        }
        Node::Gate { n, children } => {
            let mut rules: Vec<Option<Rule>> = Vec::with_capacity(children.len());
            let mut own = Vec::new();
            for (i, child) in children.into_iter().enumerate() {
                match child {
                    Node::Principal(p) => {
                        rules.push(None);
                        own.push((i, p));
                    }
                    gate => rules.push(Some(number(gate, identities))),
                }
            }
            for (i, p) in own {
                identities.push(p);
                rules[i] = Some(Rule::SignedBy(identities.len() - 1));
            }
            Rule::OutOf {
                n,
                rules: rules.into_iter().flatten().collect(),
            }
        }
    }
}

impl fmt::Display for SignaturePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_rule(f, &self.rule)
    }
}

impl SignaturePolicy {
    fn write_rule(&self, f: &mut fmt::Formatter<'_>, rule: &Rule) -> fmt::Result {
        match rule {
            Rule::SignedBy(i) => match self.identities.get(*i) {
                Some(p) => write!(f, "'{p}'"),
                None => write!(f, "'?{i}'"),
            },
            Rule::OutOf { n, rules } => {
                if *n == rules.len() {
                    f.write_str("AND(")?;
                } else if *n == 1 {
                    f.write_str("OR(")?;
                } else {
                    write!(f, "OutOf({n}, ")?;
                }
                for (i, r) in rules.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    self.write_rule(f, r)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl std::str::FromStr for SignaturePolicy {
    type Err = Error;

    fn from_str(text: &str) -> Result<SignaturePolicy> {
        SignaturePolicy::parse(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Wire form
// ---------------------------------------------------------------------------------------------

/// Where a rule sits in an envelope, for messages: `rule.rules[1].rules[0]`.
fn rule_path(path: &[usize]) -> String {
    let mut s = String::from("rule");
    for i in path {
        s.push_str(&format!(".rules[{i}]"));
    }
    s
}

/// The principal of `identities[index]`.
fn principal_from_proto(index: usize, p: &MspPrincipal) -> Result<Principal> {
    match Classification::try_from(p.principal_classification) {
        Ok(Classification::Role) => {}
        Ok(other) => {
            return Err(invalid(
                "ROLE principals (an MSP ID and a role)",
                format!(
                    "identities[{index}] of classification {} ({}), which is not supported \
                     (ORGANIZATION_UNIT, IDENTITY, ANONYMITY and COMBINED principals are not; \
                     only ROLE is)",
                    other.as_str_name(),
                    p.principal_classification
                ),
            ))
        }
        Err(_) => {
            return Err(invalid(
                "ROLE principals (an MSP ID and a role)",
                format!(
                    "identities[{index}] of unknown classification {}",
                    p.principal_classification
                ),
            ))
        }
    }
    let role = MspRole::decode(p.principal.as_slice()).map_err(|e| {
        invalid(
            "a marshaled MSPRole in a ROLE principal",
            format!("identities[{index}] does not decode: {e}"),
        )
    })?;
    let Some(r) = Role::from_proto(role.role) else {
        return Err(invalid(
            "a role: MEMBER (0), ADMIN (1), CLIENT (2), PEER (3) or ORDERER (4)",
            format!(
                "identities[{index}] (MSP `{}`) with role {}",
                role.msp_identifier, role.role
            ),
        ));
    };
    Ok(Principal::new(role.msp_identifier, r))
}

/// The rule of an envelope holding `count` identities.
fn rule_from_proto(p: &ProtoRule, count: usize, path: &mut Vec<usize>) -> Result<Rule> {
    match &p.r#type {
        None => Err(invalid(
            "a rule that is either signed_by or n_out_of",
            format!("{} with neither", rule_path(path)),
        )),
        Some(signature_policy::Type::SignedBy(i)) => match usize::try_from(*i) {
            Ok(i) if i < count => Ok(Rule::SignedBy(i)),
            _ => Err(invalid(
                format!("signed_by indices below the number of identities ({count})"),
                format!("signed_by {i} at {}", rule_path(path)),
            )),
        },
        Some(signature_policy::Type::NOutOf(gate)) => {
            if path.len() >= MAX_DEPTH {
                return Err(invalid(
                    format!("gates nested at most {MAX_DEPTH} deep"),
                    format!("a gate nested deeper at {}", rule_path(path)),
                ));
            }
            let mut rules = Vec::with_capacity(gate.rules.len());
            for (i, sub) in gate.rules.iter().enumerate() {
                path.push(i);
                let rule = rule_from_proto(sub, count, path);
                path.pop();
                rules.push(rule?);
            }
            match usize::try_from(gate.n) {
                Ok(n) if n >= 1 && n <= rules.len() => Ok(Rule::OutOf { n, rules }),
                _ => Err(invalid(
                    format!(
                        "n between 1 and the number of rules ({}) in n_out_of",
                        rules.len()
                    ),
                    format!("n = {} at {}", gate.n, rule_path(path)),
                )),
            }
        }
    }
}

/// The wire form of a rule.
fn rule_to_proto(rule: &Rule) -> ProtoRule {
    let clamp = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
    ProtoRule {
        r#type: Some(match rule {
            Rule::SignedBy(i) => signature_policy::Type::SignedBy(clamp(*i)),
            Rule::OutOf { n, rules } => signature_policy::Type::NOutOf(signature_policy::NOutOf {
                n: clamp(*n),
                rules: rules.iter().map(rule_to_proto).collect(),
            }),
        }),
    }
}

impl SignaturePolicy {
    /// Parses the text form, e.g. `OR('Org1MSP.peer', AND('Org2MSP.admin', 'Org3MSP.member'))`
    /// (see the [module documentation](self) for the grammar).
    ///
    /// Principals are numbered as Fabric's `policydsl` numbers them: one identity per
    /// occurrence (no de-duplication), a gate's sub-gates before its own principals. So
    /// `OR('A.member', AND('B.member', 'C.member'))` has identities `[B, C, A]` and rule
    /// `OutOf(1, [SignedBy(2), OutOf(2, [SignedBy(0), SignedBy(1)])])`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] under the key `endorsement policy`, naming the offending token and its
    /// character offset.
    pub fn parse(text: &str) -> Result<SignaturePolicy> {
        let node = Parser::new(text).policy()?;
        let mut identities = Vec::new();
        let rule = number(node, &mut identities);
        Ok(SignaturePolicy { identities, rule })
    }

    /// Converts an envelope, keeping its identities and indices as they are.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] under the key `endorsement policy` when the envelope has no rule, a
    /// rule with neither `signed_by` nor `n_out_of`, a `signed_by` index out of range, an
    /// `n_out_of` whose n is not between 1 and its number of rules, gates nested deeper than
    /// [`MAX_DEPTH`], a principal that is not a ROLE principal (organizational-unit, identity,
    /// anonymity and combined principals are not supported) or an `MSPRole` that does not
    /// decode.
    pub fn from_envelope(env: &SignaturePolicyEnvelope) -> Result<SignaturePolicy> {
        let identities = env
            .identities
            .iter()
            .enumerate()
            .map(|(i, p)| principal_from_proto(i, p))
            .collect::<Result<Vec<_>>>()?;
        let Some(rule) = &env.rule else {
            return Err(invalid(
                "a SignaturePolicyEnvelope with a rule",
                "an envelope without a rule",
            ));
        };
        let rule = rule_from_proto(rule, identities.len(), &mut Vec::new())?;
        Ok(SignaturePolicy { identities, rule })
    }

    /// Decodes a marshaled `SignaturePolicyEnvelope` and converts it as
    /// [`from_envelope`](SignaturePolicy::from_envelope) does.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] under the key `endorsement policy` when the bytes do not decode, or as
    /// [`from_envelope`](SignaturePolicy::from_envelope).
    pub fn from_bytes(bytes: &[u8]) -> Result<SignaturePolicy> {
        let env = SignaturePolicyEnvelope::decode(bytes).map_err(|e| {
            invalid(
                "a marshaled SignaturePolicyEnvelope",
                format!("{} bytes that do not decode: {e}", bytes.len()),
            )
        })?;
        SignaturePolicy::from_envelope(&env)
    }

    /// The envelope of this policy: version 0, ROLE principals, the rule as is. Encoded, it is
    /// byte for byte what Fabric's `policydsl.FromString` gives for the same text.
    pub fn to_envelope(&self) -> SignaturePolicyEnvelope {
        SignaturePolicyEnvelope {
            version: 0,
            rule: Some(rule_to_proto(&self.rule)),
            identities: self
                .identities
                .iter()
                .map(|p| MspPrincipal {
                    principal_classification: Classification::Role as i32,
                    principal: MspRole {
                        msp_identifier: p.msp_id.clone(),
                        role: p.role.to_proto(),
                    }
                    .encode_to_vec(),
                })
                .collect(),
        }
    }

    /// The principals [`Rule::SignedBy`] indexes.
    pub fn identities(&self) -> &[Principal] {
        &self.identities
    }

    /// The rule tree.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation and layouts
// ---------------------------------------------------------------------------------------------

/// The policy's leaves, grouped by distinct principal.
struct Shape<'p> {
    rule: &'p Rule,
    /// The distinct principals the rule refers to, sorted (so one MSP's are adjacent).
    principals: Vec<&'p Principal>,
    /// For each identity index, its index in `principals` (unused identities: `usize::MAX`).
    principal_of: Vec<usize>,
    /// For each distinct principal, the number of leaves naming it.
    occurrences: Vec<u32>,
    /// The number of leaves, the cost of one walk over the rule.
    leaf_count: u64,
}

impl<'p> Shape<'p> {
    fn new(policy: &'p SignaturePolicy) -> Shape<'p> {
        fn count(rule: &Rule, per_identity: &mut [u32]) {
            match rule {
                Rule::SignedBy(i) => {
                    if let Some(c) = per_identity.get_mut(*i) {
                        *c = c.saturating_add(1);
                    }
                }
                Rule::OutOf { rules, .. } => rules.iter().for_each(|r| count(r, per_identity)),
            }
        }
        let mut per_identity = vec![0u32; policy.identities.len()];
        count(&policy.rule, &mut per_identity);

        let mut principals: Vec<&Principal> = policy
            .identities
            .iter()
            .zip(&per_identity)
            .filter(|(_, c)| **c > 0)
            .map(|(p, _)| p)
            .collect();
        principals.sort();
        principals.dedup();
        let mut occurrences = vec![0u32; principals.len()];
        let principal_of = policy
            .identities
            .iter()
            .zip(&per_identity)
            .map(|(p, c)| match principals.binary_search(&p) {
                Ok(k) if *c > 0 => {
                    occurrences[k] = occurrences[k].saturating_add(*c);
                    k
                }
                _ => usize::MAX,
            })
            .collect();
        let leaf_count = occurrences.iter().map(|c| u64::from(*c)).sum();
        Shape {
            rule: &policy.rule,
            principals,
            principal_of,
            occurrences,
            leaf_count,
        }
    }
}

/// How one distinct principal's leaves count, given the signers available.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    /// Enough signers for every leaf naming the principal at once: never a constraint.
    Always,
    /// No signer at all.
    Never,
    /// Some signers; how many leaves can hold together is tracked in this dimension.
    Counted(usize),
}

/// The work budget of a search ran out.
struct Exhausted;

/// Signers left to hand out, for the greedy pass.
trait Pool {
    /// Takes a signer that counts for distinct principal `k`, if one is left.
    fn take(&mut self, k: usize) -> bool;

    /// How many signers are left that count for distinct principal `k`.
    fn spare(&self, k: usize) -> usize;

    /// A point to [`undo`](Pool::undo) to.
    fn mark(&self) -> usize;

    /// Gives back every signer taken since `mark`.
    fn undo(&mut self, mark: usize);
}

/// A number of dedicated signers per distinct principal.
struct Counts {
    left: Vec<u32>,
    taken: Vec<usize>,
}

impl Pool for Counts {
    fn take(&mut self, k: usize) -> bool {
        match self.left.get_mut(k) {
            Some(c) if *c > 0 => {
                *c -= 1;
                self.taken.push(k);
                true
            }
            _ => false,
        }
    }

    fn spare(&self, k: usize) -> usize {
        self.left.get(k).map_or(0, |c| *c as usize)
    }

    fn mark(&self) -> usize {
        self.taken.len()
    }

    fn undo(&mut self, mark: usize) {
        while self.taken.len() > mark {
            if let Some(k) = self.taken.pop() {
                if let Some(c) = self.left.get_mut(k) {
                    *c += 1;
                }
            }
        }
    }
}

/// Real signers: for each distinct principal, the signers that count for it (least versatile
/// first), and which are used.
struct Signers<'a> {
    admitted: &'a [Vec<usize>],
    used: Vec<bool>,
    taken: Vec<usize>,
}

impl Pool for Signers<'_> {
    fn take(&mut self, k: usize) -> bool {
        let Some(candidates) = self.admitted.get(k) else {
            return false;
        };
        for &s in candidates {
            if let Some(used) = self.used.get_mut(s) {
                if !*used {
                    *used = true;
                    self.taken.push(s);
                    return true;
                }
            }
        }
        false
    }

    fn spare(&self, k: usize) -> usize {
        self.admitted.get(k).map_or(0, |candidates| {
            candidates
                .iter()
                .filter(|&&s| self.used.get(s) == Some(&false))
                .count()
        })
    }

    fn mark(&self) -> usize {
        self.taken.len()
    }

    fn undo(&mut self, mark: usize) {
        while self.taken.len() > mark {
            if let Some(s) = self.taken.pop() {
                if let Some(used) = self.used.get_mut(s) {
                    *used = false;
                }
            }
        }
    }
}

/// A quick assignment: each gate tries its rules in turn and stops once it holds; each leaf
/// takes the first signer left. With `in_order`, rules are tried as written (as Fabric's
/// validator does); otherwise sub-gates first, then leaves whose principal has the most
/// signers left. Success is a valid assignment; failure proves nothing.
fn greedy<P: Pool>(shape: &Shape<'_>, rule: &Rule, pool: &mut P, in_order: bool) -> bool {
    match rule {
        Rule::SignedBy(i) => shape.principal_of.get(*i).is_some_and(|&k| pool.take(k)),
        Rule::OutOf { n, rules } => {
            let mut order: Vec<&Rule> = rules.iter().collect();
            if !in_order {
                let spare = |r: &Rule| match r {
                    Rule::SignedBy(i) => shape
                        .principal_of
                        .get(*i)
                        .map_or(0, |&k| pool.spare(k).saturating_add(1)),
                    Rule::OutOf { .. } => usize::MAX,
                };
                order.sort_by_key(|r| std::cmp::Reverse(spare(r)));
            }
            let mut met = 0;
            for r in order {
                let before = pool.mark();
                if greedy(shape, r, pool, in_order) {
                    met += 1;
                    if met >= *n {
                        return true;
                    }
                } else {
                    pool.undo(before);
                }
            }
            false
        }
    }
}

/// Satisfiability of a policy when each principal's signers are limited.
///
/// A *usage* is a vector over the [`Leaf::Counted`] dimensions: how many leaves of each such
/// principal a set of satisfied leaves uses. `feasible` says whether the signers can cover a
/// usage (each signer covering one leaf); it must be downward closed.
struct Limited<'s, 'p, F> {
    shape: &'s Shape<'p>,
    leaves: Vec<Leaf>,
    dims: usize,
    feasible: F,
    /// For each distinct principal, the most of its leaves its signers can cover on their own.
    limits: Vec<u32>,
    /// Work units left; each vector operation costs its length plus one.
    budget: Cell<u64>,
}

impl<F: Fn(&[u32]) -> bool> Limited<'_, '_, F> {
    fn leaf(&self, identity: usize) -> Leaf {
        self.shape
            .principal_of
            .get(identity)
            .and_then(|k| self.leaves.get(*k))
            .copied()
            .unwrap_or(Leaf::Never)
    }

    fn charge(&self, units: u64) -> Result<(), Exhausted> {
        let left = self.budget.get();
        if left < units {
            self.budget.set(0);
            return Err(Exhausted);
        }
        self.budget.set(left - units);
        Ok(())
    }

    /// Whether some set of leaves satisfies the rule and can be covered by distinct signers.
    /// Cheap answers first: the rule fails even ignoring contention (no), nothing is contended
    /// or a greedy assignment works (yes), a counting argument rules it out (no); otherwise an
    /// exhaustive search of usages.
    fn decide(&self, greedy: impl Fn(bool) -> bool) -> Result<bool, Exhausted> {
        if !self.holds(self.shape.rule) {
            return Ok(false);
        }
        if self.dims == 0 {
            return Ok(true);
        }
        self.charge(self.shape.leaf_count.saturating_mul(2))?;
        if greedy(true) || greedy(false) {
            return Ok(true);
        }
        if self.refuted()? {
            return Ok(false);
        }
        Ok(!self.usages(self.shape.rule)?.is_empty())
    }

    /// Counting arguments against satisfiability. For any weights, a satisfying set of leaves
    /// `S` weighs `sum over S of w(l) <= sum over p of w(p) * limit(p)`; tried with each
    /// contended principal alone, and with each weighing `1 / limit`.
    fn refuted(&self) -> Result<bool, Exhausted> {
        const SCALE: u64 = 1 << 20;
        let counted: Vec<usize> = (0..self.leaves.len())
            .filter(|&k| matches!(self.leaves[k], Leaf::Counted(_)))
            .collect();
        for &k in &counted {
            self.charge(self.shape.leaf_count)?;
            let need = self.lightest(self.shape.rule, &|j| u64::from(j == k));
            if need > u64::from(self.limits[k]) {
                return Ok(true);
            }
        }
        let weight = |k: usize| match self.leaves[k] {
            Leaf::Counted(_) => SCALE / u64::from(self.limits[k].max(1)),
            _ => 0,
        };
        self.charge(self.shape.leaf_count)?;
        let need = self.lightest(self.shape.rule, &weight);
        let room: u64 = counted
            .iter()
            .map(|&k| weight(k).saturating_mul(u64::from(self.limits[k])))
            .sum();
        Ok(need > room)
    }

    /// The least weight of a set of leaves that satisfies `rule`, with `weight` per distinct
    /// principal (leaves without signers excluded), ignoring contention.
    fn lightest(&self, rule: &Rule, weight: &dyn Fn(usize) -> u64) -> u64 {
        match rule {
            Rule::SignedBy(i) => match self.shape.principal_of.get(*i) {
                Some(&k) if self.leaves.get(k).is_some_and(|l| *l != Leaf::Never) => weight(k),
                _ => u64::MAX,
            },
            Rule::OutOf { n, rules } => {
                let mut costs: Vec<u64> = rules.iter().map(|r| self.lightest(r, weight)).collect();
                costs.sort_unstable();
                costs
                    .iter()
                    .take(*n)
                    .fold(0u64, |sum, c| sum.saturating_add(*c))
            }
        }
    }

    /// Evaluation ignoring contention: a [`Leaf::Counted`] leaf holds. Exact when no principal
    /// is contended, too optimistic otherwise.
    fn holds(&self, rule: &Rule) -> bool {
        match rule {
            Rule::SignedBy(i) => self.leaf(*i) != Leaf::Never,
            Rule::OutOf { n, rules } => {
                let mut met = 0;
                for (seen, r) in rules.iter().enumerate() {
                    if self.holds(r) {
                        met += 1;
                        if met >= *n {
                            return true;
                        }
                    } else if rules.len() - seen - 1 < n - met {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// The minimal feasible usages with which `rule` holds (empty: it cannot).
    fn usages(&self, rule: &Rule) -> Result<Vec<Vec<u32>>, Exhausted> {
        let unit = self.dims as u64 + 1;
        self.charge(unit)?;
        Ok(match rule {
            Rule::SignedBy(i) => match self.leaf(*i) {
                Leaf::Always => vec![vec![0; self.dims]],
                Leaf::Never => Vec::new(),
                Leaf::Counted(d) => {
                    let mut v = vec![0; self.dims];
                    v[d] = 1;
                    if (self.feasible)(&v) {
                        vec![v]
                    } else {
                        Vec::new()
                    }
                }
            },
            Rule::OutOf { n, rules } => {
                let n = *n;
                // reach[j]: minimal usages with which j of the rules seen so far hold.
                let mut reach: Vec<Vec<Vec<u32>>> = vec![Vec::new(); n + 1];
                reach[0].push(vec![0; self.dims]);
                for r in rules {
                    let sub = self.usages(r)?;
                    if sub.is_empty() {
                        continue;
                    }
                    for j in (1..=n).rev() {
                        if reach[j - 1].is_empty() {
                            continue;
                        }
                        let mut more = Vec::new();
                        for a in &reach[j - 1] {
                            for b in &sub {
                                self.charge(unit)?;
                                let sum: Vec<u32> =
                                    a.iter().zip(b).map(|(x, y)| x.saturating_add(*y)).collect();
                                if (self.feasible)(&sum) {
                                    more.push(sum);
                                }
                            }
                        }
                        if !more.is_empty() {
                            reach[j].append(&mut more);
                            self.keep_minimal(&mut reach[j])?;
                        }
                    }
                    if reach[n].iter().any(|u| u.iter().all(|x| *x == 0)) {
                        break;
                    }
                }
                reach.pop().unwrap_or_default()
            }
        })
    }

    /// Removes duplicates and vectors that are component-wise above another.
    fn keep_minimal(&self, set: &mut Vec<Vec<u32>>) -> Result<(), Exhausted> {
        let unit = self.dims as u64 + 1;
        let total = |v: &Vec<u32>| v.iter().map(|x| u64::from(*x)).sum::<u64>();
        set.sort_by(|a, b| total(a).cmp(&total(b)).then_with(|| a.cmp(b)));
        set.dedup();
        let mut kept: Vec<Vec<u32>> = Vec::with_capacity(set.len());
        for v in set.drain(..) {
            self.charge(unit.saturating_mul(kept.len() as u64 + 1))?;
            if !kept.iter().any(|k| k.iter().zip(&v).all(|(a, b)| a <= b)) {
                kept.push(v);
            }
        }
        *set = kept;
        Ok(())
    }
}

impl SignaturePolicy {
    /// Whether `signers` satisfy the policy. Each entry is one distinct signer: its MSP ID and
    /// the roles it holds (a signer of an MSP always counts as its `member`).
    ///
    /// Each signer counts for at most one leaf of the policy, and the answer is exact: unlike
    /// Fabric's validator, which hands signers to leaves greedily left to right, this finds an
    /// assignment whenever one exists. Most policies are settled by plain evaluation or a
    /// greedy assignment; an exhaustive search over how the leaves of an MSP can share its
    /// signers runs only when those fail. That search is exponential in the worst case (the
    /// problem is NP-hard in general), which takes policies naming the same principals in many
    /// places, with too few signers to cover all of them at once.
    pub fn is_satisfied_by(&self, signers: &[(&str, &[Role])]) -> bool {
        let shape = Shape::new(self);
        let mut leaves = vec![Leaf::Never; shape.principals.len()];
        let mut limits = vec![0u32; shape.principals.len()];
        let mut dims = 0;
        // Per contended MSP: (dimension of each counted local principal, cover table).
        let mut groups: Vec<(Vec<Option<usize>>, Vec<u32>)> = Vec::new();

        let mut start = 0;
        while start < shape.principals.len() {
            let msp = &shape.principals[start].msp_id;
            let end = shape.principals[start..]
                .iter()
                .position(|p| &p.msp_id != msp)
                .map_or(shape.principals.len(), |k| start + k);
            let local = &shape.principals[start..end];
            // At most 5 (one per role), so masks over them are small.
            let k = local.len();
            // cover[mask]: signers that count for at least one principal of `mask`.
            let mut cover = vec![0u32; 1 << k];
            for (smsp, roles) in signers {
                let mut admits = 0usize;
                for (b, p) in local.iter().enumerate() {
                    if p.admits(smsp, roles) {
                        admits |= 1 << b;
                    }
                }
                if admits != 0 {
                    for (mask, c) in cover.iter_mut().enumerate() {
                        if mask & admits != 0 {
                            *c = c.saturating_add(1);
                        }
                    }
                }
            }
            let need = |mask: usize| -> u64 {
                (0..k)
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| u64::from(shape.occurrences[start + b]))
                    .sum()
            };
            let uncontended = (1..1usize << k).all(|mask| need(mask) <= u64::from(cover[mask]));
            if uncontended {
                leaves[start..end].fill(Leaf::Always);
            } else {
                let mut local_dims = vec![None; k];
                for b in 0..k {
                    if cover[1 << b] > 0 {
                        leaves[start + b] = Leaf::Counted(dims);
                        limits[start + b] = cover[1 << b];
                        local_dims[b] = Some(dims);
                        dims += 1;
                    }
                }
                groups.push((local_dims, cover));
            }
            start = end;
        }

        // Hall's condition per MSP: any set of its principals needs no more leaves than there
        // are signers counting for at least one of them.
        let feasible = |usage: &[u32]| {
            groups.iter().all(|(local_dims, cover)| {
                (1..cover.len()).all(|mask| {
                    let mut sum = 0u64;
                    for (b, d) in local_dims.iter().enumerate() {
                        if mask & (1 << b) != 0 {
                            if let Some(d) = d {
                                sum += u64::from(usage.get(*d).copied().unwrap_or(0));
                            }
                        }
                    }
                    sum <= u64::from(cover[mask])
                })
            })
        };
        let limited = Limited {
            shape: &shape,
            leaves,
            dims,
            feasible,
            limits,
            budget: Cell::new(u64::MAX),
        };
        // For each principal, the signers counting for it, least versatile first.
        let versatility: Vec<usize> = signers
            .iter()
            .map(|(m, r)| shape.principals.iter().filter(|p| p.admits(m, r)).count())
            .collect();
        let admitted: Vec<Vec<usize>> = shape
            .principals
            .iter()
            .map(|p| {
                let mut list: Vec<usize> = (0..signers.len())
                    .filter(|&s| p.admits(signers[s].0, signers[s].1))
                    .collect();
                list.sort_by_key(|&s| versatility[s]);
                list
            })
            .collect();
        limited
            .decide(|in_order| {
                let mut pool = Signers {
                    admitted: &admitted,
                    used: vec![false; signers.len()],
                    taken: Vec::new(),
                };
                greedy(&shape, shape.rule, &mut pool, in_order)
            })
            .unwrap_or(false)
    }

    /// The minimal ways to satisfy the policy, at most `limit` of them.
    ///
    /// Each layout says how many distinct signers of each principal it needs; a principal
    /// named by two leaves that both must hold (`AND('A.peer', 'A.peer')`) needs 2. Distinct
    /// principals stay distinct entries even when one signer could count for both (`A.member`
    /// and `A.peer`); each signature still counts once.
    ///
    /// The list is sorted (fewest signatures first, then lexicographically by
    /// [`PrincipalLayout::quantities`]), has no duplicates and no layout that needs at least as
    /// much of every principal as another. With more than `limit` minimal layouts, the result
    /// is exactly the first `limit` of the complete sorted list.
    ///
    /// Layouts are searched in that order, a principal at a time, pruning branches that cannot
    /// lead to a minimal layout, so the work follows the number of layouts returned rather
    /// than the number that exist: `OutOf(11, ...)` over 20 organizations has 167,960, and the
    /// first 100 take well under a millisecond in an optimized build. Policies that name the
    /// same principal in many places make each step harder (deciding whether given numbers of
    /// signers satisfy such a policy is NP-hard in general). So that no policy can stall the
    /// caller, the search stops after a fixed amount of work (20 million elementary steps,
    /// roughly 0.15 s optimized) and returns the layouts found so far: still the first ones in
    /// order and each minimal, but fewer than `limit` and fewer than exist. Policies seen in
    /// practice stay orders of magnitude below that; a `limit` in the hundreds of thousands
    /// can reach it.
    pub fn layouts(&self, limit: usize) -> Vec<PrincipalLayout> {
        if limit == 0 {
            return Vec::new();
        }
        let shape = Shape::new(self);
        let mut search = LayoutSearch::new(&shape, limit);
        let high = max_signatures(shape.rule);
        let mut total = search.min_total;
        while total <= high && search.found.len() < limit {
            if search.level(total).is_err() {
                break;
            }
            total += 1;
        }
        search
            .found
            .into_iter()
            .take(limit)
            .map(|caps| PrincipalLayout {
                quantities: shape
                    .principals
                    .iter()
                    .zip(caps)
                    .filter(|(_, q)| *q > 0)
                    .map(|(p, q)| ((*p).clone(), q))
                    .collect(),
            })
            .collect()
    }
}

/// The most signatures a minimal set of satisfied leaves can have.
fn max_signatures(rule: &Rule) -> u64 {
    match rule {
        Rule::SignedBy(_) => 1,
        Rule::OutOf { n, rules } => {
            let mut costs: Vec<u64> = rules.iter().map(max_signatures).collect();
            costs.sort_unstable_by(|a, b| b.cmp(a));
            costs
                .iter()
                .take(*n)
                .fold(0u64, |sum, c| sum.saturating_add(*c))
        }
    }
}

/// The work a layout search may do, in elementary steps (see [`SignaturePolicy::layouts`]).
const LAYOUT_BUDGET: u64 = 20_000_000;

/// The layout search: a depth-first walk over the distinct principals in order, choosing each
/// one's quantity, with the total number of signatures fixed per pass.
struct LayoutSearch<'s, 'p> {
    shape: &'s Shape<'p>,
    limit: usize,
    /// The quantities chosen so far; past the walk's position, all zero.
    caps: Vec<u32>,
    /// `suffix[i]`: the leaves naming principals `i..`, the most they can use.
    suffix: Vec<u64>,
    /// The fewest signatures that satisfy the policy.
    min_total: u64,
    /// The number of signatures of the layouts the current pass looks for.
    total: u64,
    /// Work units left.
    budget: u64,
    /// Minimal layouts found, in order.
    found: Vec<Vec<u32>>,
}

/// One principal's place in the walk.
struct Frame {
    /// The principal's index.
    index: usize,
    /// Signatures left to place on principals `index..`.
    left: u64,
    /// The next quantity to try: `1..=max`, then 0 (tried last), then done.
    next: u64,
    /// The largest quantity worth trying.
    max: u64,
}

impl<'s, 'p> LayoutSearch<'s, 'p> {
    fn new(shape: &'s Shape<'p>, limit: usize) -> LayoutSearch<'s, 'p> {
        let m = shape.principals.len();
        let mut suffix = vec![0u64; m + 1];
        for i in (0..m).rev() {
            suffix[i] = suffix[i + 1] + u64::from(shape.occurrences[i]);
        }
        let mut search = LayoutSearch {
            shape,
            limit,
            caps: vec![0; m],
            suffix,
            min_total: 0,
            total: 0,
            budget: LAYOUT_BUDGET,
            found: Vec::new(),
        };
        search.min_total = search.lower_bound(0);
        search
    }

    fn charge(&mut self, units: u64) -> Result<(), Exhausted> {
        if self.budget < units {
            self.budget = 0;
            return Err(Exhausted);
        }
        self.budget -= units;
        Ok(())
    }

    /// A lower bound on the signatures principals `first..` must add to the quantities of
    /// principals `..first` (fixed) to satisfy the policy: a fixed principal's leaves are free
    /// when its quantity is at least 1, each other leaf costs one. Exact when `first` is 0.
    fn lower_bound(&self, first: usize) -> u64 {
        self.cost(self.shape.rule, first)
    }

    fn cost(&self, rule: &Rule, first: usize) -> u64 {
        match rule {
            Rule::SignedBy(i) => match self.shape.principal_of.get(*i) {
                Some(&k) if k < first && self.caps[k] > 0 => 0,
                Some(&k) if k >= first && k < self.caps.len() => 1,
                _ => u64::MAX,
            },
            Rule::OutOf { n, rules } => {
                let mut costs: Vec<u64> = rules.iter().map(|r| self.cost(r, first)).collect();
                costs.sort_unstable();
                costs
                    .iter()
                    .take(*n)
                    .fold(0u64, |sum, c| sum.saturating_add(*c))
            }
        }
    }

    /// Whether the current quantities, as distinct signers per principal, satisfy the policy;
    /// `total` is their sum.
    fn satisfied(&mut self, total: u64) -> Result<bool, Exhausted> {
        if total < self.min_total {
            return Ok(false);
        }
        self.charge(self.shape.leaf_count + self.caps.len() as u64)?;
        let mut dims = 0;
        let mut bounds = Vec::new();
        let leaves = self
            .caps
            .iter()
            .zip(&self.shape.occurrences)
            .map(|(&cap, &occ)| {
                if cap >= occ {
                    Leaf::Always
                } else if cap == 0 {
                    Leaf::Never
                } else {
                    bounds.push(cap);
                    dims += 1;
                    Leaf::Counted(dims - 1)
                }
            })
            .collect();
        let feasible = |usage: &[u32]| usage.iter().zip(&bounds).all(|(u, b)| u <= b);
        let limited = Limited {
            shape: self.shape,
            leaves,
            dims,
            feasible,
            limits: self.caps.clone(),
            budget: Cell::new(self.budget),
        };
        let shape = self.shape;
        let caps = &self.caps;
        let answer = limited.decide(|in_order| {
            let mut pool = Counts {
                left: caps.clone(),
                taken: Vec::new(),
            };
            greedy(shape, shape.rule, &mut pool, in_order)
        });
        self.budget = limited.budget.get();
        answer
    }

    /// Whether the current quantities (summing to `total`) satisfy the policy and none can be
    /// lowered.
    fn minimal(&mut self, total: u64) -> Result<bool, Exhausted> {
        if !self.satisfied(total)? {
            return Ok(false);
        }
        if total <= self.min_total {
            return Ok(true);
        }
        for k in 0..self.caps.len() {
            if self.caps[k] > 0 {
                self.caps[k] -= 1;
                let still = self.satisfied(total - 1);
                self.caps[k] += 1;
                if still? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Arrives at principal `index` with `left` signatures to place; returns the frame to
    /// explore, if any.
    fn visit(&mut self, index: usize, left: u64) -> Result<Option<Frame>, Exhausted> {
        if left == 0 {
            if self.minimal(self.total)? {
                self.found.push(self.caps.clone());
            }
            return Ok(None);
        }
        if index >= self.caps.len() || self.suffix[index] < left {
            return Ok(None);
        }
        self.charge(self.shape.leaf_count + self.caps.len() as u64)?;
        let bound = self.lower_bound(index);
        if bound > left {
            return Ok(None);
        }
        // The chosen quantities already satisfy the policy: adding more cannot be minimal.
        if bound == 0 && self.satisfied(self.total - left)? {
            return Ok(None);
        }
        let max = left.min(u64::from(self.shape.occurrences[index]));
        Ok(Some(Frame {
            index,
            left,
            next: if max >= 1 { 1 } else { 0 },
            max,
        }))
    }

    /// Finds the minimal layouts of exactly `total` signatures, in lexicographic order, until
    /// `limit` layouts are found in all.
    fn level(&mut self, total: u64) -> Result<(), Exhausted> {
        let mut stack: Vec<Frame> = Vec::new();
        let walk = self.walk(total, &mut stack);
        for frame in stack {
            self.caps[frame.index] = 0;
        }
        walk
    }

    fn walk(&mut self, total: u64, stack: &mut Vec<Frame>) -> Result<(), Exhausted> {
        const DONE: u64 = u64::MAX;
        self.total = total;
        if let Some(frame) = self.visit(0, total)? {
            stack.push(frame);
        }
        while self.found.len() < self.limit {
            let Some(top) = stack.last_mut() else { break };
            let value = if top.next >= 1 && top.next <= top.max {
                top.next += 1;
                top.next - 1
            } else if top.next != DONE {
                top.next = DONE;
                0
            } else {
                let index = top.index;
                self.caps[index] = 0;
                stack.pop();
                continue;
            };
            let (index, left) = (top.index, top.left - value);
            self.caps[index] = u32::try_from(value).unwrap_or(u32::MAX);
            if let Some(frame) = self.visit(index + 1, left)? {
                stack.push(frame);
            }
        }
        Ok(())
    }
}
