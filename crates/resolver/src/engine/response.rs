//! What a matched response says, after the bailiwick filter: data (with the CNAME/DNAME chain that led
//! to it), an alias leaving the zone, a negative answer, a referral down, or a lame or failed server.
//!
//! Pure: a decoded message and what was asked go in, a [`Reply`] comes out; nothing is cached here.
//!
//! - Bailiwick: only records of the asked class whose owner is in the zone the server was asked as are
//!   looked at; the rest of the message is dropped (RFC 2181 §5.4.1 ranking, the Kaminsky defence).
//! - Answer data, negative answers and aliases need AA (RFC 1035 §4.1.1); a referral has no AA, an
//!   empty answer section and NS records in authority for a zone below the asked one and above (or at)
//!   the asked name (RFC 1034 §4.3.2 step 3b). Anything else is lame.
//! - DNAME (RFC 6672 §3.1): the CNAME is synthesised here from the DNAME, whatever the server sent.
//! - A chain whose end is in the zone and has an SOA with NXDOMAIN or NOERROR is a negative answer for
//!   that end (RFC 6604 §2, RFC 2308 §2.1–2.2).

use globe_dns::{Class, Message, Name, RData, RType, Rcode, Record};

/// What was asked, of which zone's server.
pub(super) struct Asked<'a> {
    /// The zone the server was asked as (the zone cut being queried): the bailiwick.
    pub zone: &'a Name,
    /// The name asked (minimised or full).
    pub name: &'a Name,
    /// The type asked.
    pub qtype: RType,
    /// The class asked.
    pub class: Class,
}

/// Why a server is lame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lameness {
    /// Data or a negative answer without AA, or nothing useful at all.
    NotAuthoritative,
    /// NS records for the zone itself or above it instead of below.
    UpwardReferral,
}

/// What a response says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Reply {
    /// Authoritative data for the end of `chain` (the asked name when `chain` is empty).
    Answer {
        /// CNAMEs, and DNAMEs each followed by the CNAME synthesised from it.
        chain: Vec<Record>,
        /// The final records (one RRset, or several for ANY).
        records: Vec<Record>,
    },
    /// The chain leads to `target`, which this server did not answer for.
    Alias {
        /// The chain.
        chain: Vec<Record>,
        /// Where it leads.
        target: Name,
    },
    /// The end of `chain` does not exist.
    NxDomain {
        /// The chain.
        chain: Vec<Record>,
        /// The zone's SOA, for negative caching (RFC 2308 §3).
        soa: Option<Record>,
    },
    /// The end of `chain` exists but has no data of the asked type.
    NoData {
        /// The chain.
        chain: Vec<Record>,
        /// The zone's SOA.
        soa: Option<Record>,
    },
    /// A delegation to `zone`, below the zone asked.
    Referral {
        /// The delegated zone.
        zone: Name,
        /// Its NS records.
        ns: Vec<Record>,
        /// Addresses of name servers under `zone` (in-domain glue, RFC 9471 §2.1).
        glue: Vec<Record>,
    },
    /// The chain loops, or is longer than allowed.
    CnameLoop,
    /// DNAME substitution made a name too long (RFC 6672 §2.2).
    YxDomain {
        /// The chain up to the DNAME.
        chain: Vec<Record>,
    },
    /// Neither data nor a referral down.
    Lame(Lameness),
    /// An error RCODE (SERVFAIL, REFUSED, FORMERR, NOTIMP, ...).
    Failure(Rcode),
}

/// Reads `message`, the answer to `asked`. `max_chain` bounds the CNAME/DNAME hops followed inside it.
pub(super) fn classify(message: &Message, asked: &Asked<'_>, max_chain: usize) -> Reply {
    let rcode = message.rcode();
    if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
        return Reply::Failure(rcode);
    }
    let in_zone =
        |record: &&Record| record.class == asked.class && record.name.is_subdomain_of(asked.zone);
    let answers: Vec<&Record> = message.answers.iter().filter(in_zone).collect();
    let authority: Vec<&Record> = message.authority.iter().filter(in_zone).collect();

    if !message.header.aa {
        if rcode == Rcode::NOERROR && answers.is_empty() {
            if let Some(referral) = referral(message, &authority, asked) {
                return referral;
            }
            let any_ns = message
                .authority
                .iter()
                .any(|record| record.rtype() == RType::NS);
            if any_ns {
                return Reply::Lame(Lameness::UpwardReferral);
            }
        }
        return Reply::Lame(Lameness::NotAuthoritative);
    }

    // Follow the chain through the answer section (RFC 1034 §4.3.2 step 3a, RFC 6672 §3.2).
    let mut name = asked.name.clone();
    let mut chain: Vec<Record> = Vec::new();
    let mut visited = vec![name.clone()];
    loop {
        let records: Vec<Record> = answers
            .iter()
            .filter(|record| {
                record.name == name
                    && (record.rtype() == asked.qtype
                        || (asked.qtype == RType::ANY && record.rtype() != RType::RRSIG))
            })
            .map(|record| (*record).clone())
            .collect();
        if !records.is_empty() {
            return Reply::Answer { chain, records };
        }
        let dname = answers.iter().find(|record| {
            record.rtype() == RType::DNAME
                && record.name != name
                && name.is_subdomain_of(&record.name)
        });
        let next = if let Some(dname) = dname {
            let RData::Dname(target) = &dname.data else {
                break;
            };
            let Ok(synthesised) = name.replace_suffix(&dname.name, target) else {
                chain.push((*dname).clone());
                return Reply::YxDomain { chain };
            };
            chain.push((*dname).clone());
            chain.push(Record {
                name: name.clone(),
                class: dname.class,
                // RFC 6672 §3.1: the synthesised CNAME has the DNAME's TTL.
                ttl: dname.ttl,
                data: RData::Cname(synthesised.clone()),
            });
            synthesised
        } else if let Some(cname) = answers.iter().find(|record| {
            asked.qtype != RType::CNAME && record.rtype() == RType::CNAME && record.name == name
        }) {
            let RData::Cname(target) = &cname.data else {
                break;
            };
            chain.push((*cname).clone());
            target.clone()
        } else {
            break;
        };
        if visited.contains(&next) || visited.len() > max_chain {
            return Reply::CnameLoop;
        }
        visited.push(next.clone());
        name = next;
    }

    let soa = authority
        .iter()
        .find(|record| record.rtype() == RType::SOA && name.is_subdomain_of(&record.name))
        .map(|record| (*record).clone());
    if !chain.is_empty() {
        let target_in_zone = name.is_subdomain_of(asked.zone);
        return match (rcode, &soa) {
            (Rcode::NXDOMAIN, Some(_)) if target_in_zone => Reply::NxDomain { chain, soa },
            (Rcode::NOERROR, Some(_)) if target_in_zone => Reply::NoData { chain, soa },
            _ => Reply::Alias {
                chain,
                target: name,
            },
        };
    }
    if rcode == Rcode::NXDOMAIN {
        return Reply::NxDomain { chain, soa };
    }
    if soa.is_none() {
        // Some servers set AA on referrals; a delegation without an SOA is still one.
        if let Some(referral) = referral(message, &authority, asked) {
            return referral;
        }
    }
    Reply::NoData { chain, soa }
}

/// A referral in the authority section: NS records owned by a zone strictly below the asked zone, at or
/// above the asked name; with the glue for its servers that is under that zone.
fn referral(message: &Message, authority: &[&Record], asked: &Asked<'_>) -> Option<Reply> {
    let child = authority
        .iter()
        .find(|record| {
            record.rtype() == RType::NS
                && record.name != *asked.zone
                && asked.name.is_subdomain_of(&record.name)
        })?
        .name
        .clone();
    let ns: Vec<Record> = authority
        .iter()
        .filter(|record| record.rtype() == RType::NS && record.name == child)
        .map(|record| (*record).clone())
        .collect();
    let glue: Vec<Record> = message
        .additional
        .iter()
        .filter(|record| {
            matches!(record.data, RData::A(_) | RData::Aaaa(_))
                && record.class == asked.class
                && record.name.is_subdomain_of(&child)
                && ns
                    .iter()
                    .any(|ns| matches!(&ns.data, RData::Ns(target) if *target == record.name))
        })
        .cloned()
        .collect();
    Some(Reply::Referral {
        zone: child,
        ns,
        glue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::Header;

    fn name(text: &str) -> Name {
        text.parse().expect("name")
    }

    fn records(text: &str) -> Vec<Record> {
        globe_dns::zonefile::parse_str(text, Some(Name::root()), "test").expect("records")
    }

    fn message(aa: bool, rcode: Rcode, answer: &str, authority: &str, additional: &str) -> Message {
        Message {
            header: Header {
                qr: true,
                aa,
                rcode: rcode.header_bits(),
                ..Header::default()
            },
            answers: records(answer),
            authority: records(authority),
            additional: records(additional),
            ..Message::default()
        }
    }

    fn asked<'a>(zone: &'a Name, qname: &'a Name, qtype: RType) -> Asked<'a> {
        Asked {
            zone,
            name: qname,
            qtype,
            class: Class::IN,
        }
    }

    #[test]
    fn referral_keeps_only_in_domain_glue() {
        let zone = name("com.");
        let qname = name("www.example.com.");
        let m = message(
            false,
            Rcode::NOERROR,
            "",
            "example.com. 60 NS ns1.example.com.\nexample.com. 60 NS ns.example.net.\n",
            "ns1.example.com. 60 A 192.0.2.1\nns.example.net. 60 A 6.6.6.6\n\
             www.example.com. 60 A 6.6.6.6\n",
        );
        let Reply::Referral { zone, ns, glue } = classify(&m, &asked(&zone, &qname, RType::A), 8)
        else {
            panic!("not a referral");
        };
        assert_eq!(zone, name("example.com."));
        assert_eq!(ns.len(), 2);
        assert_eq!(glue, records("ns1.example.com. 60 A 192.0.2.1\n"));
    }

    #[test]
    fn upward_referral_is_lame() {
        let zone = name("example.com.");
        let qname = name("www.example.com.");
        let m = message(false, Rcode::NOERROR, "", ". 60 NS a.root.\n", "");
        assert_eq!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::Lame(Lameness::UpwardReferral)
        );
        let m = message(
            false,
            Rcode::NOERROR,
            "www.example.com. 60 A 192.0.2.1\n",
            "",
            "",
        );
        assert_eq!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::Lame(Lameness::NotAuthoritative)
        );
    }

    #[test]
    fn out_of_bailiwick_answers_are_dropped() {
        let zone = name("example.com.");
        let qname = name("www.example.com.");
        let m = message(
            true,
            Rcode::NOERROR,
            "www.example.com. 60 CNAME www.bank.net.\nwww.bank.net. 60 A 6.6.6.6\n",
            "",
            "",
        );
        assert_eq!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::Alias {
                chain: records("www.example.com. 60 CNAME www.bank.net.\n"),
                target: name("www.bank.net."),
            }
        );
    }

    #[test]
    fn dname_synthesises_the_cname() {
        let zone = name("example.com.");
        let qname = name("a.b.old.example.com.");
        let m = message(
            true,
            Rcode::NOERROR,
            "old.example.com. 300 DNAME new.example.com.\n\
             a.b.old.example.com. 0 CNAME evil.example.net.\n\
             a.b.new.example.com. 60 A 192.0.2.7\n",
            "",
            "",
        );
        let Reply::Answer {
            chain,
            records: data,
        } = classify(&m, &asked(&zone, &qname, RType::A), 8)
        else {
            panic!("no answer");
        };
        assert_eq!(
            chain,
            records(
                "old.example.com. 300 DNAME new.example.com.\n\
                 a.b.old.example.com. 300 CNAME a.b.new.example.com.\n"
            )
        );
        assert_eq!(data, records("a.b.new.example.com. 60 A 192.0.2.7\n"));
    }

    #[test]
    fn negative_answers_at_the_end_of_a_chain() {
        let zone = name("example.com.");
        let qname = name("alias.example.com.");
        let soa = "example.com. 60 SOA ns hostmaster 1 2 3 4 5\n";
        let m = message(
            true,
            Rcode::NXDOMAIN,
            "alias.example.com. 60 CNAME gone.example.com.\n",
            soa,
            "",
        );
        assert!(matches!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::NxDomain { chain, soa: Some(_) } if chain.len() == 1
        ));
        let m = message(true, Rcode::NOERROR, "", soa, "");
        assert!(matches!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::NoData { chain, soa: Some(_) } if chain.is_empty()
        ));
    }

    #[test]
    fn cname_loops_are_caught() {
        let zone = name("example.com.");
        let qname = name("a.example.com.");
        let m = message(
            true,
            Rcode::NOERROR,
            "a.example.com. 60 CNAME b.example.com.\nb.example.com. 60 CNAME a.example.com.\n",
            "",
            "",
        );
        assert_eq!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::CnameLoop
        );
    }

    #[test]
    fn error_rcodes_are_failures() {
        let zone = name("example.com.");
        let qname = name("a.example.com.");
        let m = message(true, Rcode::REFUSED, "", "", "");
        assert_eq!(
            classify(&m, &asked(&zone, &qname, RType::A), 8),
            Reply::Failure(Rcode::REFUSED)
        );
    }
}
