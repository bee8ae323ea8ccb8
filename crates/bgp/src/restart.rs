//! Graceful restart, receiving-speaker (helper) side (RFC 4724 §4.2): which families of a peer keep
//! their routes, stale, when its session drops, and when those stale routes must go. Sans-IO: time
//! comes in as `now`, the caller applies the answers to the RIB ([`crate::rib::Rib::peer_down_graceful`],
//! [`crate::rib::Rib::sweep_stale`]) and wakes at [`RestartHelper::next_deadline`].
//!
//! One helper per peer, from the session going down until every stale family is resolved:
//! - down without a NOTIFICATION (RFC 4724 only; RFC 8538's N bit is not honoured), with the peer's
//!   capability from the last OPEN: the families it listed (and we negotiated) keep their routes, stale,
//!   and the restart timer (the peer's Restart Time) runs;
//! - the restart timer expires before the session is back: every stale family is swept;
//! - the session is back: families missing from the new capability, or listed with F = 0, are swept
//!   at once; the others wait for the peer's End-of-RIB, at most the stale-path time;
//! - End-of-RIB for a family, or the stale-path timer: that family is swept.

use crate::family::AddressFamily;
use crate::fsm::GracefulRestart;
use std::time::{Duration, Instant};

/// How long stale routes wait for End-of-RIB once the peer is back (the usual implementations' 360 s).
pub const DEFAULT_STALE_PATH_TIME: Duration = Duration::from_secs(360);

/// Where a stale family is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The session is down; the restart timer runs.
    Restarting,
    /// The session is back; waiting for End-of-RIB (or the stale-path timer).
    Resynchronising,
}

/// The graceful restart state of one peer (helper side). See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestartHelper {
    /// Each stale family with its phase and deadline.
    families: Vec<(AddressFamily, Phase, Instant)>,
    stale_path_time: Duration,
}

impl RestartHelper {
    /// The session went down at `now`. `peer` is the peer's Graceful Restart capability as negotiated
    /// (`None` when either side did not announce one), `negotiated` the session's families,
    /// `notification` whether a NOTIFICATION was sent or received. `None`: no graceful restart, the
    /// peer's routes go now.
    pub fn session_down(
        peer: Option<&GracefulRestart>,
        negotiated: &[AddressFamily],
        notification: bool,
        now: Instant,
    ) -> Option<RestartHelper> {
        let peer = peer?;
        if notification || peer.restart_time == 0 {
            return None;
        }
        let deadline = now + Duration::from_secs(u64::from(peer.restart_time));
        let mut families: Vec<(AddressFamily, Phase, Instant)> = Vec::new();
        for family in &peer.families {
            if negotiated.contains(&family.family)
                && !families.iter().any(|(known, _, _)| *known == family.family)
            {
                families.push((family.family, Phase::Restarting, deadline));
            }
        }
        (!families.is_empty()).then_some(RestartHelper {
            families,
            stale_path_time: DEFAULT_STALE_PATH_TIME,
        })
    }

    /// Sets the stale-path time (default [`DEFAULT_STALE_PATH_TIME`]).
    pub fn with_stale_path_time(mut self, time: Duration) -> Self {
        self.stale_path_time = time;
        self
    }

    /// The families whose routes are stale.
    pub fn families(&self) -> Vec<AddressFamily> {
        self.families.iter().map(|(family, _, _)| *family).collect()
    }

    /// A stale family's phase.
    pub fn phase(&self, family: AddressFamily) -> Option<Phase> {
        self.families
            .iter()
            .find(|(known, _, _)| *known == family)
            .map(|(_, phase, _)| *phase)
    }

    /// True when no family is stale any more (the helper can be dropped).
    pub fn is_done(&self) -> bool {
        self.families.is_empty()
    }

    /// The session is back at `now` with the peer's new capability (`None`: none negotiated). Returns
    /// the families to sweep now (RFC 4724 §4.2: not listed, or Forwarding State bit clear); the others
    /// wait for End-of-RIB.
    pub fn session_up(
        &mut self,
        peer: Option<&GracefulRestart>,
        now: Instant,
    ) -> Vec<AddressFamily> {
        let stale_path_time = self.stale_path_time;
        let mut sweep = Vec::new();
        self.families.retain_mut(|(family, phase, deadline)| {
            let preserved = peer.is_some_and(|peer| {
                peer.families
                    .iter()
                    .any(|listed| listed.family == *family && listed.forwarding_preserved)
            });
            if preserved {
                *phase = Phase::Resynchronising;
                *deadline = now + stale_path_time;
                true
            } else {
                sweep.push(*family);
                false
            }
        });
        sweep
    }

    /// End-of-RIB for `family` from the re-established session: true when that family's stale routes
    /// must be swept now.
    pub fn end_of_rib(&mut self, family: AddressFamily) -> bool {
        let before = self.families.len();
        self.families
            .retain(|(known, phase, _)| !(*known == family && *phase == Phase::Resynchronising));
        self.families.len() != before
    }

    /// Fires the timers due at `now`: the families to sweep.
    pub fn poll(&mut self, now: Instant) -> Vec<AddressFamily> {
        let mut sweep = Vec::new();
        self.families.retain(|(family, _, deadline)| {
            if *deadline <= now {
                sweep.push(*family);
                false
            } else {
                true
            }
        });
        sweep
    }

    /// The earliest deadline, when a family is stale.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.families.iter().map(|(_, _, deadline)| *deadline).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsm::GracefulRestartFamily;

    const V4: AddressFamily = AddressFamily::IPV4_UNICAST;
    const V6: AddressFamily = AddressFamily::IPV6_UNICAST;

    fn capability(restart_time: u16, families: &[(AddressFamily, bool)]) -> GracefulRestart {
        GracefulRestart {
            restarting: false,
            notification: false,
            restart_time,
            families: families
                .iter()
                .map(|&(family, forwarding_preserved)| GracefulRestartFamily {
                    family,
                    forwarding_preserved,
                })
                .collect(),
        }
    }

    #[test]
    fn no_capability_or_notification_means_no_restart() {
        let now = Instant::now();
        let peer = capability(120, &[(V4, true)]);
        assert_eq!(RestartHelper::session_down(None, &[V4], false, now), None);
        assert_eq!(
            RestartHelper::session_down(Some(&peer), &[V4], true, now),
            None
        );
        assert_eq!(
            RestartHelper::session_down(Some(&capability(0, &[(V4, true)])), &[V4], false, now),
            None
        );
        // Only the families the session negotiated.
        assert_eq!(
            RestartHelper::session_down(Some(&peer), &[V6], false, now),
            None
        );
    }

    #[test]
    fn restart_timer_sweeps_when_the_peer_stays_away() {
        let start = Instant::now();
        let peer = capability(2, &[(V4, false), (V6, false)]);
        let mut helper =
            RestartHelper::session_down(Some(&peer), &[V4, V6], false, start).expect("restarts");
        assert_eq!(helper.families(), vec![V4, V6]);
        assert_eq!(helper.phase(V4), Some(Phase::Restarting));
        assert_eq!(helper.next_deadline(), Some(start + Duration::from_secs(2)));
        assert!(helper.poll(start + Duration::from_secs(1)).is_empty());
        assert_eq!(helper.poll(start + Duration::from_secs(2)), vec![V4, V6]);
        assert!(helper.is_done());
        assert_eq!(helper.next_deadline(), None);
    }

    #[test]
    fn back_with_forwarding_state_waits_for_end_of_rib() {
        let start = Instant::now();
        let peer = capability(120, &[(V4, true), (V6, true)]);
        let mut helper = RestartHelper::session_down(Some(&peer), &[V4, V6], false, start)
            .expect("restarts")
            .with_stale_path_time(Duration::from_secs(10));
        let back = start + Duration::from_secs(5);
        // The new OPEN keeps IPv4's forwarding state, not IPv6's.
        let new = capability(120, &[(V4, true), (V6, false)]);
        assert_eq!(helper.session_up(Some(&new), back), vec![V6]);
        assert_eq!(helper.phase(V4), Some(Phase::Resynchronising));
        assert_eq!(helper.next_deadline(), Some(back + Duration::from_secs(10)));
        assert!(!helper.end_of_rib(V6));
        assert!(helper.end_of_rib(V4));
        assert!(helper.is_done());
    }

    #[test]
    fn back_without_capability_sweeps_everything() {
        let start = Instant::now();
        let peer = capability(120, &[(V4, true)]);
        let mut helper =
            RestartHelper::session_down(Some(&peer), &[V4], false, start).expect("restarts");
        assert_eq!(helper.session_up(None, start), vec![V4]);
        assert!(helper.is_done());
    }

    #[test]
    fn stale_path_timer_sweeps_without_end_of_rib() {
        let start = Instant::now();
        let peer = capability(120, &[(V4, true)]);
        let mut helper =
            RestartHelper::session_down(Some(&peer), &[V4], false, start).expect("restarts");
        assert!(helper.session_up(Some(&peer), start).is_empty());
        // End-of-RIB before the session is back does not count; the stale-path time runs from `up`.
        assert!(helper
            .poll(start + DEFAULT_STALE_PATH_TIME - Duration::from_secs(1))
            .is_empty());
        assert_eq!(helper.poll(start + DEFAULT_STALE_PATH_TIME), vec![V4]);
    }
}
