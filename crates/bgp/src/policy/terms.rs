//! Operator policy as data: a [`Policy`] is a list of terms, each a match and what to do, and a default.
//! It deserializes from the speaker's TOML (kebab-case keys):
//!
//! ```toml
//! [[term]]
//! match.prefix-list = ["192.0.2.0/24 le 32", "198.51.100.0/24"]
//! match.as-path.origin = [64500]
//! match.community = ["65000:*", "no-export"]
//! set.local-pref = 300
//! set.community-add = ["65000:1"]
//! set.prepend = 2
//! action = "accept"          # accept | reject | next (default: next, go on with the changes)
//! ```
//!
//! Within a match every given field must hold; inside a list any entry may. A term with an empty match
//! matches every route. Terms run in order on a copy-on-write view of the route's attributes; the first
//! `accept` or `reject` ends the evaluation; if none does, [`Policy::default`] applies to the route as
//! changed so far. Without a policy at all, RFC 8212 decides ([`super::default_action`]).

use super::aspa::AspaState;
use super::rov::RovState;
use super::Relationship;
use crate::prefix::Prefix;
use crate::rib::PathAttributes;
use crate::wire::{Community, LargeCommunity};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A routing policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    /// The terms, in order.
    #[serde(default)]
    pub term: Vec<Term>,
    /// What happens to a route no term accepted or rejected (default: reject).
    #[serde(default)]
    pub default: Action,
}

/// One term: a match, changes, and an action.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Term {
    /// A name for logs and `show` output.
    #[serde(default)]
    pub name: Option<String>,
    /// The conditions.
    #[serde(default, rename = "match")]
    pub conditions: Match,
    /// Changes applied when the term matches (before the action).
    #[serde(default)]
    pub set: Set,
    /// What to do when the term matches.
    #[serde(default)]
    pub action: TermAction,
}

/// A policy's final decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Take the route (with the changes made).
    Accept,
    /// Drop the route.
    #[default]
    Reject,
}

/// What a matching term does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TermAction {
    /// Accept now.
    Accept,
    /// Reject now.
    Reject,
    /// Keep the changes and go on to the next term.
    #[default]
    Next,
}

/// Conditions of a term; empty fields are not checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Match {
    /// The prefix matches one of these entries.
    #[serde(default)]
    pub prefix_list: Vec<PrefixListEntry>,
    /// AS path conditions.
    #[serde(default)]
    pub as_path: AsPathMatch,
    /// The route carries one of these communities.
    #[serde(default)]
    pub community: Vec<CommunityPattern>,
    /// The route carries one of these large communities.
    #[serde(default)]
    pub large_community: Vec<LargeCommunityPattern>,
    /// The neighbour (learned from on import, sent to on export) has one of these relationships.
    #[serde(default)]
    pub role: Vec<Relationship>,
    /// The route's origin validation state is one of these (never matches when ROV is not run).
    #[serde(default)]
    pub rov: Vec<RovState>,
    /// The route's ASPA verification state is one of these (never matches when ASPA is not run).
    #[serde(default)]
    pub aspa: Vec<AspaState>,
}

/// AS path conditions; all given ones must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AsPathMatch {
    /// The path contains one of these ASes anywhere.
    #[serde(default)]
    pub contains: Vec<u32>,
    /// The origin AS is one of these.
    #[serde(default)]
    pub origin: Vec<u32>,
    /// The neighbour (first) AS is one of these.
    #[serde(default)]
    pub neighbor: Vec<u32>,
    /// The path length (RFC 4271 §9.1.2.2 (a) counting) is at most this.
    #[serde(default)]
    pub length_max: Option<u32>,
    /// The path length is at least this.
    #[serde(default)]
    pub length_min: Option<u32>,
}

/// Changes a term makes.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Set {
    /// LOCAL_PREF.
    #[serde(default)]
    pub local_pref: Option<u32>,
    /// MULTI_EXIT_DISC.
    #[serde(default)]
    pub med: Option<u32>,
    /// Communities to add (if absent).
    #[serde(default)]
    pub community_add: Vec<CommunityValue>,
    /// Communities to remove (patterns).
    #[serde(default)]
    pub community_remove: Vec<CommunityPattern>,
    /// Large communities to add.
    #[serde(default)]
    pub large_community_add: Vec<LargeCommunityValue>,
    /// Large communities to remove (patterns).
    #[serde(default)]
    pub large_community_remove: Vec<LargeCommunityPattern>,
    /// Prepend the local AS this many times.
    #[serde(default)]
    pub prepend: u8,
}

/// A prefix-list entry: `P`, `P le N`, `P ge N`, `P ge N le M` (or `P exact`). A route matches when
/// `P` covers it and its length is within `[ge, le]`; without `ge`/`le` only `P` itself matches; with only
/// `le`, `ge` is P's length; with only `ge`, `le` is the family maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct PrefixListEntry {
    /// The covering prefix.
    pub prefix: Prefix,
    /// The shortest length matched.
    pub ge: u8,
    /// The longest length matched.
    pub le: u8,
}

/// A standard community to set: `asn:value` or a well-known name (`no-export`, `no-advertise`,
/// `no-export-subconfed`, `no-peer`, `blackhole`, `graceful-shutdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct CommunityValue(pub Community);

/// A standard community pattern: a [`CommunityValue`], or `asn:*`, `*:value`, `*:*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct CommunityPattern {
    /// The high half, `None` for `*`.
    pub asn: Option<u16>,
    /// The low half, `None` for `*`.
    pub value: Option<u16>,
}

/// A large community to set: `global:local1:local2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct LargeCommunityValue(pub LargeCommunity);

/// A large community pattern: three parts, each a number or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct LargeCommunityPattern(pub [Option<u32>; 3]);

/// A text form that did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected.
    pub expected: &'static str,
    /// The text.
    pub text: String,
}

/// The facts about a route that are not in its attributes, for matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyContext {
    /// The route's prefix.
    pub prefix: Prefix,
    /// Our AS (for `prepend`).
    pub local_as: u32,
    /// The neighbour's relationship (learned from on import, sent to on export), if configured.
    pub relationship: Option<Relationship>,
    /// The route's origin validation state, when ROV runs.
    pub rov: Option<RovState>,
    /// The route's ASPA state, when ASPA verification runs.
    pub aspa: Option<AspaState>,
}

/// The outcome of [`Policy::evaluate`].
// The Accept variant is large, but a verdict lives for one call and is matched at once; boxing it
// would allocate for every changed route.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Accepted, with the attributes as changed (borrowed when unchanged).
    Accept(Cow<'a, PathAttributes>),
    /// Rejected.
    Reject,
}

/// How a session names its policy in configuration: `"accept-all"`, `"reject-all"`, or the name of a
/// policy defined elsewhere in the file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "String")]
pub enum PolicyRef {
    /// Accept every route unchanged (the explicit opt-in RFC 8212 asks for).
    AcceptAll,
    /// Reject every route.
    RejectAll,
    /// A named policy.
    Named(String),
}

/// Named policies, as the speaker's configuration defines them.
#[derive(Clone, Debug, Default)]
pub struct PolicyLibrary {
    policies: HashMap<String, Arc<Policy>>,
}

impl Policy {
    /// A policy that accepts every route unchanged.
    pub fn accept_all() -> Policy {
        Policy {
            term: Vec::new(),
            default: Action::Accept,
        }
    }

    /// A policy that rejects every route.
    pub fn reject_all() -> Policy {
        Policy::default()
    }

    /// True when the outcome can differ between prefixes with equal attributes (prefix lists or ROV
    /// conditions): the RIB evaluates such a policy once per prefix, any other once per UPDATE.
    pub fn depends_on_prefix(&self) -> bool {
        self.term
            .iter()
            .any(|term| !term.conditions.prefix_list.is_empty() || !term.conditions.rov.is_empty())
    }

    /// Runs the policy on a route.
    pub fn evaluate<'a>(
        &self,
        context: &PolicyContext,
        attributes: &'a PathAttributes,
    ) -> Verdict<'a> {
        let mut view = Cow::Borrowed(attributes);
        for term in &self.term {
            if !term.conditions.matches(context, &view) {
                continue;
            }
            if term.set != Set::default() {
                term.set.apply(context, view.to_mut());
            }
            match term.action {
                TermAction::Accept => return Verdict::Accept(view),
                TermAction::Reject => return Verdict::Reject,
                TermAction::Next => {}
            }
        }
        match self.default {
            Action::Accept => Verdict::Accept(view),
            Action::Reject => Verdict::Reject,
        }
    }
}

impl Match {
    /// True when every given condition holds.
    pub fn matches(&self, context: &PolicyContext, attributes: &PathAttributes) -> bool {
        (self.prefix_list.is_empty()
            || self
                .prefix_list
                .iter()
                .any(|entry| entry.matches(&context.prefix)))
            && self.as_path.matches(attributes)
            && (self.community.is_empty()
                || attributes.communities.iter().any(|&community| {
                    self.community
                        .iter()
                        .any(|pattern| pattern.matches(community))
                }))
            && (self.large_community.is_empty()
                || attributes.large_communities.iter().any(|&community| {
                    self.large_community
                        .iter()
                        .any(|pattern| pattern.matches(community))
                }))
            && (self.role.is_empty()
                || context
                    .relationship
                    .is_some_and(|role| self.role.contains(&role)))
            && (self.rov.is_empty() || context.rov.is_some_and(|state| self.rov.contains(&state)))
            && (self.aspa.is_empty()
                || context.aspa.is_some_and(|state| self.aspa.contains(&state)))
    }
}

impl AsPathMatch {
    /// True when every given condition holds.
    pub fn matches(&self, attributes: &PathAttributes) -> bool {
        let path = &attributes.as_path;
        let length = u32::try_from(path.path_length()).unwrap_or(u32::MAX);
        (self.contains.is_empty()
            || path
                .segments
                .iter()
                .any(|segment| segment.asns.iter().any(|asn| self.contains.contains(asn))))
            && (self.origin.is_empty()
                || path
                    .origin_asn()
                    .is_some_and(|asn| self.origin.contains(&asn)))
            && (self.neighbor.is_empty()
                || path
                    .first_asn()
                    .is_some_and(|asn| self.neighbor.contains(&asn)))
            && self.length_max.is_none_or(|max| length <= max)
            && self.length_min.is_none_or(|min| length >= min)
    }
}

impl Set {
    /// Applies the changes.
    pub fn apply(&self, context: &PolicyContext, attributes: &mut PathAttributes) {
        if let Some(local_pref) = self.local_pref {
            attributes.local_pref = Some(local_pref);
        }
        if let Some(med) = self.med {
            attributes.med = Some(med);
        }
        attributes.communities.retain(|&community| {
            !self
                .community_remove
                .iter()
                .any(|pattern| pattern.matches(community))
        });
        for CommunityValue(community) in &self.community_add {
            if !attributes.communities.contains(community) {
                attributes.communities.push(*community);
            }
        }
        attributes.large_communities.retain(|&community| {
            !self
                .large_community_remove
                .iter()
                .any(|pattern| pattern.matches(community))
        });
        for LargeCommunityValue(community) in &self.large_community_add {
            if !attributes.large_communities.contains(community) {
                attributes.large_communities.push(*community);
            }
        }
        attributes.prepend(context.local_as, usize::from(self.prepend));
    }
}

impl PrefixListEntry {
    /// True when `prefix` is covered and its length is within `[ge, le]`.
    pub fn matches(&self, prefix: &Prefix) -> bool {
        self.prefix.contains(prefix) && (self.ge..=self.le).contains(&prefix.length())
    }
}

impl FromStr for PrefixListEntry {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let error = || ParseError {
            expected: "prefix [ge N] [le M] | prefix exact",
            text: text.to_string(),
        };
        let mut words = text.split_whitespace();
        let prefix: Prefix = words
            .next()
            .and_then(|word| word.parse().ok())
            .ok_or_else(error)?;
        let family_max = if prefix.is_ipv4() { 32 } else { 128 };
        let (mut ge, mut le) = (None, None);
        while let Some(word) = words.next() {
            let slot = match word {
                "ge" => &mut ge,
                "le" => &mut le,
                "exact" => continue,
                _ => return Err(error()),
            };
            let value: u8 = words
                .next()
                .and_then(|word| word.parse().ok())
                .ok_or_else(error)?;
            *slot = Some(value);
        }
        let (ge, le) = match (ge, le) {
            (None, None) => (prefix.length(), prefix.length()),
            (Some(ge), None) => (ge, family_max),
            (None, Some(le)) => (prefix.length(), le),
            (Some(ge), Some(le)) => (ge, le),
        };
        if ge < prefix.length() || ge > le || le > family_max {
            return Err(error());
        }
        Ok(PrefixListEntry { prefix, ge, le })
    }
}

impl FromStr for CommunityValue {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let normalized = text.to_ascii_lowercase().replace('_', "-");
        let well_known = match normalized.as_str() {
            "no-export" => Some(Community::NO_EXPORT),
            "no-advertise" => Some(Community::NO_ADVERTISE),
            "no-export-subconfed" => Some(Community::NO_EXPORT_SUBCONFED),
            "no-peer" | "nopeer" => Some(Community::NO_PEER),
            "blackhole" => Some(Community::BLACKHOLE),
            "graceful-shutdown" => Some(Community::GRACEFUL_SHUTDOWN),
            _ => None,
        };
        if let Some(community) = well_known {
            return Ok(CommunityValue(community));
        }
        text.parse().map(CommunityValue).map_err(|_| ParseError {
            expected: "asn:value or a well-known community name",
            text: text.to_string(),
        })
    }
}

impl FromStr for CommunityPattern {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        if let Ok(CommunityValue(community)) = text.parse() {
            return Ok(CommunityPattern {
                asn: Some(community.asn()),
                value: Some(community.value()),
            });
        }
        let error = || ParseError {
            expected: "asn:value with * for either half, or a well-known community name",
            text: text.to_string(),
        };
        let (asn, value) = text.split_once(':').ok_or_else(error)?;
        let part = |part: &str| -> Result<Option<u16>, ParseError> {
            if part == "*" {
                Ok(None)
            } else {
                part.parse().map(Some).map_err(|_| error())
            }
        };
        Ok(CommunityPattern {
            asn: part(asn)?,
            value: part(value)?,
        })
    }
}

impl CommunityPattern {
    /// True when `community` fits the pattern.
    pub fn matches(&self, community: Community) -> bool {
        self.asn.is_none_or(|asn| asn == community.asn())
            && self.value.is_none_or(|value| value == community.value())
    }
}

impl FromStr for LargeCommunityPattern {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let error = || ParseError {
            expected: "global:local1:local2, each a number or *",
            text: text.to_string(),
        };
        let mut parts = [None; 3];
        let mut fields = text.split(':');
        for part in &mut parts {
            let field = fields.next().ok_or_else(error)?;
            *part = if field == "*" {
                None
            } else {
                Some(field.parse().map_err(|_| error())?)
            };
        }
        if fields.next().is_some() {
            return Err(error());
        }
        Ok(LargeCommunityPattern(parts))
    }
}

impl LargeCommunityPattern {
    /// True when `community` fits the pattern.
    pub fn matches(&self, community: LargeCommunity) -> bool {
        let values = [
            community.global_admin,
            community.local_data_1,
            community.local_data_2,
        ];
        self.0
            .iter()
            .zip(values)
            .all(|(pattern, value)| pattern.is_none_or(|wanted| wanted == value))
    }
}

impl FromStr for LargeCommunityValue {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        match text.parse::<LargeCommunityPattern>()?.0 {
            [Some(global), Some(first), Some(second)] => Ok(LargeCommunityValue(
                LargeCommunity::new(global, first, second),
            )),
            _ => Err(ParseError {
                expected: "global:local1:local2 without *",
                text: text.to_string(),
            }),
        }
    }
}

macro_rules! try_from_string {
    ($($type:ty),*) => {$(
        impl TryFrom<String> for $type {
            type Error = ParseError;
            fn try_from(text: String) -> Result<Self, ParseError> {
                text.parse()
            }
        }
    )*};
}
try_from_string!(
    PrefixListEntry,
    CommunityValue,
    CommunityPattern,
    LargeCommunityValue,
    LargeCommunityPattern
);

impl From<String> for PolicyRef {
    fn from(text: String) -> Self {
        match text.as_str() {
            "accept-all" => PolicyRef::AcceptAll,
            "reject-all" => PolicyRef::RejectAll,
            _ => PolicyRef::Named(text),
        }
    }
}

impl PolicyLibrary {
    /// An empty library.
    pub fn new() -> Self {
        PolicyLibrary::default()
    }

    /// Adds (replaces) a named policy.
    pub fn insert(&mut self, name: impl Into<String>, policy: Policy) {
        self.policies.insert(name.into(), Arc::new(policy));
    }

    /// The policy a reference names; `None` for an unknown name.
    pub fn resolve(&self, reference: &PolicyRef) -> Option<Arc<Policy>> {
        match reference {
            PolicyRef::AcceptAll => Some(Arc::new(Policy::accept_all())),
            PolicyRef::RejectAll => Some(Arc::new(Policy::reject_all())),
            PolicyRef::Named(name) => self.policies.get(name).cloned(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, got {:?}", self.expected, self.text)
    }
}

impl std::error::Error for ParseError {}
