//! DNSSEC for pre-signed zones: the indexes a signed zone builds once at load to find the NSEC or
//! NSEC3 records that prove a name or a type does not exist, NSEC3 hashing (RFC 5155 §5), and which
//! of those records each kind of answer carries (RFC 4035 §3.1.3, RFC 5155 §7.2), chosen as Knot DNS
//! chooses them.
//!
//! An NSEC zone keeps its NSEC owners in canonical order (RFC 4034 §6.1) as one flat buffer of
//! byte-comparable keys; an NSEC3 zone keeps the hashes of its NSEC3 chain sorted. Unsigned zones
//! build neither. The answer engine asks for a [`Proof`] list and writes each record with its RRSIGs.

use crate::zone::{LabelOffsets, RRset, Zone};
use globe_dns::{Name, RData, RType};
use sha1::{Digest, Sha1};

/// The length of a SHA-1 digest, the only NSEC3 hash algorithm (RFC 5155 §11).
pub const SHA1_LENGTH: usize = 20;
/// The NSEC3 hash algorithm number of SHA-1 (RFC 5155 §11).
pub const NSEC3_SHA1: u8 = 1;

/// An NSEC3 hash: SHA-1 of the canonical owner name.
pub type Nsec3Hash = [u8; SHA1_LENGTH];

/// How a signed zone proves non-existence.
#[derive(Clone, Debug)]
pub enum Denial {
    /// With NSEC records (RFC 4034 §4): their owners in canonical order.
    Nsec(NsecIndex),
    /// With NSEC3 records (RFC 5155), because the apex has an NSEC3PARAM record.
    Nsec3(Nsec3Chain),
}

/// One record of a denial proof, written with the RRSIGs that cover it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The NSEC RRset at this name of the zone (lower case).
    Nsec(Name),
    /// The NSEC3 RRset at this hashed owner name (lower case).
    Nsec3(Name),
}

/// The owners of a zone's NSEC records in canonical order (RFC 4034 §6.1), to find the NSEC that
/// covers a name that does not exist.
///
/// Each owner is kept as a key whose byte order is the canonical order: its labels from the root
/// down, each followed by a 0 octet, with the octets 0 and 1 inside a label escaped as `1 1` and
/// `1 2`. Keys sit in one buffer, each behind a 2-octet length; `order` holds their offsets, sorted.
#[derive(Clone, Debug, Default)]
pub struct NsecIndex {
    keys: Vec<u8>,
    order: Vec<u32>,
}

/// The parameters of a zone's NSEC3 chain, from its NSEC3PARAM record (RFC 5155 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nsec3Params {
    /// The extra hash iterations.
    pub iterations: u16,
    /// The salt.
    pub salt: Vec<u8>,
}

/// A zone's NSEC3 chain: the hashed owners whose NSEC3 records have the zone's parameters, sorted by
/// hash, to find the NSEC3 that matches or covers the hash of a name (RFC 5155 §7.2).
///
/// The search runs on the first 8 octets of each hash as a `u64` (an eighth of the memory a
/// search touches, and no `memcmp` per step); the whole hashes settle ties.
#[derive(Clone, Debug)]
pub struct Nsec3Chain {
    params: Nsec3Params,
    origin: Name,
    hashes: Vec<Nsec3Hash>,
    prefixes: Vec<u64>,
}

impl Denial {
    /// Builds the index of a signed zone: NSEC3 when the apex has an NSEC3PARAM record (as Knot:
    /// the NSEC3PARAM decides), NSEC otherwise. `nsec_owners` are the names (lower-cased wire form)
    /// that have an NSEC RRset; `nsec3_owners` the hashed owners with their NSEC3 RRsets. None when
    /// the NSEC3PARAM names a hash algorithm other than SHA-1: no proof could be made.
    pub fn build<'a>(
        origin: &Name,
        nsec3param: Option<&RData>,
        nsec_owners: impl Iterator<Item = &'a [u8]>,
        nsec3_owners: impl Iterator<Item = (&'a [u8], Option<&'a RRset>)>,
    ) -> Option<Denial> {
        match nsec3param {
            Some(RData::Nsec3param {
                hash_algorithm: NSEC3_SHA1,
                iterations,
                salt,
                ..
            }) => {
                let params = Nsec3Params {
                    iterations: *iterations,
                    salt: salt.clone(),
                };
                Some(Denial::Nsec3(Nsec3Chain::build(
                    origin,
                    params,
                    nsec3_owners,
                )))
            }
            Some(_) => None,
            None => Some(Denial::Nsec(NsecIndex::build(nsec_owners))),
        }
    }
}

impl NsecIndex {
    /// Builds the index from owner names (lower-cased wire form).
    pub fn build<'a>(owners: impl Iterator<Item = &'a [u8]>) -> NsecIndex {
        let mut keys = Vec::new();
        let mut order = Vec::new();
        for owner in owners {
            order.push(keys.len() as u32);
            let length_at = keys.len();
            keys.extend_from_slice(&[0, 0]);
            canonical_key(owner, &mut keys);
            let length = (keys.len() - length_at - 2) as u16;
            keys[length_at..length_at + 2].copy_from_slice(&length.to_be_bytes());
        }
        let mut index = NsecIndex { keys, order };
        let mut order = std::mem::take(&mut index.order);
        order.sort_unstable_by(|&a, &b| index.key(a).cmp(index.key(b)));
        index.order = order;
        index
    }

    /// The number of NSEC owners.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The NSEC owner that comes last before `lower_wire` in canonical order: the owner of the NSEC
    /// that covers the name when it does not exist (RFC 4035 §3.1.3.2).
    pub fn previous(&self, lower_wire: &[u8]) -> Option<Name> {
        let mut target = Vec::with_capacity(lower_wire.len() + 8);
        canonical_key(lower_wire, &mut target);
        let at = self
            .order
            .partition_point(|&offset| self.key(offset) < target.as_slice());
        let offset = *self.order.get(at.checked_sub(1)?)?;
        Some(wire_from_key(self.key(offset)))
    }

    /// `name` itself when it has an NSEC, else [`NsecIndex::previous`].
    pub fn matching_or_previous(&self, lower_wire: &[u8]) -> Option<Name> {
        let mut target = Vec::with_capacity(lower_wire.len() + 8);
        canonical_key(lower_wire, &mut target);
        let at = self
            .order
            .partition_point(|&offset| self.key(offset) <= target.as_slice());
        let offset = *self.order.get(at.checked_sub(1)?)?;
        Some(wire_from_key(self.key(offset)))
    }

    fn key(&self, offset: u32) -> &[u8] {
        let start = offset as usize;
        let length = u16::from_be_bytes([self.keys[start], self.keys[start + 1]]) as usize;
        &self.keys[start + 2..start + 2 + length]
    }
}

impl Nsec3Chain {
    /// Builds the chain from hashed owners (lower-cased wire form) and their NSEC3 RRsets: those
    /// directly below the origin whose NSEC3 records have the chain's parameters (others belong to
    /// another chain, as during a parameter change, and are left out as Knot leaves them out).
    pub fn build<'a>(
        origin: &Name,
        params: Nsec3Params,
        owners: impl Iterator<Item = (&'a [u8], Option<&'a RRset>)>,
    ) -> Nsec3Chain {
        let mut hashes: Vec<Nsec3Hash> = owners
            .filter(|(_, set)| {
                set.is_some_and(|set| {
                    set.data.iter().any(|data| {
                        matches!(data, RData::Nsec3 { hash_algorithm: NSEC3_SHA1, iterations, salt, .. }
                            if *iterations == params.iterations && *salt == params.salt)
                    })
                })
            })
            .filter_map(|(owner, _)| {
                let label_len = *owner.first()? as usize;
                if owner.get(1 + label_len..)? != origin.as_wire() {
                    return None;
                }
                decode_base32hex_hash(owner.get(1..1 + label_len)?)
            })
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        let prefixes = hashes.iter().map(prefix).collect();
        Nsec3Chain {
            params,
            origin: origin.clone(),
            hashes,
            prefixes,
        }
    }

    /// The chain's parameters.
    pub fn params(&self) -> &Nsec3Params {
        &self.params
    }

    /// The number of hashed owners in the chain.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the chain is empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The hash of a name (lower-cased wire form) with the chain's parameters.
    pub fn hash(&self, lower_wire: &[u8]) -> Nsec3Hash {
        nsec3_hash(lower_wire, &self.params.salt, self.params.iterations)
    }

    /// Whether an NSEC3 record of the chain has this hash as its owner.
    pub fn contains(&self, hash: &Nsec3Hash) -> bool {
        self.position(hash).is_ok()
    }

    /// The owner of the NSEC3 that matches the name (lower-cased wire form), if any.
    pub fn matching(&self, lower_wire: &[u8]) -> Option<Name> {
        let hash = self.hash(lower_wire);
        self.contains(&hash).then(|| self.owner(&hash))
    }

    /// The owner of the NSEC3 that covers the hash of the name: the last one before it, the last of
    /// the chain when the hash comes before the first (RFC 5155 §3.1.7). None when an NSEC3 matches
    /// the name, or the chain is empty.
    pub fn covering(&self, lower_wire: &[u8]) -> Option<Name> {
        let at = self.position(&self.hash(lower_wire)).err()?;
        let previous = match at.checked_sub(1) {
            Some(previous) => previous,
            None => self.hashes.len().checked_sub(1)?,
        };
        Some(self.owner(&self.hashes[previous]))
    }

    /// Where the hash is in the chain (`Ok`), or where it would go (`Err`), as `binary_search`.
    ///
    /// Hashes are spread evenly, so the search starts where the hash's value says it should be and
    /// gallops out from there: a few neighbouring cache lines instead of a binary search's ~18 misses.
    fn position(&self, hash: &Nsec3Hash) -> Result<usize, usize> {
        let key = prefix(hash);
        let len = self.prefixes.len();
        let guess = ((u128::from(key) * len as u128) >> 64) as usize;
        // Bounds with prefixes[low] < key <= prefixes[high] (low may be "before 0", high "at len").
        let (mut low, mut high) = (guess, guess);
        let mut step = 1;
        while low > 0 && self.prefixes[low - 1] >= key {
            high = low - 1;
            low = low.saturating_sub(step);
            step *= 2;
        }
        step = 1;
        while high < len && self.prefixes[high] < key {
            low = high + 1;
            high = (high + step).min(len);
            step *= 2;
        }
        let mut at = low + self.prefixes[low..high].partition_point(|&p| p < key);
        while self.prefixes.get(at) == Some(&key) {
            match self.hashes[at].cmp(hash) {
                std::cmp::Ordering::Less => at += 1,
                std::cmp::Ordering::Equal => return Ok(at),
                std::cmp::Ordering::Greater => break,
            }
        }
        Err(at)
    }

    /// The hashed owner name of a hash: its base32hex form, in lower case, below the origin.
    fn owner(&self, hash: &Nsec3Hash) -> Name {
        let mut wire = Vec::with_capacity(1 + 32 + self.origin.wire_len());
        wire.push(32);
        encode_base32hex_hash(hash, &mut wire);
        wire.extend_from_slice(self.origin.as_wire());
        Name::from_wire(&wire).unwrap_or_else(|_| self.origin.clone())
    }

    /// The closest provable encloser (RFC 5155 §7.2.1): `lower_wire` or the nearest of its ancestors
    /// that has an NSEC3 record (an insecure delegation under opt-out, or a name below a cut, has
    /// none). Returned as the offset of that suffix in `lower_wire`, with its NSEC3 owner (none
    /// for an apex without one).
    fn provable_encloser(&self, lower_wire: &[u8]) -> (usize, Option<Name>) {
        let origin_len = self.origin.wire_len();
        let mut start = 0;
        loop {
            let hash = self.hash(&lower_wire[start..]);
            if self.contains(&hash) {
                return (start, Some(self.owner(&hash)));
            }
            if lower_wire.len() - start <= origin_len {
                return (start, None);
            }
            start += 1 + lower_wire[start] as usize;
        }
    }

    /// The closest encloser proof (RFC 5155 §7.2.1): the NSEC3 matching the closest provable
    /// encloser of `lower_wire`, searched from its suffix at `search_from` up, and the NSEC3 covering
    /// the next closer name. Returns the encloser's offset too.
    fn closest_encloser_proof(
        &self,
        lower_wire: &[u8],
        search_from: usize,
        proofs: &mut Vec<Proof>,
    ) -> usize {
        let (offset, matching) = self.provable_encloser(&lower_wire[search_from..]);
        let encloser = search_from + offset;
        push_unique(proofs, matching.map(Proof::Nsec3));
        self.next_closer_proof(lower_wire, encloser, proofs);
        encloser
    }

    /// The NSEC3 covering the next closer name: the name one label longer than the encloser at
    /// `encloser` (an offset in `lower_wire`) on the way to `lower_wire` (RFC 5155 §1.3).
    fn next_closer_proof(&self, lower_wire: &[u8], encloser: usize, proofs: &mut Vec<Proof>) {
        let offsets = LabelOffsets::new(lower_wire);
        let next_closer = offsets
            .as_slice()
            .iter()
            .map(|&start| start as usize)
            .take_while(|&start| start < encloser)
            .last();
        if let Some(start) = next_closer {
            push_unique(
                proofs,
                self.covering(&lower_wire[start..]).map(Proof::Nsec3),
            );
        }
    }
}

/// The records that prove a name does not exist (NXDOMAIN): that no name matches and that no
/// wildcard at the closest encloser (the suffix of `qname` at `encloser`) could have matched.
/// NSEC: the NSEC covering the name and the one covering `*.encloser`, once if they are the same
/// (RFC 4035 §3.1.3.2). NSEC3: the closest encloser proof and the NSEC3 covering the wildcard at the
/// closest provable encloser (RFC 5155 §7.2.2).
pub fn name_error(zone: &Zone, qname: &Name, encloser: usize) -> Vec<Proof> {
    let mut proofs = Vec::new();
    let wire = qname.as_wire();
    match zone.denial() {
        Some(Denial::Nsec(index)) => {
            push_unique(&mut proofs, index.previous(wire).map(Proof::Nsec));
            if let Some(wildcard) = wildcard_of(&wire[encloser..]) {
                push_unique(
                    &mut proofs,
                    index.matching_or_previous(&wildcard).map(Proof::Nsec),
                );
            }
        }
        Some(Denial::Nsec3(chain)) => {
            let encloser = chain.closest_encloser_proof(wire, encloser, &mut proofs);
            if let Some(wildcard) = wildcard_of(&wire[encloser..]) {
                push_unique(&mut proofs, chain.covering(&wildcard).map(Proof::Nsec3));
            }
        }
        None => {}
    }
    proofs
}

/// What a NODATA answer matched: the name itself, an empty non-terminal, or a wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoDataAt<'a> {
    /// The query name exists with other types.
    Name,
    /// The query name is an empty non-terminal: it has no NSEC (RFC 4035 §3.1.3.2 applies).
    EmptyNonTerminal,
    /// The wildcard with this owner (lower-cased wire form) matched, without the type.
    Wildcard(&'a [u8]),
}

/// The records that prove `qname` (lower case) has no RRset of the queried type. `encloser` is the
/// offset in `qname` of its closest encloser (`0` when the name exists).
///
/// NSEC: the NSEC at the name, or at the wildcard that matched (RFC 4035 §3.1.3.1, §3.1.3.4); for an
/// empty non-terminal, which has none, the NSEC covering it. NSEC3: the NSEC3 matching the name (or
/// the wildcard) (RFC 5155 §7.2.3, §7.2.5); plus the closest encloser proof for a wildcard, or when
/// the name has no NSEC3 (an opt-out delegation asked for DS, RFC 5155 §7.2.4).
pub fn no_data(zone: &Zone, qname: &Name, at: NoDataAt<'_>, encloser: usize) -> Vec<Proof> {
    let mut proofs = Vec::new();
    let wire = qname.as_wire();
    match zone.denial() {
        Some(Denial::Nsec(index)) => {
            let proof = match at {
                NoDataAt::Name => Some(Name::from_wire(wire).unwrap_or_else(|_| qname.clone())),
                NoDataAt::EmptyNonTerminal => index.previous(wire),
                NoDataAt::Wildcard(owner) => Name::from_wire(owner).ok(),
            };
            push_unique(&mut proofs, proof.map(Proof::Nsec));
        }
        Some(Denial::Nsec3(chain)) => {
            let node_owner = match at {
                NoDataAt::Wildcard(owner) => owner,
                _ => wire,
            };
            let matching = chain.matching(node_owner);
            let has_nsec3 = matching.is_some();
            push_unique(&mut proofs, matching.map(Proof::Nsec3));
            let expanded = matches!(at, NoDataAt::Wildcard(_)) && !qname.is_wildcard();
            if expanded || !has_nsec3 {
                chain.closest_encloser_proof(wire, encloser, &mut proofs);
            }
        }
        None => {}
    }
    proofs
}

/// The records that prove no closer name than the wildcard matched `sname` (lower case), whose
/// closest encloser is its suffix at `encloser`: the NSEC covering `sname` (RFC 4035 §3.1.3.3), or
/// the NSEC3 covering the next closer name (RFC 5155 §7.2.6). Nothing when `sname` is itself a
/// wildcard name (then nothing was expanded).
pub fn wildcard_answer(zone: &Zone, sname: &Name, encloser: usize) -> Vec<Proof> {
    let mut proofs = Vec::new();
    if sname.is_wildcard() {
        return proofs;
    }
    let wire = sname.as_wire();
    match zone.denial() {
        Some(Denial::Nsec(index)) => {
            push_unique(&mut proofs, index.previous(wire).map(Proof::Nsec))
        }
        Some(Denial::Nsec3(chain)) => {
            let encloser = encloser + chain.provable_encloser(&wire[encloser..]).0;
            chain.next_closer_proof(wire, encloser, &mut proofs);
        }
        None => {}
    }
    proofs
}

/// The records that prove a referral's delegation at `cut` has no DS RRset, so the child is
/// unsigned: the NSEC at the cut (RFC 4035 §3.1.4.1); the NSEC3 matching it (RFC 5155 §7.2.7), or,
/// when opt-out left it without one, the closest encloser proof for `qname` (at or below the cut).
pub fn insecure_delegation(zone: &Zone, qname: &Name, cut: &Name) -> Vec<Proof> {
    let mut proofs = Vec::new();
    let wire = qname.as_wire();
    match zone.denial() {
        Some(Denial::Nsec(_)) => proofs.push(Proof::Nsec(cut.to_lowercase())),
        Some(Denial::Nsec3(chain)) => {
            let cut = cut.to_lowercase();
            match chain.matching(cut.as_wire()) {
                Some(owner) => proofs.push(Proof::Nsec3(owner)),
                // Names below the cut have no NSEC3 either: search from the cut up.
                None => {
                    let from = wire.len().saturating_sub(cut.wire_len());
                    chain.closest_encloser_proof(wire, from, &mut proofs);
                }
            }
        }
        None => {}
    }
    proofs
}

/// The record that shows which types a name has, for a service binding's target whose addresses are
/// not all there (Knot sends it in the additional section): its NSEC, or the NSEC3 matching it.
pub fn types_at(zone: &Zone, owner: &Name) -> Option<Proof> {
    match zone.denial()? {
        Denial::Nsec(_) => Some(Proof::Nsec(owner.to_lowercase())),
        Denial::Nsec3(chain) => chain
            .matching(owner.to_lowercase().as_wire())
            .map(Proof::Nsec3),
    }
}

/// The RRSIGs in an RRSIG RRset that cover `covered` (every one for `None`), in runs that share a
/// type covered and an original TTL: each goes out with its original TTL, as Knot sends it. A signed
/// zone sorts its RRSIGs by type covered and original TTL at load, so a type's RRSIGs are one run.
pub fn signatures(
    set: &RRset,
    covered: Option<RType>,
) -> impl Iterator<Item = (u32, &[RData])> + '_ {
    let data = set.data.as_slice();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < data.len() {
            let Some((rtype, ttl)) = rrsig_key(&data[at]) else {
                at += 1;
                continue;
            };
            if covered.is_some_and(|covered| covered != rtype) {
                at += 1;
                continue;
            }
            let start = at;
            while at < data.len() && rrsig_key(&data[at]) == Some((rtype, ttl)) {
                at += 1;
            }
            return Some((ttl, &data[start..at]));
        }
        None
    })
}

/// The order a signed zone keeps its RRSIGs in: by type covered, then original TTL.
pub fn rrsig_key(data: &RData) -> Option<(RType, u32)> {
    match data {
        RData::Rrsig {
            type_covered,
            original_ttl,
            ..
        } => Some((*type_covered, *original_ttl)),
        _ => None,
    }
}

/// The NSEC3 hash of a name (RFC 5155 §5): `IH(salt, x, 0) = H(x || salt)`,
/// `IH(salt, x, k) = H(IH(salt, x, k-1) || salt)`, with `x` the name in canonical (lower-cased,
/// uncompressed) wire form and `H` SHA-1.
pub fn nsec3_hash(lower_wire: &[u8], salt: &[u8], iterations: u16) -> Nsec3Hash {
    let mut digest: Nsec3Hash = Sha1::new()
        .chain_update(lower_wire)
        .chain_update(salt)
        .finalize()
        .into();
    for _ in 0..iterations {
        digest = Sha1::new()
            .chain_update(digest)
            .chain_update(salt)
            .finalize()
            .into();
    }
    digest
}

/// The first 8 octets of a hash, in an order that agrees with the hashes'.
fn prefix(hash: &Nsec3Hash) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

/// The base32hex alphabet (RFC 4648 §7), lower case as owner names are kept.
const BASE32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Writes a 20-octet hash as 32 base32hex characters (no padding needed: 160 bits).
fn encode_base32hex_hash(hash: &Nsec3Hash, out: &mut Vec<u8>) {
    for chunk in hash.chunks(5) {
        let bits = chunk.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        for shift in (0..8).rev() {
            out.push(BASE32HEX[(bits >> (shift * 5) & 31) as usize]);
        }
    }
}

/// Reads a 32-character base32hex label (either case) as a 20-octet hash.
fn decode_base32hex_hash(label: &[u8]) -> Option<Nsec3Hash> {
    if label.len() != 32 {
        return None;
    }
    let mut hash = [0u8; SHA1_LENGTH];
    for (chunk, out) in label.chunks(8).zip(hash.chunks_mut(5)) {
        let mut bits = 0u64;
        for &c in chunk {
            let value = match c.to_ascii_lowercase() {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'v' => c - b'a' + 10,
                _ => return None,
            };
            bits = bits << 5 | u64::from(value);
        }
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = (bits >> (32 - 8 * i)) as u8;
        }
    }
    Some(hash)
}

/// Appends the canonical-order key of a wire-form name (see [`NsecIndex`]).
fn canonical_key(wire: &[u8], out: &mut Vec<u8>) {
    let offsets = LabelOffsets::new(wire);
    for &start in offsets.as_slice().iter().rev() {
        let start = start as usize;
        let len = wire[start] as usize;
        for &byte in wire.get(start + 1..start + 1 + len).unwrap_or(&[]) {
            match byte {
                0 => out.extend_from_slice(&[1, 1]),
                1 => out.extend_from_slice(&[1, 2]),
                other => out.push(other),
            }
        }
        out.push(0);
    }
}

/// The wire-form name back from its canonical-order key.
fn wire_from_key(key: &[u8]) -> Name {
    let mut labels: Vec<Vec<u8>> = Vec::new();
    let mut label = Vec::new();
    let mut bytes = key.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            0 => labels.push(std::mem::take(&mut label)),
            1 => label.push(bytes.next().map_or(0, |&escaped| escaped - 1)),
            other => label.push(other),
        }
    }
    Name::from_labels(labels.iter().rev().map(Vec::as_slice)).unwrap_or_else(|_| Name::root())
}

/// `*.name` in wire form, or None when that would be too long.
fn wildcard_of(lower_wire: &[u8]) -> Option<Vec<u8>> {
    if lower_wire.len() + 2 > globe_dns::name::MAX_NAME_LEN {
        return None;
    }
    let mut wildcard = Vec::with_capacity(lower_wire.len() + 2);
    wildcard.extend_from_slice(&[1, b'*']);
    wildcard.extend_from_slice(lower_wire);
    Some(wildcard)
}

fn push_unique(proofs: &mut Vec<Proof>, proof: Option<Proof>) {
    if let Some(proof) = proof {
        if !proofs.contains(&proof) {
            proofs.push(proof);
        }
    }
}

#[cfg(test)]
mod tests;
