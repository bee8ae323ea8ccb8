//! Policy tests: the Gao-Rexford export matrix, OTC, ASPA, well-known communities, policy terms.

use super::aspa::{self, AspaState, AspaTable, Direction};
use super::otc::{self, Egress, RouteLeak};
use super::terms::*;
use super::*;
use crate::prefix::Prefix;
use crate::rib::PathAttributes;
use crate::wire::{AsPath, LargeCommunity};
use std::borrow::Cow;

use Relationship::*;

#[test]
fn gao_rexford_export_matrix() {
    // Rows: learned from (None = local); columns: Customer, Peer, Provider, RouteServer,
    // RouteServerClient, Internal.
    let matrix: [(Option<Relationship>, [bool; 6]); 7] = [
        (None, [true, true, true, true, true, true]),
        (Some(Customer), [true, true, true, true, true, true]),
        (Some(Peer), [true, false, false, false, true, true]),
        (Some(Provider), [true, false, false, false, true, true]),
        (Some(RouteServer), [true, false, false, false, true, true]),
        (
            Some(RouteServerClient),
            [true, true, true, true, true, true],
        ),
        (Some(Internal), [true, true, true, true, true, false]),
    ];
    for (from, row) in matrix {
        for (to, expected) in Relationship::ALL.into_iter().zip(row) {
            assert_eq!(may_export(from, to), expected, "{from:?} -> {to:?}");
        }
    }
}

#[test]
fn roles_map_from_both_sides() {
    use crate::fsm::Role as Local;
    use crate::wire::Role as Announced;
    assert_eq!(Relationship::from_local_role(Local::Provider), Customer);
    assert_eq!(Relationship::from_local_role(Local::Customer), Provider);
    assert_eq!(
        Relationship::from_local_role(Local::RouteServer),
        RouteServerClient
    );
    assert_eq!(
        Relationship::from_peer_role(Announced::Customer),
        Some(Customer)
    );
    assert_eq!(Relationship::from_peer_role(Announced::Unknown(9)), None);
    let preferences = LocalPrefByRole::default();
    assert!(
        preferences.for_relationship(Some(Customer)) > preferences.for_relationship(Some(Peer))
    );
    assert!(
        preferences.for_relationship(Some(Peer)) > preferences.for_relationship(Some(Provider))
    );
}

#[test]
fn otc_ingress_rfc_9234_section_5() {
    // Rule 1: OTC from a customer or RS client is a leak.
    assert_eq!(
        otc::ingress(Customer, 64500, Some(64999)),
        Err(RouteLeak::OtcFromCustomer { otc: 64999 })
    );
    assert!(otc::ingress(RouteServerClient, 64500, Some(1)).is_err());
    // Rule 2: from a peer, OTC must be the peer's AS.
    assert_eq!(otc::ingress(Peer, 64500, Some(64500)), Ok(Some(64500)));
    assert_eq!(
        otc::ingress(Peer, 64500, Some(64501)),
        Err(RouteLeak::OtcFromPeerMismatch {
            otc: 64501,
            peer_as: 64500
        })
    );
    // Rule 3: without OTC from a provider, peer or RS, OTC = neighbour AS.
    for from in [Provider, Peer, RouteServer] {
        assert_eq!(otc::ingress(from, 64500, None), Ok(Some(64500)));
    }
    // Kept as is otherwise.
    assert_eq!(otc::ingress(Customer, 64500, None), Ok(None));
    assert_eq!(otc::ingress(Provider, 64500, Some(7)), Ok(Some(7)));
    assert_eq!(otc::ingress(Internal, 64500, Some(7)), Ok(Some(7)));
}

#[test]
fn otc_egress_rfc_9234_section_5() {
    // With OTC: not to providers, peers, route servers.
    for to in [Provider, Peer, RouteServer] {
        assert_eq!(otc::egress(to, 65000, Some(64500)), Egress::Suppress);
    }
    assert_eq!(
        otc::egress(Customer, 65000, Some(64500)),
        Egress::Send(Some(64500))
    );
    // Without OTC: added towards customers, peers and RS clients.
    for to in [Customer, Peer, RouteServerClient] {
        assert_eq!(otc::egress(to, 65000, None), Egress::Send(Some(65000)));
    }
    assert_eq!(otc::egress(Provider, 65000, None), Egress::Send(None));
    assert_eq!(otc::egress(Internal, 65000, Some(1)), Egress::Send(Some(1)));
}

#[test]
fn well_known_communities_on_export() {
    use crate::wire::Community;
    let none: &[Community] = &[];
    assert!(communities_allow_export(none, Some(Peer), true));
    let no_export = [Community::NO_EXPORT];
    assert!(!communities_allow_export(&no_export, Some(Customer), true));
    assert!(communities_allow_export(&no_export, Some(Internal), false));
    let no_advertise = [Community::NO_ADVERTISE];
    assert!(!communities_allow_export(
        &no_advertise,
        Some(Internal),
        false
    ));
    let no_peer = [Community::new(65000, 1), Community::NO_PEER];
    assert!(!communities_allow_export(&no_peer, Some(Peer), true));
    assert!(communities_allow_export(&no_peer, Some(Customer), true));
    assert_eq!(default_action(true), Action::Reject);
    assert_eq!(default_action(false), Action::Accept);
}

/// AS 1 → provider 2 → provider 3 (a tier 1: ASPA with only AS 0); AS 5 → provider 3; AS 4 and 6 have
/// no ASPA.
fn aspa_table() -> AspaTable {
    let mut table = AspaTable::new();
    table.insert(1, [2]);
    table.insert(2, [3]);
    table.insert(3, [0]);
    table.insert(5, [3]);
    table
}

#[test]
fn aspa_upstream() {
    let table = aspa_table();
    let up = |path: &[u32]| aspa::verify(&table, path, Direction::Upstream, path.first().copied());
    assert_eq!(up(&[1]), AspaState::Valid);
    assert_eq!(up(&[2, 1]), AspaState::Valid);
    assert_eq!(up(&[3, 2, 1]), AspaState::Valid);
    assert_eq!(
        up(&[3, 3, 2, 2, 2, 1]),
        AspaState::Valid,
        "prepends collapse"
    );
    // 2 sent its route to 5, which is not its provider: a leak.
    assert_eq!(up(&[5, 2, 1]), AspaState::Invalid);
    // 1 → 4: 1's ASPA does not list 4.
    assert_eq!(up(&[4, 1]), AspaState::Invalid);
    // 6 has no ASPA: cannot tell.
    assert_eq!(up(&[2, 6]), AspaState::Unknown);
    // Empty path, wrong neighbour, AS_SET.
    assert_eq!(up(&[]), AspaState::Invalid);
    assert_eq!(
        aspa::verify(&table, &[2, 1], Direction::Upstream, Some(9)),
        AspaState::Invalid
    );
    let with_set = AsPath {
        segments: vec![
            crate::wire::AsPathSegment {
                kind: crate::wire::SegmentType::Sequence,
                asns: vec![2],
            },
            crate::wire::AsPathSegment {
                kind: crate::wire::SegmentType::Set,
                asns: vec![1, 7],
            },
        ],
    };
    assert_eq!(aspa::path_sequence(&with_set), None);
    assert_eq!(
        aspa::path_sequence(&AsPath::from_sequence(vec![2, 1])),
        Some(vec![2, 1])
    );
}

#[test]
fn aspa_downstream() {
    let table = aspa_table();
    let down =
        |path: &[u32]| aspa::verify(&table, path, Direction::Downstream, path.first().copied());
    // Up 5 → 3, down 3 → 2: valley-free.
    assert_eq!(down(&[2, 3, 5]), AspaState::Valid);
    assert_eq!(down(&[2, 1]), AspaState::Valid);
    // 1 → 2 up, 2 → 5 not up, 5 → 3 up again: a valley, whatever the unattested hops do.
    assert_eq!(down(&[3, 5, 2, 1]), AspaState::Invalid);
    // 1 → 6 is not up (1 attests only 2), 6 and 4 unattested: could be down, down.
    assert_eq!(down(&[4, 6, 1]), AspaState::Unknown);
    assert_eq!(
        Direction::for_relationship(Provider),
        Some(Direction::Downstream)
    );
    assert_eq!(Direction::for_relationship(Peer), Some(Direction::Upstream));
    assert_eq!(Direction::for_relationship(Internal), None);
}

fn context(prefix: &str) -> PolicyContext {
    PolicyContext {
        prefix: prefix.parse().expect("prefix"),
        local_as: 65000,
        relationship: Some(Customer),
        rov: None,
        aspa: None,
    }
}

#[test]
fn prefix_list_ge_le() {
    let entry: PrefixListEntry = "192.0.2.0/24 le 32".parse().expect("entry");
    assert!(entry.matches(&"192.0.2.0/24".parse().expect("prefix")));
    assert!(entry.matches(&"192.0.2.128/25".parse().expect("prefix")));
    assert!(!entry.matches(&"192.0.0.0/16".parse().expect("prefix")));
    let exact: PrefixListEntry = "10.0.0.0/8".parse().expect("entry");
    assert!(exact.matches(&"10.0.0.0/8".parse().expect("prefix")));
    assert!(!exact.matches(&"10.1.0.0/16".parse().expect("prefix")));
    let range: PrefixListEntry = "10.0.0.0/8 ge 16 le 24".parse().expect("entry");
    assert!(!range.matches(&"10.0.0.0/8".parse().expect("prefix")));
    assert!(range.matches(&"10.1.0.0/16".parse().expect("prefix")));
    assert!(range.matches(&"10.1.2.0/24".parse().expect("prefix")));
    assert!(!range.matches(&"10.1.2.0/25".parse().expect("prefix")));
    let ge_only: PrefixListEntry = "2001:db8::/32 ge 48".parse().expect("entry");
    assert_eq!((ge_only.ge, ge_only.le), (48, 128));
    for bad in [
        "10.0.0.0/8 le 4",
        "10.0.0.0/8 ge 20 le 16",
        "10.0.0.0/8 le 33",
        "10.0.0.0/8 xx 9",
    ] {
        assert!(bad.parse::<PrefixListEntry>().is_err(), "{bad}");
    }
}

const POLICY: &str = r#"
[[term]]
name = "bogons"
match.prefix-list = ["10.0.0.0/8 le 32", "192.168.0.0/16 le 32"]
action = "reject"

[[term]]
name = "tag customers"
match.role = ["customer"]
set.community-add = ["65000:100", "no-export"]
set.large-community-add = ["65000:1:2"]

[[term]]
name = "prefer and prepend"
match.as-path.origin = [64500]
match.community = ["65000:*"]
set.local-pref = 300
set.prepend = 2
set.community-remove = ["64999:*"]
action = "accept"

[[term]]
match.as-path.length-max = 3
action = "accept"
"#;

#[test]
fn policy_terms_from_toml() {
    let policy: Policy = toml::from_str(POLICY).expect("policy parses");
    assert_eq!(policy.term.len(), 4);
    assert_eq!(policy.default, Action::Reject);
    assert!(policy.depends_on_prefix());
    let mut attributes = PathAttributes {
        as_path: AsPath::from_sequence(vec![64501, 64500]),
        ..PathAttributes::default()
    };
    attributes
        .communities
        .push("64999:5".parse().expect("community"));

    assert_eq!(
        policy.evaluate(&context("10.1.0.0/16"), &attributes),
        Verdict::Reject
    );
    let Verdict::Accept(changed) = policy.evaluate(&context("198.51.100.0/24"), &attributes) else {
        panic!("accepted");
    };
    assert_eq!(changed.local_pref, Some(300));
    assert_eq!(changed.as_path.to_string(), "65000 65000 64501 64500");
    assert_eq!(
        changed.communities,
        vec![
            "65000:100".parse().expect("community"),
            crate::wire::Community::NO_EXPORT
        ]
    );
    assert_eq!(
        changed.large_communities,
        vec![LargeCommunity::new(65000, 1, 2)]
    );

    // Not from a customer, other origin, path of length 2: the last term accepts unchanged.
    let peer_context = PolicyContext {
        relationship: Some(Peer),
        ..context("198.51.100.0/24")
    };
    let other = PathAttributes {
        as_path: AsPath::from_sequence(vec![64501, 64502]),
        ..PathAttributes::default()
    };
    assert!(matches!(
        policy.evaluate(&peer_context, &other),
        Verdict::Accept(Cow::Borrowed(_))
    ));
    // Too long for the last term: the default rejects.
    let long = PathAttributes {
        as_path: AsPath::from_sequence(vec![1, 2, 3, 4]),
        ..PathAttributes::default()
    };
    assert_eq!(policy.evaluate(&peer_context, &long), Verdict::Reject);
}

#[test]
fn policy_config_errors_and_references() {
    assert!(
        toml::from_str::<Policy>("[[term]]\nmatch.prefix-list = [\"10.0.0.0/8 le 7\"]").is_err()
    );
    assert!(toml::from_str::<Policy>("[[term]]\nmatch.colour = 1").is_err());
    assert!(toml::from_str::<Policy>("[[term]]\nset.community-add = [\"65000:*\"]").is_err());
    #[derive(serde::Deserialize)]
    struct Session {
        import: PolicyRef,
        export: PolicyRef,
    }
    let session: Session =
        toml::from_str("import = \"accept-all\"\nexport = \"customers-out\"").expect("parses");
    assert_eq!(session.import, PolicyRef::AcceptAll);
    let mut library = PolicyLibrary::new();
    assert!(library.resolve(&session.export).is_none());
    library.insert("customers-out", Policy::accept_all());
    assert_eq!(
        library
            .resolve(&session.export)
            .map(|policy| policy.default),
        Some(Action::Accept)
    );
    let prefix: Prefix = "192.0.2.0/24".parse().expect("prefix");
    let attributes = PathAttributes::default();
    let context = PolicyContext {
        prefix,
        ..context("192.0.2.0/24")
    };
    assert_eq!(
        Policy::reject_all().evaluate(&context, &attributes),
        Verdict::Reject
    );
}
