//! Choosing endorsers: endorsement policies (more to come: discovery, plans).

pub mod policy;
