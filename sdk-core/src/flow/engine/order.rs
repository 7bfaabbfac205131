//! Offering a signed envelope to the channel's orderers (the client-side flow's second stage,
//! and the Gateway flow's fallback when a Gateway did not confirm a submit).

use std::time::Duration;

use super::{random_index, Ctx, Engine};
use crate::error::{ConfigProblem, Error, Result, Stage};
use crate::flow::rules::order::{OrderRound, OrdererAttempt, RoundEnd, Step};
use crate::proto::common::Envelope;
use crate::protocol::ordering::{broadcast_verdict, OrdererVerdict};
use crate::routing::RouteOrderer;
use crate::transport::CallError;

/// The least time one orderer is given before the next is tried.
const MIN_ORDERER_ATTEMPT: Duration = Duration::from_secs(2);

/// Below this much time left, no further orderer is tried: an attempt that short would only
/// add doubt.
const LAST_ATTEMPT_FLOOR: Duration = Duration::from_millis(100);

impl Engine {
    /// Offers the envelope to the channel's orderers one after the other — a random one first,
    /// orderers set aside after failures last — until one accepts it or refuses it for good,
    /// all within `deadline`. Each orderer gets its share of the time, dialing included, and
    /// every attempt runs to its own end: none is cut off from outside, so each ends knowing
    /// whether the envelope may have left (see [`crate::flow::rules::order`]).
    ///
    /// Errors: [`Error::Submit`] when no orderer took it and none may have (a new transaction
    /// may be sent; a 4xx refusal is not worth one); [`Error::Indeterminate`] (stage submit)
    /// when an orderer may have taken it — it may still be committed.
    pub(crate) async fn broadcast(
        &self,
        channel: &str,
        envelope: Envelope,
        tx_id: &str,
        deadline: Duration,
    ) -> Result<()> {
        let ctx = Ctx::new(channel, tx_id, Stage::Submit, deadline);
        // Nothing is sent before the view is there: running out of time here leaves no doubt.
        let view =
            match tokio::time::timeout(ctx.left(), self.router.view(&self.profile, ctx.channel))
                .await
            {
                Ok(v) => v,
                Err(_) => {
                    return Err(not_taken(
                        tx_id,
                        String::new(),
                        0,
                        "the channel's orderers were not known in time (discovery did not answer)"
                            .into(),
                    ))
                }
            };
        let mut orderers: Vec<&RouteOrderer> = view.orderers.iter().collect();
        if orderers.is_empty() {
            return Err(Error::config(
                format!("channels.{channel}.orderers"),
                ConfigProblem::Undefined {
                    what: "orderer for channel",
                    name: channel.to_owned(),
                },
            ));
        }
        let start = random_index(orderers.len());
        orderers.rotate_left(start);
        let health = self.connections.health();
        orderers.sort_by_key(|o| health.is_set_aside(&o.endpoint.address()));
        let share = (deadline / orderers.len() as u32).max(MIN_ORDERER_ATTEMPT);
        let mut round = OrderRound::default();
        let mut said: Vec<String> = Vec::new();
        let mut last: (String, i32, String) = (String::new(), 0, String::new());
        for o in &orderers {
            let within = share.min(ctx.left());
            if within < LAST_ATTEMPT_FLOOR {
                said.push(format!("{}: not tried, no time left", o.name));
                break;
            }
            let address = o.endpoint.address();
            let answer = self
                .connections
                .broadcast(&o.endpoint, envelope.clone(), within)
                .await;
            let (attempt, status, text) = match answer {
                Ok(resp) => {
                    let verdict = broadcast_verdict(resp.status, &resp.info);
                    if !matches!(verdict, OrdererVerdict::Accepted | OrdererVerdict::Refused) {
                        health.failed(&address, &format!("status {}: {}", resp.status, resp.info));
                    }
                    let text = format!("status {}: {}", resp.status, resp.info);
                    (OrdererAttempt::Answered(verdict), resp.status, text)
                }
                Err(e) => (attempt_of(&e), 0, e.to_string()),
            };
            tracing::debug!(tx_id, orderer = %o.name, ?attempt, %text, "broadcast attempt");
            said.push(format!("{} ({address}): {text}", o.name));
            last = (address, status, text);
            if round.record(attempt) == Step::Stop {
                break;
            }
        }
        let (orderer, status, message) = last;
        match round.end() {
            RoundEnd::Accepted => Ok(()),
            RoundEnd::Refused => Err(Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer,
                status,
                message,
                orderers: Vec::new(),
            }),
            RoundEnd::NotTaken => Err(not_taken(tx_id, orderer, status, said.join("; "))),
            RoundEnd::InDoubt => Err(Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: format!(
                    "an orderer may have taken the transaction without confirming it (it was \
                     sent once, and not replaced): {}",
                    said.join("; ")
                ),
            }),
        }
    }
}

/// An attempt that failed without an answer: whether the envelope may have left.
fn attempt_of(e: &CallError) -> OrdererAttempt {
    if e.may_have_arrived() {
        OrdererAttempt::Lost
    } else {
        OrdererAttempt::NotSent
    }
}

fn not_taken(tx_id: &str, orderer: String, status: i32, message: String) -> Error {
    Error::Submit {
        tx_id: tx_id.to_owned(),
        orderer,
        status,
        message: format!("no orderer took the transaction: {message}"),
        orderers: Vec::new(),
    }
}
