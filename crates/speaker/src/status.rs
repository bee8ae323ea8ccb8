//! What the session tasks report about themselves (state, uptime, last error, message counters), shared
//! with the router, the control socket and the metrics endpoint. Route counts live in the router.

use globe_bgp::fsm::State;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

/// One neighbour's session, as its task last reported it.
#[derive(Clone, Debug)]
pub struct NeighborStatus {
    /// The neighbour's address.
    pub address: IpAddr,
    /// Its configured AS.
    pub asn: u32,
    /// The configured description.
    pub description: Option<String>,
    /// The primary machine's state.
    pub state: State,
    /// When the session last reached Established, while it is up.
    pub established_at: Option<(Instant, SystemTime)>,
    /// Why the session last went down, or the last error.
    pub last_error: Option<String>,
    /// Times the session reached Established.
    pub established_count: u64,
    /// UPDATE messages received.
    pub updates_in: u64,
    /// UPDATE messages sent.
    pub updates_out: u64,
    /// NOTIFICATIONs received.
    pub notifications_in: u64,
    /// NOTIFICATIONs sent.
    pub notifications_out: u64,
    /// ROUTE-REFRESH messages received.
    pub refreshes_in: u64,
    /// RFC 7606 errors survived (treat-as-withdraw or attribute discard).
    pub attribute_errors: u64,
}

/// Every neighbour's status, indexed like the configuration's `[[neighbor]]` list.
#[derive(Clone, Debug, Default)]
pub struct StatusTable {
    inner: Arc<Mutex<Vec<NeighborStatus>>>,
}

impl StatusTable {
    /// A table with one Idle entry per neighbour.
    pub fn new(neighbors: Vec<NeighborStatus>) -> Self {
        StatusTable {
            inner: Arc::new(Mutex::new(neighbors)),
        }
    }

    /// Runs `change` on one neighbour's entry.
    pub fn update(&self, neighbor: usize, change: impl FnOnce(&mut NeighborStatus)) {
        if let Some(status) = self.lock().get_mut(neighbor) {
            change(status);
        }
    }

    /// A copy of every entry.
    pub fn snapshot(&self) -> Vec<NeighborStatus> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<NeighborStatus>> {
        // A panic while holding the lock leaves plain counters behind; they are still worth reading.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl NeighborStatus {
    /// A neighbour that has not started yet.
    pub fn new(address: IpAddr, asn: u32, description: Option<String>) -> Self {
        NeighborStatus {
            address,
            asn,
            description,
            state: State::Idle,
            established_at: None,
            last_error: None,
            established_count: 0,
            updates_in: 0,
            updates_out: 0,
            notifications_in: 0,
            notifications_out: 0,
            refreshes_in: 0,
            attribute_errors: 0,
        }
    }
}
