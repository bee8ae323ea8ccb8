//! The rendered-answer cache: the cache-hit fast path of `globe resolver`.
//!
//! A response once written for a client is kept as bytes, with the offsets of its TTL fields. A later
//! query for the same name, type, class and EDNS shape is answered by copying those bytes, writing the
//! client's ID, flags and question spelling over them and counting the TTLs down — no decoding of the
//! question beyond its labels, no record encoding, no compression work. This is how a resolver answers
//! most of its traffic; Unbound's message cache does the same job with a different layout. The engine's
//! [`crate::cache::Cache`] stays the source of truth: this cache only holds what it rendered, for at
//! most the smallest TTL in the message, and answers that depend on the client (ECS scope > 0) are never
//! put here.

use foldhash::HashMap;
use std::time::Instant;

/// Largest name in wire form (RFC 1035 §3.1).
const MAX_NAME: usize = 255;
/// Bytes accounted per entry besides the message and key (map slot, vectors, timestamps).
const ENTRY_OVERHEAD: usize = 96;

/// A query reduced to what the cached response depends on.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AnswerKey {
    /// Lowercased question name in wire form, then type and class, then the EDNS shape.
    bytes: Box<[u8]>,
}

/// Where the question of a query ends and what the response may use.
#[derive(Debug)]
pub struct QueryShape {
    /// The cache key.
    pub key: AnswerKey,
    /// End of the question (offset of the first byte after QCLASS).
    pub question_end: usize,
    /// The largest response the client takes over UDP.
    pub udp_limit: usize,
}

struct Entry {
    /// The response with ID 0; the question as first asked.
    message: Box<[u8]>,
    /// Offsets of every TTL field (OPT's excluded).
    ttl_offsets: Box<[usize]>,
    /// The TTLs as written.
    ttls: Box<[u32]>,
    stored: Instant,
    expires: Instant,
}

/// Rendered responses keyed by question, bounded in bytes.
pub struct AnswerCache {
    entries: HashMap<AnswerKey, Entry>,
    bytes: usize,
    max_bytes: usize,
}

impl AnswerCache {
    /// An empty cache holding at most `max_bytes` (accounted) bytes.
    pub fn new(max_bytes: usize) -> AnswerCache {
        AnswerCache {
            entries: HashMap::default(),
            bytes: 0,
            max_bytes,
        }
    }

    /// Number of responses held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes accounted.
    pub fn memory_used(&self) -> usize {
        self.bytes
    }

    /// Answers `query` into `out` if a fresh response is held and fits the client's limit
    /// (`tcp` lifts the UDP limit). Returns false (and leaves `out` empty) otherwise.
    pub fn answer(&self, query: &[u8], tcp: bool, now: Instant, out: &mut Vec<u8>) -> bool {
        out.clear();
        let Some(shape) = shape(query) else {
            return false;
        };
        let Some(entry) = self.entries.get(&shape.key) else {
            return false;
        };
        if now >= entry.expires {
            return false;
        }
        if !tcp && entry.message.len() > shape.udp_limit {
            return false;
        }
        let elapsed = now.saturating_duration_since(entry.stored).as_secs();
        let elapsed = u32::try_from(elapsed).unwrap_or(u32::MAX);
        out.extend_from_slice(&entry.message);
        // ID, then RD and CD as the client set them (QR, RA, RCODE stay).
        out[0] = query[0];
        out[1] = query[1];
        out[2] = (out[2] & !0x01) | (query[2] & 0x01);
        out[3] = (out[3] & !0x10) | (query[3] & 0x10);
        // The client's spelling of the question (same length: the key matched case-insensitively).
        out[12..shape.question_end].copy_from_slice(&query[12..shape.question_end]);
        for (offset, ttl) in entry.ttl_offsets.iter().zip(entry.ttls.iter()) {
            let left = ttl.saturating_sub(elapsed).max(1);
            out[*offset..*offset + 4].copy_from_slice(&left.to_be_bytes());
        }
        true
    }

    /// Keeps `response` (written for `query`) until its smallest TTL runs out. Responses that cannot be
    /// walked, carry no records with a TTL, are truncated, or have a zero TTL are not kept.
    pub fn insert(&mut self, query: &[u8], response: &[u8], now: Instant) {
        let Some(shape) = shape(query) else {
            return;
        };
        if response.len() < 12 || response[2] & 0x02 != 0 {
            return;
        }
        let Some(offsets) = ttl_offsets(response) else {
            return;
        };
        let ttls: Vec<u32> = offsets
            .iter()
            .map(|o| {
                u32::from_be_bytes([
                    response[*o],
                    response[o + 1],
                    response[o + 2],
                    response[o + 3],
                ])
            })
            .collect();
        let Some(min_ttl) = ttls.iter().copied().min() else {
            return;
        };
        if min_ttl == 0 {
            return;
        }
        let mut message = response.to_vec();
        message[0] = 0;
        message[1] = 0;
        let size = message.len() + shape.key.bytes.len() + offsets.len() * 12 + ENTRY_OVERHEAD;
        if size > self.max_bytes {
            return;
        }
        self.make_room(size, now);
        let entry = Entry {
            message: message.into_boxed_slice(),
            ttl_offsets: offsets.into_boxed_slice(),
            ttls: ttls.into_boxed_slice(),
            stored: now,
            expires: now + std::time::Duration::from_secs(u64::from(min_ttl)),
        };
        if let Some(old) = self.entries.insert(shape.key.clone(), entry) {
            self.bytes = self.bytes.saturating_sub(
                old.message.len()
                    + shape.key.bytes.len()
                    + old.ttl_offsets.len() * 12
                    + ENTRY_OVERHEAD,
            );
        }
        self.bytes += size;
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }

    /// Removes expired entries, then arbitrary ones (hash order), until `needed` more bytes fit.
    fn make_room(&mut self, needed: usize, now: Instant) {
        if self.bytes + needed <= self.max_bytes {
            return;
        }
        let mut freed = 0;
        self.entries.retain(|key, entry| {
            let keep = entry.expires > now;
            if !keep {
                freed += entry_size(key, entry);
            }
            keep
        });
        self.bytes = self.bytes.saturating_sub(freed);
        if self.bytes + needed <= self.max_bytes {
            return;
        }
        // Still full: drop about a quarter of the entries. Hash order is effectively random, so this is
        // random eviction, which for a cache in front of an LRU cache costs little hit rate.
        let target = self.max_bytes.saturating_sub(needed) * 3 / 4;
        let mut victims = Vec::new();
        let mut bytes = self.bytes;
        for (key, entry) in &self.entries {
            if bytes <= target {
                break;
            }
            bytes = bytes.saturating_sub(entry_size(key, entry));
            victims.push(key.clone());
        }
        for key in victims {
            if let Some(entry) = self.entries.remove(&key) {
                self.bytes = self.bytes.saturating_sub(entry_size(&key, &entry));
            }
        }
    }
}

fn entry_size(key: &AnswerKey, entry: &Entry) -> usize {
    entry.message.len() + key.bytes.len() + entry.ttl_offsets.len() * 12 + ENTRY_OVERHEAD
}

/// Reads the parts of a query the cache depends on; `None` for anything but a plain one-question query
/// (with at most an OPT record without a Client Subnet option).
pub fn shape(query: &[u8]) -> Option<QueryShape> {
    let header = query.get(..12)?;
    // QR=0, opcode QUERY; QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
    if header[2] & 0xf8 != 0
        || header[4..10] != [0, 1, 0, 0, 0, 0]
        || header[10] != 0
        || header[11] > 1
    {
        return None;
    }
    let mut key = Vec::with_capacity(64);
    let mut position = 12;
    loop {
        let length = usize::from(*query.get(position)?);
        if length > 63 {
            return None; // no compression in a question of a query
        }
        key.push(length as u8);
        position += 1;
        if length == 0 {
            break;
        }
        let label = query.get(position..position + length)?;
        key.extend(label.iter().map(u8::to_ascii_lowercase));
        position += length;
        if key.len() > MAX_NAME {
            return None;
        }
    }
    let type_and_class = query.get(position..position + 4)?;
    key.extend_from_slice(type_and_class);
    let question_end = position + 4;
    let mut udp_limit = 512;
    let mut edns_shape = 0u8;
    if header[11] == 1 {
        // OPT: root owner, TYPE 41, CLASS = payload, TTL = ext-rcode/version/DO, RDLENGTH, options.
        let opt = query.get(question_end..question_end + 11)?;
        if opt[0] != 0 || opt[1..3] != [0, 41] || opt[6] != 0 {
            return None;
        }
        let payload = u16::from_be_bytes([opt[3], opt[4]]);
        udp_limit = usize::from(payload.max(512));
        let dnssec_ok = opt[7] & 0x80 != 0;
        let rdlength = usize::from(u16::from_be_bytes([opt[9], opt[10]]));
        let options = query.get(question_end + 11..question_end + 11 + rdlength)?;
        if question_end + 11 + rdlength != query.len() {
            return None;
        }
        let mut at = 0;
        while at < options.len() {
            let code = u16::from_be_bytes([*options.get(at)?, *options.get(at + 1)?]);
            let length = usize::from(u16::from_be_bytes([
                *options.get(at + 2)?,
                *options.get(at + 3)?,
            ]));
            if code == 8 {
                return None; // ECS: the answer may depend on the client
            }
            at += 4 + length;
        }
        if at != options.len() {
            return None;
        }
        edns_shape = 1 | if dnssec_ok { 2 } else { 0 };
    } else if question_end != query.len() {
        return None;
    }
    key.push(edns_shape);
    Some(QueryShape {
        key: AnswerKey {
            bytes: key.into_boxed_slice(),
        },
        question_end,
        udp_limit,
    })
}

/// Offsets of the TTL field of every record in a response, the OPT record's excepted.
pub fn ttl_offsets(response: &[u8]) -> Option<Vec<usize>> {
    let header = response.get(..12)?;
    let count = |i: usize| usize::from(u16::from_be_bytes([header[i], header[i + 1]]));
    let (questions, records) = (count(4), count(6) + count(8) + count(10));
    let mut position = 12;
    for _ in 0..questions {
        position = skip_name(response, position)? + 4;
    }
    let mut offsets = Vec::with_capacity(records);
    for _ in 0..records {
        position = skip_name(response, position)?;
        let fixed = response.get(position..position + 10)?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlength = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        if rtype != 41 {
            offsets.push(position + 4);
        }
        position += 10 + rdlength;
        if position > response.len() {
            return None;
        }
    }
    (position == response.len()).then_some(offsets)
}

/// The offset just past the name at `position` (a pointer ends a name).
fn skip_name(message: &[u8], mut position: usize) -> Option<usize> {
    loop {
        let length = *message.get(position)?;
        match length {
            0 => return Some(position + 1),
            1..=63 => position += 1 + usize::from(length),
            0xc0..=0xff => {
                message.get(position + 1)?;
                return Some(position + 2);
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::{Class, Edns, Header, Message, Name, Question, RData, RType, Record};
    use std::time::Duration;

    fn query(name: &str, id: u16, edns: Option<Edns>) -> Vec<u8> {
        Message {
            header: Header {
                id,
                rd: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: Name::parse(name, None).expect("name"),
                qtype: RType::A,
                qclass: Class::IN,
            }],
            edns,
            ..Message::default()
        }
        .to_wire()
    }

    fn response(name: &str, ttl: u32) -> Vec<u8> {
        let owner = Name::parse(name, None).expect("name");
        Message {
            header: Header {
                id: 1,
                qr: true,
                rd: true,
                ra: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: owner.clone(),
                qtype: RType::A,
                qclass: Class::IN,
            }],
            answers: vec![Record {
                name: owner,
                class: Class::IN,
                ttl,
                data: RData::A([192, 0, 2, 1].into()),
            }],
            ..Message::default()
        }
        .to_wire()
    }

    #[test]
    fn answers_with_the_clients_id_spelling_and_counted_down_ttls() {
        let t0 = Instant::now();
        let mut cache = AnswerCache::new(1 << 20);
        cache.insert(
            &query("www.example.com.", 1, None),
            &response("www.example.com.", 300),
            t0,
        );
        let mut out = Vec::new();
        assert!(cache.answer(
            &query("WWW.example.COM.", 4242, None),
            false,
            t0 + Duration::from_secs(100),
            &mut out
        ));
        let message = Message::parse(&out).expect("valid");
        assert_eq!(message.header.id, 4242);
        assert_eq!(message.questions[0].name.to_string(), "WWW.example.COM.");
        assert_eq!(message.answers[0].ttl, 200);
        assert!(!cache.answer(
            &query("www.example.com.", 5, None),
            false,
            t0 + Duration::from_secs(300),
            &mut out
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn edns_shape_and_ecs_are_part_of_the_key() {
        let t0 = Instant::now();
        let mut cache = AnswerCache::new(1 << 20);
        cache.insert(
            &query("a.example.", 1, None),
            &response("a.example.", 60),
            t0,
        );
        let mut out = Vec::new();
        assert!(!cache.answer(
            &query("a.example.", 2, Some(Edns::default())),
            false,
            t0,
            &mut out
        ));
        let ecs = Edns {
            options: vec![globe_dns::EdnsOption::ClientSubnet(
                globe_dns::ClientSubnet::new([198, 51, 100, 0].into(), 24),
            )],
            ..Edns::default()
        };
        assert!(shape(&query("a.example.", 2, Some(ecs))).is_none());
    }

    #[test]
    fn stays_within_its_memory_bound() {
        let t0 = Instant::now();
        let mut cache = AnswerCache::new(64 * 1024);
        for i in 0..10_000 {
            let name = format!("n{i}.example.");
            cache.insert(&query(&name, 1, None), &response(&name, 60), t0);
            assert!(cache.memory_used() <= 64 * 1024);
        }
        assert!(cache.len() > 100);
    }

    #[test]
    fn ttl_offsets_skip_the_opt_record_and_reject_garbage() {
        let mut message = Message::parse(&response("x.example.", 60)).expect("valid");
        message.edns = Some(Edns::default());
        let wire = message.to_wire();
        let offsets = ttl_offsets(&wire).expect("walkable");
        assert_eq!(offsets.len(), 1);
        assert!(ttl_offsets(&wire[..wire.len() - 1]).is_none());
    }
}
