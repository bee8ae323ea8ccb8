//! The answer engine's geo-steering hook: for a query at a steered name, the answer the
//! [`Steering`] chooses, written as the zone's own data would be (AA, the steering TTL, NODATA with
//! the zone's SOA when no chosen target has the family asked for, a CNAME followed inside the zone in
//! CNAME mode), and the ECS option to echo (RFC 7871 §7.2.1).
//!
//! Types steering does not answer (everything but A and AAAA, and CNAME and ANY in CNAME mode) come
//! from the zone as usual, except that the steered name exists even when the zone has no record at
//! it: NODATA, not NXDOMAIN.

use super::resolve::{resolve, soa_entry, Answer, Entry};
use super::ResponseKind;
use crate::steering::{SteeredData, Steering};
use crate::zone::Zone;
use globe_dns::{ClientSubnet, Edns, Message, Name, RData, RType, Rcode};
use std::borrow::Cow;
use std::net::IpAddr;

/// What the shell knows about a query beyond its bytes: who sent it, the steering in force, and a
/// random number for weighted choices (the core draws none itself).
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The address the query came from (a recursive resolver, usually).
    pub source: IpAddr,
    /// Geo steering; `None` (or an empty one) turns it and ECS handling off.
    pub steering: Option<&'a Steering>,
    /// A fresh random number.
    pub random: u64,
}

impl Context<'static> {
    /// A query from `source`, without steering.
    pub fn new(source: IpAddr) -> Context<'static> {
        Context {
            source,
            steering: None,
            random: 0,
        }
    }
}

impl<'a> Context<'a> {
    /// A query from `source` under `steering`, with a fresh random number.
    pub fn steered(source: IpAddr, steering: &'a Steering, random: u64) -> Context<'a> {
        Context {
            source,
            steering: Some(steering),
            random,
        }
    }
}

/// The answer for a query at a steered name and its ECS scope, or `None` when the name is not
/// steered.
pub(super) fn answer<'a>(
    zone: &'a Zone,
    steering: &'a Steering,
    query: &Message,
    lower: &Name,
    context: &Context<'_>,
    dnssec_ok: bool,
) -> Option<(Answer<'a>, u8)> {
    let rule = steering.rule(lower.as_wire())?;
    let question = query.questions.first()?;
    let subnet = query.edns.as_ref().and_then(Edns::client_subnet);
    let Some(steered) =
        steering.answer(rule, question.qtype, context.source, subnet, context.random)
    else {
        let mut answer = resolve(zone, &question.name, lower, question.qtype, dnssec_ok);
        if answer.rcode == Rcode::NXDOMAIN && answer.answer.is_empty() {
            answer.rcode = Rcode::NOERROR;
            answer.kind = ResponseKind::NoData;
        }
        return Some((answer, 0));
    };
    // `chaos()` is `new()` without the zone's name for rate limiting, which is the query name here.
    let mut answer = Answer::chaos();
    answer.rrl_name = Some(lower.clone());
    let owner: Cow<'a, Name> = Cow::Owned(question.name.clone());
    match steered.data {
        SteeredData::Records(data) => answer.answer.push(Entry {
            owner,
            class: zone.class(),
            ttl: steered.ttl,
            data,
        }),
        SteeredData::NoData => {
            answer.kind = ResponseKind::NoData;
            answer.authority.push(soa_entry(zone, zone.negative_ttl()));
        }
        SteeredData::Cname(target) => {
            let cname = Entry {
                owner,
                class: zone.class(),
                ttl: steered.ttl,
                data: Cow::Owned(vec![RData::Cname(target.clone())]),
            };
            let target_lower = target.to_lowercase();
            let follow = !matches!(question.qtype, RType::CNAME | RType::ANY)
                && target_lower.is_subdomain_of(zone.origin());
            if follow {
                // The chain goes on inside the zone, as after a CNAME from the zone file.
                answer = resolve(zone, target, &target_lower, question.qtype, dnssec_ok);
                answer.answer.insert(0, cname);
                answer.authoritative = true;
                if answer.kind == ResponseKind::Referral {
                    answer.kind = ResponseKind::Positive;
                }
                answer.rrl_name = Some(lower.clone());
            } else {
                answer.answer.push(cname);
            }
        }
    }
    Some((answer, steered.scope))
}

/// The ECS option to put in the response when the query had one: its family, source prefix and
/// address, with `scope` (0 for a /0 source, RFC 7871 §7.2.1).
pub(super) fn echo(query: &Message, scope: u8) -> Option<ClientSubnet> {
    let subnet = query.edns.as_ref()?.client_subnet()?;
    Some(ClientSubnet {
        scope_prefix: if subnet.source_prefix == 0 { 0 } else { scope },
        ..*subnet
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Outcome, Responder, Transport};
    use crate::config::FileConfig;
    use crate::zone::ZoneSet;
    use globe_dns::{Class, EdnsOption, Header, Question};
    use std::path::Path;
    use std::sync::Arc;

    const ZONE: &str = "$ORIGIN example.test.\n$TTL 300\n\
        @ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n\
        www A 192.0.2.80\nwww TXT \"static\"\nfra.pops A 192.0.2.201\nnrt.pops A 192.0.2.204\n";

    /// Clients: 10.1/16 in Munich, 10.2/16 in Tokyo; targets FRA (v4+v6) and NRT (v4 only).
    const STEERING: &str = r#"
pop = "NRT"
[geoip]
networks = [
  { prefix = "10.1.0.0/16", location = "MUC" },
  { prefix = "10.2.0.0/16", location = "HND" },
]
[[target]]
id = "fra"
location = "FRA"
addresses = ["192.0.2.11", "2001:db8::11"]
[[target]]
id = "nrt"
location = "NRT"
addresses = ["192.0.2.14"]
[[steer]]
name = "www.example.test."
targets = ["fra", "nrt"]
policy = ["nearest"]
first = 1
[[steer]]
name = "geo.example.test."
targets = ["fra", "nrt"]
policy = ["nearest"]
first = 1
ttl = 20
[[steer]]
name = "api.example.test."
targets = ["fra", "nrt"]
policy = ["pop"]
pops = { NRT = ["nrt"] }
cname = "{target}.pops.example.test."
"#;

    fn setup() -> (ZoneSet, Steering) {
        let records = globe_dns::zonefile::parse_str(ZONE, None, "test").expect("zone");
        let mut zones = ZoneSet::new();
        zones.insert(Arc::new(Zone::from_records(None, records).expect("zone")));
        let steering = FileConfig::parse(STEERING, Path::new("auth.toml"))
            .and_then(|c| c.steering(Path::new("."), None, None))
            .expect("steering");
        (zones, steering)
    }

    fn ask(
        zones: &ZoneSet,
        steering: &Steering,
        name: &str,
        qtype: RType,
        source: &str,
        subnet: Option<ClientSubnet>,
    ) -> Message {
        let mut edns = Edns::default();
        edns.options.extend(subnet.map(EdnsOption::ClientSubnet));
        let query = Message {
            header: Header {
                id: 7,
                ..Header::default()
            },
            questions: vec![Question {
                name: name.parse().expect("name"),
                qtype,
                qclass: Class::IN,
            }],
            edns: Some(edns),
            ..Message::default()
        };
        let context = Context::steered(source.parse().expect("ip"), steering, 1);
        match Responder::default().respond(
            zones,
            &query.to_wire(),
            Transport::Udp,
            context,
            Vec::new(),
        ) {
            Outcome::Respond(bytes, _) => Message::parse(&bytes).expect("valid response"),
            other => panic!("{other:?}"),
        }
    }

    fn subnet(text: &str, length: u8) -> Option<ClientSubnet> {
        Some(ClientSubnet::new(text.parse().expect("ip"), length))
    }

    fn echoed(response: &Message) -> Option<ClientSubnet> {
        response.edns.as_ref()?.client_subnet().copied()
    }

    #[test]
    fn nearest_target_by_source_and_by_subnet() {
        let (zones, steering) = setup();
        let response = ask(
            &zones,
            &steering,
            "GEO.example.test.",
            RType::A,
            "10.2.0.9",
            None,
        );
        assert!(response.header.aa);
        assert_eq!(response.answers.len(), 1);
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.14".parse().expect("ip"))
        );
        assert_eq!(response.answers[0].ttl, 20);
        assert_eq!(response.answers[0].name.to_string(), "GEO.example.test.");
        assert_eq!(echoed(&response), None);
        // ECS wins over the source address, and the scope is the table entry's /16.
        let response = ask(
            &zones,
            &steering,
            "geo.example.test.",
            RType::A,
            "10.2.0.9",
            subnet("10.1.7.0", 24),
        );
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.11".parse().expect("ip"))
        );
        let echo = echoed(&response).expect("ECS echoed");
        assert_eq!((echo.source_prefix, echo.scope_prefix), (24, 16));
        assert_eq!(echo.address, "10.1.7.0".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn long_sources_are_echoed_and_scoped_to_the_truncation() {
        let (zones, steering) = setup();
        let response = ask(
            &zones,
            &steering,
            "geo.example.test.",
            RType::A,
            "192.0.2.1",
            subnet("192.0.2.77", 32),
        );
        let echo = echoed(&response).expect("ECS echoed");
        assert_eq!(echo.source_prefix, 32);
        assert!(echo.scope_prefix <= 24, "{echo:?}");
        // Unknown client: the PoP's location (NRT) decides.
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.14".parse().expect("ip"))
        );
    }

    #[test]
    fn missing_family_is_nodata_and_other_types_come_from_the_zone() {
        let (zones, steering) = setup();
        // NRT has no IPv6 address: NODATA with the SOA.
        let response = ask(
            &zones,
            &steering,
            "geo.example.test.",
            RType::AAAA,
            "10.2.0.1",
            None,
        );
        assert_eq!(response.rcode(), Rcode::NOERROR);
        assert!(response.answers.is_empty());
        assert_eq!(response.authority[0].rtype(), RType::SOA);
        assert!(response.header.aa);
        let response = ask(
            &zones,
            &steering,
            "geo.example.test.",
            RType::AAAA,
            "10.1.0.1",
            None,
        );
        assert_eq!(
            response.answers[0].data,
            RData::Aaaa("2001:db8::11".parse().expect("ip"))
        );
        // TXT at a steered name the zone has: the zone's.
        let response = ask(
            &zones,
            &steering,
            "www.example.test.",
            RType::TXT,
            "10.1.0.1",
            None,
        );
        assert_eq!(response.answers[0].rtype(), RType::TXT);
        // MX at a steered name the zone lacks: NODATA, not NXDOMAIN.
        let response = ask(
            &zones,
            &steering,
            "geo.example.test.",
            RType::MX,
            "10.1.0.1",
            None,
        );
        assert_eq!(response.rcode(), Rcode::NOERROR);
        assert_eq!(response.authority[0].rtype(), RType::SOA);
        // The zone's own A at a steered name is replaced.
        let response = ask(
            &zones,
            &steering,
            "www.example.test.",
            RType::A,
            "10.1.0.1",
            None,
        );
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.11".parse().expect("ip"))
        );
        // Other names are untouched, and get scope 0 when ECS is on.
        let response = ask(
            &zones,
            &steering,
            "ns1.example.test.",
            RType::A,
            "10.1.0.1",
            subnet("10.1.0.0", 24),
        );
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.1".parse().expect("ip"))
        );
        assert_eq!(echoed(&response).map(|e| e.scope_prefix), Some(0));
        let response = ask(
            &zones,
            &steering,
            "nope.example.test.",
            RType::A,
            "10.1.0.1",
            None,
        );
        assert_eq!(response.rcode(), Rcode::NXDOMAIN);
    }

    #[test]
    fn cname_mode_follows_inside_the_zone() {
        let (zones, steering) = setup();
        let response = ask(
            &zones,
            &steering,
            "api.example.test.",
            RType::A,
            "10.1.0.1",
            subnet("10.1.0.0", 24),
        );
        assert!(response.header.aa);
        assert_eq!(response.answers.len(), 2);
        assert_eq!(
            response.answers[0].data,
            RData::Cname("nrt.pops.example.test.".parse().expect("name"))
        );
        assert_eq!(response.answers[0].ttl, crate::steering::DEFAULT_TTL);
        assert_eq!(
            response.answers[1].data,
            RData::A("192.0.2.204".parse().expect("ip"))
        );
        // The pop policy does not look at the client: scope 0.
        assert_eq!(echoed(&response).map(|e| e.scope_prefix), Some(0));
        let response = ask(
            &zones,
            &steering,
            "api.example.test.",
            RType::CNAME,
            "10.1.0.1",
            None,
        );
        assert_eq!(response.answers.len(), 1);
    }

    #[test]
    fn no_steering_means_no_ecs() {
        let (zones, _) = setup();
        let empty = Steering::default();
        let response = ask(
            &zones,
            &empty,
            "www.example.test.",
            RType::A,
            "10.1.0.1",
            subnet("10.1.0.0", 24),
        );
        assert_eq!(
            response.answers[0].data,
            RData::A("192.0.2.80".parse().expect("ip"))
        );
        assert_eq!(echoed(&response), None);
    }
}
