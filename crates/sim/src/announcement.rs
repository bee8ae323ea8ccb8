//! What is announced: one prefix, the ASes that originate it (several: anycast; an attacker too: a
//! hijack), how each announces it (prepending, to a subset of neighbours, NO_EXPORT, a forged path), and
//! the ASes that leak it.

use globe_bgp::Prefix;

/// One prefix and everyone who injects it into the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// The prefix announced.
    pub prefix: Prefix,
    /// The ASes that originate it (or claim to).
    pub seeds: Vec<Seed>,
    /// ASes that leak their best route for the prefix to every neighbour, against valley-free export
    /// (RFC 7908 type 1–4 leaks). See `docs/design/sim.md` for the two-round model.
    pub leakers: Vec<u32>,
}

/// One AS that injects the announcement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The AS.
    pub asn: u32,
    /// Legitimate origin or attacker (for reporting; the engine treats both alike).
    pub kind: SeedKind,
    /// Extra copies of its own ASN (AS-path prepending): 0 for none.
    pub prepend: u8,
    /// Announce only to these neighbours (ASNs); `None`: to every neighbour.
    pub neighbors: Option<Vec<u32>>,
    /// Attach NO_EXPORT (RFC 1997): the neighbours keep the route but pass it to nobody.
    pub no_export: bool,
    /// ASes the seed puts after its own ASN (a forged-origin hijack announces `[victim]`); the last one is
    /// the origin that route origin validation checks. Empty for a genuine origin.
    pub path: Vec<u32>,
}

/// Why an AS announces the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeedKind {
    /// The prefix's holder (or one of its anycast sites).
    Legitimate,
    /// A hijacker.
    Attacker,
}

impl Announcement {
    /// An announcement with no seeds yet.
    pub fn new(prefix: Prefix) -> Announcement {
        Announcement {
            prefix,
            seeds: Vec::new(),
            leakers: Vec::new(),
        }
    }

    /// `prefix` originated by each of `origins` (anycast when more than one).
    pub fn anycast(prefix: Prefix, origins: impl IntoIterator<Item = u32>) -> Announcement {
        let mut announcement = Announcement::new(prefix);
        announcement.seeds = origins.into_iter().map(Seed::origin).collect();
        announcement
    }

    /// Adds a seed.
    pub fn with(mut self, seed: Seed) -> Announcement {
        self.seeds.push(seed);
        self
    }

    /// Adds a leaker.
    pub fn leaked_by(mut self, asn: u32) -> Announcement {
        self.leakers.push(asn);
        self
    }
}

impl Seed {
    /// A legitimate origin announcing plainly to every neighbour.
    pub fn origin(asn: u32) -> Seed {
        Seed {
            asn,
            kind: SeedKind::Legitimate,
            prepend: 0,
            neighbors: None,
            no_export: false,
            path: Vec::new(),
        }
    }

    /// An attacker originating the prefix as its own.
    pub fn attacker(asn: u32) -> Seed {
        Seed {
            kind: SeedKind::Attacker,
            ..Seed::origin(asn)
        }
    }

    /// With `count` extra copies of its ASN.
    pub fn prepend(mut self, count: u8) -> Seed {
        self.prepend = count;
        self
    }

    /// Announcing only to these neighbours.
    pub fn only_to(mut self, neighbors: impl IntoIterator<Item = u32>) -> Seed {
        self.neighbors = Some(neighbors.into_iter().collect());
        self
    }

    /// With NO_EXPORT attached.
    pub fn no_export(mut self) -> Seed {
        self.no_export = true;
        self
    }

    /// Announcing `path` after its own ASN (a forged-origin hijack: `Seed::attacker(a).forging([victim])`).
    pub fn forging(mut self, path: impl IntoIterator<Item = u32>) -> Seed {
        self.path = path.into_iter().collect();
        self
    }

    /// The origin AS of the announced path: the last ASN, which route origin validation checks.
    pub fn origin_asn(&self) -> u32 {
        self.path.last().copied().unwrap_or(self.asn)
    }
}
