#!/usr/bin/python3
"""Writes the malformed-message corpus in this directory: one broken DNS message per `.hex` file.

    /usr/bin/python3 test-data/malformed/generate.py

Each file is self-describing, so it can be replayed against any server (a correct one answers FORMERR or
drops the packet; none may crash):

    # <what is wrong, with the RFC that makes it wrong>          <- always the first line
    # expect: <WireError variant>                                <- what globe's Message::parse returns
    <hex, one part of the message per line, `#` comments naming the part>

Apart from its one defect each message is well formed, so the error it provokes is the one named. The
script also reports which messages dnspython 2.3 rejects, as a cross-check of the corpus itself (dnspython
does not validate EDNS option contents, so it accepts some of them).
"""

import os
import struct

import dns.exception
import dns.message

HERE = os.path.dirname(os.path.abspath(__file__))


def name(text):
    """Uncompressed wire form of a dotted name ("" or "." is the root)."""
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(qd=0, an=0, ns=0, ar=0, flags=0x0100, ident=0x4D4D):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def question(owner=name("example.com."), qtype=1, qclass=1):
    return owner + struct.pack("!HH", qtype, qclass)


def record(owner, rtype, rdata, rclass=1, ttl=300, rdlength=None):
    length = len(rdata) if rdlength is None else rdlength
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, length) + rdata


def opt(options=b"", owner=b"\x00", payload=1232, ttl=0, rdlength=None):
    return record(owner, 41, options, rclass=payload, ttl=ttl, rdlength=rdlength)


def option(code, data, length=None):
    return struct.pack("!HH", code, len(data) if length is None else length) + data


def ecs(family, source, scope, address):
    return option(8, struct.pack("!HBB", family, source, scope) + address)


QUERY = question()  # example.com. A at offset 12; `c0 0c` points at it
CASES = []


def case(file, description, expect, *parts):
    """`parts` are (bytes, comment) pairs, one line each in the file."""
    CASES.append((file, description, expect, parts))


# --- the header and the question --------------------------------------------------------------------
case("empty", "An empty datagram: not even a header (RFC 1035 §4.1.1).", "ShortBuffer")
case("truncated-header", "A header cut to 11 of its 12 octets (RFC 1035 §4.1.1).", "ShortBuffer",
     (header(qd=1)[:11], "header, one octet short"))
case("truncated-question-name", "QDCOUNT 1 but the message ends inside the question's name.", "ShortBuffer",
     (header(qd=1), "header: QDCOUNT 1"), (b"\x07examp", "name: a 7-octet label with 5 octets"))
case("truncated-question-class", "The question's name and QTYPE are there but QCLASS is missing.",
     "ShortBuffer", (header(qd=1), "header: QDCOUNT 1"), (QUERY[:-2], "question without QCLASS"))

# --- compression pointers (RFC 1035 §4.1.4, RFC 9267 §2) --------------------------------------------
case("pointer-to-itself", "A compression pointer that points at itself (offset 12 -> 12).", "BadPointer",
     (header(qd=1), "header"), (b"\xc0\x0c" + b"\x00\x01\x00\x01", "question: name is c0 0c, A IN"))
case("pointer-forward", "A compression pointer to a name later in the message (offset 12 -> 18).",
     "BadPointer",
     (header(qd=1, an=1), "header: QDCOUNT 1, ANCOUNT 1"),
     (b"\xc0\x12" + b"\x00\x01\x00\x01", "question: name points forward to offset 18"),
     (record(name("example.com."), 1, bytes([192, 0, 2, 1])), "answer at offset 18: example.com. A"))
case("pointer-loop-mutual", "Two pointers pointing at each other (12 -> 14 -> 12); the first points forward.",
     "BadPointer",
     (header(qd=1), "header"), (b"\xc0\x0e\xc0\x0c" + b"\x00\x01\x00\x01", "question: c0 0e, then c0 0c"))
case("pointer-loop-through-label",
     "A label followed by a pointer back to that label: each pointer points backwards, yet the name never "
     "ends; decoding stops at the 255-octet name limit (RFC 1035 §2.3.4).", "NameTooLong",
     (header(qd=1), "header"), (b"\x01a\xc0\x0c" + b"\x00\x01\x00\x01", "question: 01 61 c0 0c (a, back to 12)"))
case("pointer-past-end", "A compression pointer beyond the end of the message.", "BadPointer",
     (header(qd=1), "header"), (b"\xff\xff" + b"\x00\x01\x00\x01", "question: name is a pointer to 0x3fff"))
CHAIN = b"".join(struct.pack("!H", 0xC000 | (12 if i == 0 else 23 + 2 * (i - 1))) for i in range(128))
case("pointer-chain-too-long",
     "A name that follows 129 compression pointers, each to the one before (RFC 9267 §2): more than the "
     "128 any name needs (MAX_POINTERS), a CPU sink when many names point at the chain.", "BadPointer",
     (header(an=2, flags=0x8400), "header: ANCOUNT 2"),
     (b"\x00" + struct.pack("!HHIH", 0xFF00, 1, 0, len(CHAIN)), "answer 1 at offset 12: . TYPE65280, RDLENGTH 256"),
     (CHAIN, "its RDATA from offset 23: 128 pointers, the first to 12, each other to the one before"),
     (struct.pack("!H", 0xC000 | (23 + 2 * 127)) + struct.pack("!HHIH", 0xFF00, 1, 0, 0),
      "answer 2: owner points at the last pointer of the chain"))
case("pointer-truncated", "A message ending after the first octet of a compression pointer.", "ShortBuffer",
     (header(qd=1), "header"), (b"\x03www\xc0", "question: www. then half a pointer"))

# --- labels and names (RFC 1035 §2.3.4, RFC 6891 §5) ------------------------------------------------
case("label-type-0x40", "A length octet of 0x40 (64): the extended label type of RFC 6891 §5, not a label.",
     "BadLabelType",
     (header(qd=1), "header"), (b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01", "question: label type 0x40"))
case("label-type-0x80", "A length octet of 0x80: the reserved label type 10 (RFC 1035 §4.1.4).", "BadLabelType",
     (header(qd=1), "header"), (b"\x80\x00\x00\x01\x00\x01", "question: label type 0x80"))
LONG = b"".join(bytes([63]) + bytes([ord("a") + i]) * 63 for i in range(3)) + b"\x00"  # 193 octets
case("name-too-long-via-pointers",
     "An owner of two 63-octet labels and a pointer to a 193-octet question name: 321 octets once "
     "decompressed, over the 255-octet limit (RFC 1035 §2.3.4).", "NameTooLong",
     (header(qd=1, an=1), "header: QDCOUNT 1, ANCOUNT 1"),
     (LONG + b"\x00\x01\x00\x01", "question: three 63-octet labels (193 octets)"),
     (b"\x3f" + b"x" * 63 + b"\x3f" + b"y" * 63 + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)
      + bytes([192, 0, 2, 1]), "answer: x{63}.y{63} + pointer to the question, A"))
case("name-too-long-plain", "A 257-octet name written out in full: four 63-octet labels and the root.",
     "NameTooLong",
     (header(qd=1), "header"),
     (b"".join(b"\x3f" + b"n" * 63 for _ in range(4)) + b"\x00\x00\x01\x00\x01", "question"))

# --- OPT placement (RFC 6891 §6.1.1) ------------------------------------------------------------------
case("opt-twice", "Two OPT records in the additional section (RFC 6891 §6.1.1: FORMERR).", "DuplicateOpt",
     (header(qd=1, ar=2), "header: ARCOUNT 2"), (QUERY, "question"),
     (opt(), "additional: OPT"), (opt(), "additional: a second OPT"))
case("opt-in-answer", "An OPT record in the answer section (RFC 6891 §6.1.1).", "MisplacedOpt",
     (header(qd=1, an=1), "header: ANCOUNT 1"), (QUERY, "question"), (opt(), "answer: OPT"))
case("opt-in-authority", "An OPT record in the authority section (RFC 6891 §6.1.1).", "MisplacedOpt",
     (header(qd=1, ns=1), "header: NSCOUNT 1"), (QUERY, "question"), (opt(), "authority: OPT"))
case("opt-non-root-owner", "An OPT record owned by example.com. instead of the root (RFC 6891 §6.1.2).",
     "MisplacedOpt",
     (header(qd=1, ar=1), "header: ARCOUNT 1"), (QUERY, "question"),
     (opt(owner=b"\xc0\x0c"), "additional: OPT with owner c0 0c"))
case("opt-rdlength-overrun", "An OPT record whose RDLENGTH (16) runs past the end of the message.",
     "ShortBuffer",
     (header(qd=1, ar=1), "header: ARCOUNT 1"), (QUERY, "question"),
     (opt(options=option(3, b""), rdlength=16), "additional: OPT, RDLENGTH 16 with 4 octets"))

# --- counts and lengths -------------------------------------------------------------------------------
A = record(b"\xc0\x0c", 1, bytes([192, 0, 2, 1]))
case("count-answers-lie", "ANCOUNT 2 with one answer record present.", "ShortBuffer",
     (header(qd=1, an=2, flags=0x8400), "header: ANCOUNT 2"), (QUERY, "question"), (A, "answer: A"))
case("count-questions-lie", "QDCOUNT 2 with one question present.", "ShortBuffer",
     (header(qd=2), "header: QDCOUNT 2"), (QUERY, "question"))
case("count-additional-65535", "ARCOUNT 65535 in a query with no additional records.", "ShortBuffer",
     (header(qd=1, ar=0xFFFF), "header: ARCOUNT 65535"), (QUERY, "question"))
case("trailing-garbage", "Three octets after the last record the header announces.", "TrailingData",
     (header(qd=1), "header"), (QUERY, "question"), (b"\xde\xad\xbe", "garbage"))
case("trailing-garbage-no-records", "A header announcing nothing, followed by one octet.", "TrailingData",
     (header(flags=0), "header: all counts 0"), (b"\x00", "garbage"))
case("rdlength-overrun", "An A record whose RDLENGTH (256) runs past the end of the message.", "ShortBuffer",
     (header(qd=1, an=1, flags=0x8400), "header"), (QUERY, "question"),
     (record(b"\xc0\x0c", 1, bytes([192, 0, 2, 1]), rdlength=256), "answer: A, RDLENGTH 256, 4 octets"))
case("a-rdlength-5", "An A record with RDLENGTH 5 (RFC 1035 §3.4.1: exactly 4).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (QUERY, "question"),
     (record(b"\xc0\x0c", 1, bytes([192, 0, 2, 1, 0])), "answer: A with 5 octets"))
case("a-rdlength-3", "An A record with RDLENGTH 3.", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (QUERY, "question"),
     (record(b"\xc0\x0c", 1, bytes([192, 0, 2])), "answer: A with 3 octets"))
case("aaaa-rdlength-4", "An AAAA record with RDLENGTH 4 (RFC 3596 §2.2: exactly 16).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=28), "question AAAA"),
     (record(b"\xc0\x0c", 28, bytes([32, 1, 13, 184])), "answer: AAAA with 4 octets"))
case("ns-rdlength-longer-than-name", "An NS record with RDLENGTH 2 more than its name.", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=2), "question NS"),
     (record(b"\xc0\x0c", 2, b"\x03ns1\xc0\x0c\x00\x00"), "answer: NS ns1 + pointer, then 2 extra octets"))
case("cname-name-crosses-rdlength", "A CNAME whose name runs past its RDLENGTH into the next field.",
     "ShortBuffer",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=5), "question CNAME"),
     (record(b"\xc0\x0c", 5, b"\x05alias\x00", rdlength=3), "answer: CNAME, RDLENGTH 3 around a 7-octet name"))

# --- RDATA formats --------------------------------------------------------------------------------------
case("txt-empty", "A TXT record with no character strings (RFC 1035 §3.3.14: one or more).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=16), "question TXT"),
     (record(b"\xc0\x0c", 16, b""), "answer: TXT, RDLENGTH 0"))
case("txt-string-overrun", "A TXT character string longer than what is left of the RDATA.", "ShortBuffer",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=16), "question TXT"),
     (record(b"\xc0\x0c", 16, b"\x09abc"), "answer: TXT, a 9-octet string with 3 octets"))
case("caa-empty-tag", "A CAA record with a zero-length tag (RFC 8659 §4.1: the tag is not empty).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=257), "question CAA"),
     (record(b"\xc0\x0c", 257, b"\x00\x00ca.example"), "answer: CAA 0, empty tag"))
case("svcb-keys-descending", "SvcParamKeys out of order (RFC 9460 §2.2: strictly increasing).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=65), "question HTTPS"),
     (record(b"\xc0\x0c", 65, b"\x00\x01\x00" + b"\x00\x03\x00\x02\x01\xbb" + b"\x00\x01\x00\x03\x02h3"),
      "answer: HTTPS 1 . port=443 then alpn"))
case("rrsig-compressed-signer", "An RRSIG whose signer name is a compression pointer (RFC 4034 §3.1.7).",
     "BadLabelType",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=46), "question RRSIG"),
     (record(b"\xc0\x0c", 46, struct.pack("!HBBIIIH", 1, 13, 2, 300, 1706745600, 1704067200, 12345)
             + b"\xc0\x0c" + b"\x01" * 64), "answer: RRSIG A ... signer c0 0c"))
case("nsec-bitmap-empty-window", "An NSEC type bitmap window of length 0 (RFC 4034 §4.1.2: 1 to 32).",
     "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=47), "question NSEC"),
     (record(b"\xc0\x0c", 47, name("a.example.com.") + b"\x00\x00"), "answer: NSEC, window 0 length 0"))
case("nsec-bitmap-windows-descending", "NSEC bitmap windows out of order (RFC 4034 §4.1.2).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=47), "question NSEC"),
     (record(b"\xc0\x0c", 47, name("a.example.com.") + b"\x01\x01\x40" + b"\x00\x01\x40"),
      "answer: NSEC, window 1 then window 0"))
case("nsec3-empty-hash", "An NSEC3 record with a zero-length next hashed owner (RFC 5155 §3.2).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=50), "question NSEC3"),
     (record(b"\xc0\x0c", 50, b"\x01\x00\x00\x00\x00\x00"), "answer: NSEC3 1 0 0 - (empty hash)"))
case("zonemd-short-digest", "A ZONEMD digest of 11 octets (RFC 8976 §2.2.4: at least 12).", "BadRdata",
     (header(qd=1, an=1, flags=0x8400), "header"), (question(qtype=63), "question ZONEMD"),
     (record(b"\xc0\x0c", 63, struct.pack("!IBB", 1, 1, 1) + b"\xab" * 11), "answer: ZONEMD, 11-octet digest"))


# --- EDNS options (RFC 6891 §6.1.2, RFC 7871 §6, RFC 7873 §4) -----------------------------------------
def edns_case(file, description, options, comment):
    case(file, description, "BadEdnsOption",
         (header(qd=1, ar=1), "header: QDCOUNT 1, ARCOUNT 1"), (QUERY, "question"),
         (opt(options), "additional: OPT with " + comment))


edns_case("ecs-family-3", "Client Subnet with FAMILY 3 (RFC 7871 §6: 1 or 2).",
          ecs(3, 24, 0, bytes([192, 0, 2])), "ECS family 3 /24")
edns_case("ecs-v4-prefix-33", "Client Subnet IPv4 with SOURCE PREFIX-LENGTH 33, beyond the address length.",
          ecs(1, 33, 0, bytes([192, 0, 2, 1, 0])), "ECS 1 /33")
edns_case("ecs-v6-prefix-129", "Client Subnet IPv6 with SOURCE PREFIX-LENGTH 129, beyond the address length.",
          ecs(2, 129, 0, bytes(17)), "ECS 2 /129")
edns_case("ecs-v4-scope-33", "Client Subnet IPv4 with SCOPE PREFIX-LENGTH 33, beyond the address length.",
          ecs(1, 24, 33, bytes([192, 0, 2])), "ECS 1 /24 scope 33")
edns_case("ecs-bits-past-prefix",
          "Client Subnet 192.0.3.0/23: a bit set past the prefix (RFC 7871 §6 requires them zero).",
          ecs(1, 23, 0, bytes([192, 0, 3])), "ECS 192.0.3/23")
edns_case("ecs-address-too-long", "Client Subnet /16 with 3 address octets (RFC 7871 §6: exactly 2).",
          ecs(1, 16, 0, bytes([192, 0, 2])), "ECS /16 with 3 octets")
edns_case("ecs-short", "A Client Subnet option of 2 octets, shorter than its 4-octet header.",
          option(8, b"\x00\x01"), "ECS of 2 octets")
edns_case("cookie-length-9", "A cookie option of 9 octets (RFC 7873 §4: 8, or 16 to 40).",
          option(10, bytes(range(9))), "COOKIE of 9 octets")
edns_case("cookie-length-7", "A cookie option of 7 octets, shorter than a client cookie.",
          option(10, bytes(range(7))), "COOKIE of 7 octets")
edns_case("cookie-length-41", "A cookie option of 41 octets (a 33-octet server cookie).",
          option(10, bytes(range(41))), "COOKIE of 41 octets")
edns_case("edns-option-overrun", "An EDNS option whose OPTION-LENGTH (10) runs past the OPT RDATA.",
          option(3, b"abcd", length=10), "NSID, length 10 with 4 octets")
edns_case("edns-option-header-truncated", "OPT RDATA of 3 octets: an option code and half a length.",
          b"\x00\x03\x00", "3 octets of option header")


def write(file, description, expect, parts):
    lines = ["# " + description, "# expect: " + expect]
    for data, comment in parts:
        # 32 octets a line, the comment on the first.
        for start in range(0, max(len(data), 1), 32):
            line = " ".join("%02x" % b for b in data[start:start + 32])
            lines.append(line + ("  # " + comment if start == 0 else ""))
    with open(os.path.join(HERE, file + ".hex"), "w") as out:
        out.write("\n".join(lines) + "\n")


def main():
    accepted = []
    for file, description, expect, parts in CASES:
        write(file, description, expect, parts)
        try:
            dns.message.from_wire(b"".join(data for data, _ in parts))
            accepted.append(file)
        except (dns.exception.DNSException, ValueError, IndexError, struct.error):
            pass
    print("wrote %d files; dnspython accepts %d of them: %s" % (len(CASES), len(accepted), ", ".join(accepted)))


if __name__ == "__main__":
    main()
