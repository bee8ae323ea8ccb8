//! What a session machine is configured with: our AS and identifier, the AS we expect, the timers of
//! RFC 4271 §10, the restart back-off, and the capabilities we offer; plus the validated shutdown
//! communication a ManualStop may carry (RFC 9003).

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::negotiate::{NegotiationInput, OpenParameters, BGP_VERSION};

/// Suggested ConnectRetryTime (RFC 4271 §10): 120 seconds.
pub const DEFAULT_CONNECT_RETRY_TIME: Duration = Duration::from_secs(120);
/// Suggested HoldTime (RFC 4271 §10): 90 seconds.
pub const DEFAULT_HOLD_TIME: u16 = 90;
/// The "large value" the Hold timer is set to while waiting for the peer's OPEN (RFC 4271 §8.2.2
/// suggests 4 minutes).
pub const DEFAULT_OPEN_HOLD_TIME: Duration = Duration::from_secs(240);
/// The longest shutdown communication RFC 9003 §2 allows, in octets of UTF-8.
pub const MAX_SHUTDOWN_COMMUNICATION: usize = 255;

/// Which AS the peer must announce in its OPEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerAsn {
    /// Exactly this AS (4-octet, RFC 6793); any other gets OPEN Message Error / Bad Peer AS.
    Exact(u32),
    /// Whatever AS the peer announces (dynamic or "any AS" neighbors). The session is internal when the
    /// announced AS equals ours.
    Any,
}

/// Exponential back-off of automatic restarts after a session fails (the IdleHoldTimer of RFC 4271
/// §8.1.1 with DampPeerOscillations; BIRD calls it "error wait time" and "error forget time").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdleHoldBackoff {
    /// Wait before the first automatic restart after an error.
    pub initial: Duration,
    /// The wait doubles after each further error up to this.
    pub max: Duration,
    /// A session that stayed Established at least this long resets the wait to `initial` when it goes
    /// down.
    pub forget_after: Duration,
}

impl Default for IdleHoldBackoff {
    fn default() -> Self {
        IdleHoldBackoff {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(300),
            forget_after: Duration::from_secs(300),
        }
    }
}

/// The configuration of one session machine (the optional session attributes of RFC 4271 §8.1.1 that
/// globe implements, plus capabilities).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our AS (4-octet).
    pub local_asn: u32,
    /// Our BGP Identifier; must not be 0.0.0.0.
    pub router_id: Ipv4Addr,
    /// The AS we expect from the peer.
    pub peer_asn: PeerAsn,
    /// The Hold Time we propose, in seconds: 0 (no keepalives) or at least 3 (RFC 4271 §4.2).
    pub hold_time: u16,
    /// ConnectRetryTime: how long an outgoing connection attempt may take, and how long to wait in
    /// Active before trying again.
    pub connect_retry_time: Duration,
    /// The Hold timer while waiting for the peer's OPEN in OpenSent.
    pub open_hold_time: Duration,
    /// DelayOpenTime: when set, the machine waits this long after the TCP connection comes up before
    /// sending its OPEN, and answers an OPEN that arrives meanwhile (RFC 4271 §8.1.1 DelayOpen).
    pub delay_open_time: Option<Duration>,
    /// AllowAutomaticStart: after an error the machine restarts itself when the IdleHold back-off
    /// expires. A ManualStop always disables this until the next ManualStart.
    pub automatic_restart: bool,
    /// The back-off between automatic restarts.
    pub idle_hold: IdleHoldBackoff,
    /// How long to stay Idle after the prefix limit was exceeded before restarting; `None` stays Idle
    /// until a ManualStart (FRR's `maximum-prefix N restart M`, BIRD's `receive limit … action restart`).
    pub prefix_limit_restart: Option<Duration>,
    /// The capabilities we announce, including our BGP Role.
    pub capabilities: NegotiationInput,
    /// RFC 9234 strict mode: refuse a peer that sends no BGP Role capability when we have a role.
    pub role_strict: bool,
}

impl SessionConfig {
    /// A configuration with the RFC 4271 §10 defaults and 4-octet ASN and route refresh offered.
    pub fn new(local_asn: u32, router_id: Ipv4Addr, peer_asn: PeerAsn) -> Self {
        SessionConfig {
            local_asn,
            router_id,
            peer_asn,
            hold_time: DEFAULT_HOLD_TIME,
            connect_retry_time: DEFAULT_CONNECT_RETRY_TIME,
            open_hold_time: DEFAULT_OPEN_HOLD_TIME,
            delay_open_time: None,
            automatic_restart: true,
            idle_hold: IdleHoldBackoff::default(),
            prefix_limit_restart: None,
            capabilities: NegotiationInput {
                four_octet_asn: true,
                route_refresh: true,
                ..NegotiationInput::default()
            },
            role_strict: false,
        }
    }

    /// Checks the values the machine relies on: a usable hold time, a non-zero identifier and non-zero
    /// timer durations (a zero duration would fire forever).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.hold_time == 1 || self.hold_time == 2 {
            return Err(ConfigError::HoldTime(self.hold_time));
        }
        if self.router_id.is_unspecified() {
            return Err(ConfigError::RouterId);
        }
        let durations = [
            ("connect_retry_time", Some(self.connect_retry_time)),
            ("open_hold_time", Some(self.open_hold_time)),
            ("delay_open_time", self.delay_open_time),
            ("idle_hold.initial", Some(self.idle_hold.initial)),
            ("idle_hold.max", Some(self.idle_hold.max)),
            ("prefix_limit_restart", self.prefix_limit_restart),
        ];
        for (name, duration) in durations {
            if duration == Some(Duration::ZERO) {
                return Err(ConfigError::ZeroDuration(name));
            }
        }
        if self.idle_hold.max < self.idle_hold.initial {
            return Err(ConfigError::BackoffMaxBelowInitial);
        }
        Ok(())
    }

    /// The OPEN we send: version 4, our AS, proposed hold time, identifier and capabilities.
    pub fn open_parameters(&self) -> OpenParameters {
        OpenParameters {
            version: BGP_VERSION,
            asn: self.local_asn,
            hold_time: self.hold_time,
            router_id: self.router_id,
            capabilities: self.capabilities.clone(),
        }
    }
}

/// A configuration value the machine cannot run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Hold time 1 or 2 seconds (RFC 4271 §4.2: zero or at least three).
    HoldTime(u16),
    /// The BGP Identifier is 0.0.0.0 (RFC 6286 §2.1).
    RouterId,
    /// A timer duration is zero; names the field.
    ZeroDuration(&'static str),
    /// `idle_hold.max` is shorter than `idle_hold.initial`.
    BackoffMaxBelowInitial,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::HoldTime(value) => {
                write!(f, "hold time {value} s: must be 0 or at least 3")
            }
            ConfigError::RouterId => f.write_str("router id 0.0.0.0 is not a valid BGP Identifier"),
            ConfigError::ZeroDuration(name) => write!(f, "{name}: duration must be positive"),
            ConfigError::BackoffMaxBelowInitial => {
                f.write_str("idle_hold.max must not be shorter than idle_hold.initial")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A shutdown communication (RFC 9003): free UTF-8 text of at most 255 octets sent with Cease /
/// Administrative Shutdown or Administrative Reset to tell the peer's operator why.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShutdownCommunication(String);

impl ShutdownCommunication {
    /// Checks the length (RFC 9003 §2); text that is too long is refused rather than cut, since cutting
    /// could split a UTF-8 sequence and change the meaning.
    pub fn new(text: impl Into<String>) -> Result<Self, ShutdownCommunicationError> {
        let text = text.into();
        if text.len() > MAX_SHUTDOWN_COMMUNICATION {
            return Err(ShutdownCommunicationError::TooLong(text.len()));
        }
        Ok(ShutdownCommunication(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NOTIFICATION data: one length octet, then the UTF-8 octets.
    pub fn to_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(1 + self.0.len());
        // The constructor keeps the length at or below 255.
        data.push(u8::try_from(self.0.len()).unwrap_or(u8::MAX));
        data.extend_from_slice(self.0.as_bytes());
        data
    }
}

/// Why a shutdown communication was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShutdownCommunicationError {
    /// Longer than 255 octets of UTF-8; carries the length.
    TooLong(usize),
}

impl fmt::Display for ShutdownCommunicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShutdownCommunicationError::TooLong(length) => write!(
                f,
                "shutdown communication is {length} octets; at most {MAX_SHUTDOWN_COMMUNICATION} allowed"
            ),
        }
    }
}

impl std::error::Error for ShutdownCommunicationError {}
