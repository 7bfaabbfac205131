//! Hot-key scheduling: transactions of one contract that touch the same keys go out one after
//! the other, each endorsed after the previous one committed, instead of racing and being
//! invalidated by read conflicts on the ledger.
//!
//! The keys of a call are learned from the read/write sets of its endorsements: the first call
//! of a kind (function and arguments) is endorsed right away and then holds its keys; later
//! calls of the same kind wait for those keys before endorsing. A call whose endorsement shows
//! keys it does not hold takes them if they are free, or else waits for them and is endorsed
//! again (its first simulation read values about to change).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

/// `(namespace, key, written)`.
pub(crate) type Key = (String, String, bool);

/// The most call kinds whose keys are remembered (the memory is cleared when full).
const LEARNED_KINDS: usize = 4096;

/// A call's kind: a hash of its function and arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CallKind(u64);

impl CallKind {
    pub(crate) fn of(function: &str, args: &[Vec<u8>]) -> CallKind {
        let mut h = DefaultHasher::new();
        function.hash(&mut h);
        args.hash(&mut h);
        CallKind(h.finish())
    }
}

#[derive(Default)]
struct Holders {
    readers: u32,
    writers: u32,
}

#[derive(Default)]
struct State {
    held: HashMap<(String, String), Holders>,
    learned: HashMap<CallKind, Vec<Key>>,
    /// Calls waiting for keys, by arrival: a call is served only when no earlier waiting call
    /// conflicts with it, so waiters for the same key go first come, first served.
    waiting: std::collections::BTreeMap<u64, Vec<Key>>,
    next_ticket: u64,
}

/// Whether two key sets conflict (a key in both, written by at least one).
fn overlap(a: &[Key], b: &[Key]) -> bool {
    a.iter().any(|(ns, k, w)| {
        b.iter()
            .any(|(bn, bk, bw)| bn == ns && bk == k && (*w || *bw))
    })
}

/// The scheduler of one contract (chaincode on a channel).
#[derive(Default)]
pub(crate) struct HotKeys {
    state: Mutex<State>,
    released: Notify,
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    fn conflicts(&self, keys: &[Key]) -> bool {
        keys.iter().any(|(ns, k, write)| {
            self.held
                .get(&(ns.clone(), k.clone()))
                .is_some_and(|h| h.writers > 0 || (*write && h.readers > 0))
        })
    }

    /// Whether a call with this ticket (or a new call, `None`) may take `keys` now.
    fn may_take(&self, keys: &[Key], ticket: Option<u64>) -> bool {
        !self.conflicts(keys)
            && !self
                .waiting
                .range(..ticket.unwrap_or(u64::MAX))
                .any(|(_, w)| overlap(w, keys))
    }

    fn take(&mut self, keys: &[Key]) {
        for (ns, k, write) in keys {
            let h = self.held.entry((ns.clone(), k.clone())).or_default();
            if *write {
                h.writers += 1;
            } else {
                h.readers += 1;
            }
        }
    }

    fn give_back(&mut self, keys: &[Key]) {
        for (ns, k, write) in keys {
            let entry = (ns.clone(), k.clone());
            let empty = match self.held.get_mut(&entry) {
                Some(h) => {
                    if *write {
                        h.writers = h.writers.saturating_sub(1);
                    } else {
                        h.readers = h.readers.saturating_sub(1);
                    }
                    h.readers == 0 && h.writers == 0
                }
                None => false,
            };
            if empty {
                self.held.remove(&entry);
            }
        }
    }
}

/// Keys held by one in-flight transaction; given back when dropped.
pub(crate) struct Held {
    owner: Arc<HotKeys>,
    keys: Vec<Key>,
}

impl Held {
    /// Whether these held keys include `keys` (a held write covers a read).
    pub(crate) fn covers(&self, keys: &[Key]) -> bool {
        keys.iter().all(|(ns, k, w)| {
            self.keys
                .iter()
                .any(|(hn, hk, hw)| hn == ns && hk == k && (*hw || !*w))
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        lock(&self.owner.state).give_back(&self.keys);
        self.owner.released.notify_waiters();
    }
}

impl HotKeys {
    /// The keys calls of this kind touched last time, if known.
    pub(crate) fn predicted(&self, kind: CallKind) -> Option<Vec<Key>> {
        lock(&self.state).learned.get(&kind).cloned()
    }

    /// Remembers the keys a call of this kind touched.
    pub(crate) fn learn(&self, kind: CallKind, keys: &[Key]) {
        let mut state = lock(&self.state);
        if state.learned.len() >= LEARNED_KINDS && !state.learned.contains_key(&kind) {
            state.learned.clear();
        }
        state.learned.insert(kind, keys.to_vec());
    }

    /// Takes `keys` if no in-flight transaction, and no call waiting before, conflicts with
    /// them.
    pub(crate) fn try_take(self: &Arc<Self>, keys: &[Key]) -> Option<Held> {
        let mut state = lock(&self.state);
        if !state.may_take(keys, None) {
            return None;
        }
        state.take(keys);
        Some(self.held(keys))
    }

    fn held(self: &Arc<Self>, keys: &[Key]) -> Held {
        Held {
            owner: Arc::clone(self),
            keys: keys.to_vec(),
        }
    }

    /// Waits, in arrival order among calls with conflicting keys, until `keys` are free of
    /// conflicting in-flight transactions, then takes them.
    pub(crate) async fn take(self: &Arc<Self>, keys: &[Key]) -> Held {
        let ticket = {
            let mut state = lock(&self.state);
            if state.may_take(keys, None) {
                state.take(keys);
                return self.held(keys);
            }
            let t = state.next_ticket;
            state.next_ticket += 1;
            state.waiting.insert(t, keys.to_vec());
            t
        };
        // Leaves the queue however this wait ends (also when the caller gives up).
        let queued = Queued {
            owner: self,
            ticket,
        };
        loop {
            // Registered before checking, so a release between the check and the wait is seen.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut state = lock(&self.state);
                if state.may_take(keys, Some(ticket)) {
                    state.waiting.remove(&ticket);
                    state.take(keys);
                    drop(state);
                    std::mem::forget(queued);
                    // Later waiters may now be served too (those not conflicting with this one).
                    self.released.notify_waiters();
                    return self.held(keys);
                }
            }
            released.await;
        }
    }
}

/// A place in the waiting queue, left when dropped.
struct Queued<'a> {
    owner: &'a Arc<HotKeys>,
    ticket: u64,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        lock(&self.owner.state).waiting.remove(&self.ticket);
        self.owner.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, w: bool) -> Key {
        ("kv".into(), k.into(), w)
    }

    #[tokio::test]
    async fn writers_wait_readers_share() {
        let hk = Arc::new(HotKeys::default());
        let a = hk.try_take(&[key("a", true)]);
        assert!(a.is_some());
        assert!(
            hk.try_take(&[key("a", false)]).is_none(),
            "a write blocks reads"
        );
        assert!(
            hk.try_take(&[key("b", true)]).is_some(),
            "other keys are free"
        );
        let waiter = {
            let hk = Arc::clone(&hk);
            tokio::spawn(async move { hk.take(&[key("a", true)]).await.keys.len() })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(a);
        let n = tokio::time::timeout(std::time::Duration::from_secs(2), waiter)
            .await
            .ok()
            .and_then(Result::ok);
        assert_eq!(n, Some(1));

        // First come, first served: a later writer does not overtake an earlier one.
        let w1 = hk.try_take(&[key("q", true)]);
        assert!(w1.is_some());
        let hk2 = Arc::clone(&hk);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (hk, order) = (Arc::clone(&hk2), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let held = hk.take(&[key("q", true)]).await;
                order.lock().unwrap_or_else(PoisonError::into_inner).push(i);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                drop(held);
            }));
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // A newcomer may not cut in line either.
        assert!(hk.try_take(&[key("q", false)]).is_none());
        drop(w1);
        for t in tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), t).await;
        }
        assert_eq!(
            *order.lock().unwrap_or_else(PoisonError::into_inner),
            vec![0, 1, 2]
        );

        let r1 = hk.try_take(&[key("c", false)]);
        let r2 = hk.try_take(&[key("c", false)]);
        assert!(r1.is_some() && r2.is_some(), "reads share");
        assert!(
            hk.try_take(&[key("c", true)]).is_none(),
            "a read blocks writes"
        );
        let held = r1.as_ref().map(|h| h.covers(&[key("c", false)]));
        assert_eq!(held, Some(true));
        assert_eq!(r1.map(|h| h.covers(&[key("c", true)])), Some(false));
    }

    #[test]
    fn kinds_and_learning() {
        let hk = HotKeys::default();
        let k1 = CallKind::of("increment", &[b"a".to_vec()]);
        let k2 = CallKind::of("increment", &[b"b".to_vec()]);
        assert_ne!(k1, k2);
        assert_eq!(hk.predicted(k1), None);
        hk.learn(k1, &[key("a", true)]);
        assert_eq!(hk.predicted(k1), Some(vec![key("a", true)]));
    }
}
