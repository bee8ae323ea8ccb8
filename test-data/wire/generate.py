#!/usr/bin/python3
"""Writes the wire vectors in this directory with dnspython, an implementation independent of globe.

Run it with the system interpreter, which has dnspython 2.3:

    /usr/bin/python3 test-data/wire/generate.py

Each vector is a message built with dnspython (or raw bytes written by hand, for shapes dnspython will not
produce). The script encodes it with dnspython, decodes the bytes again with dnspython, and writes:

    # one or more comment lines saying what the vector covers
    canonical: yes|no
    hex:
      <the message, one header/question/record per line, `#` comments allowed>
    expect:
      <the message as dnspython decoded it, in the format below>

`canonical: yes` means globe's encoder must give back exactly these bytes: dnspython and globe compress the
same names (owners, questions, and names inside NS, CNAME, PTR, SOA and MX RDATA) against the earliest
occurrence, so the two agree byte for byte. `canonical: no` marks bytes that are valid but that globe
writes differently (for example a compression pointer inside SRV RDATA, which globe accepts but never
writes); the test then checks that decoding, encoding and decoding again gives the same message.

The `expect` format, one line each (see `render` in crates/dns/tests/wire_vectors.rs):

    header id=0x1234 opcode=0 rcode=0 flags=qr,aa,rd      # flags in order qr aa tc rd ra z ad cd, or -
    rcode NOERROR                                        # the full 12-bit RCODE (header + EDNS)
    question <name> <class> <type>
    answer|authority|additional <owner> <ttl> <class> <type> <rdata fields>
    edns udp=1232 ext_rcode=0 version=0 do=1 z=0x0000
    option NSID <hex or ->
    option ECS source=24 scope=0 address=192.0.2.0
    option COOKIE client=<hex> server=<hex or ->
    option <code> <hex or ->

RDATA fields are the type's fields in RFC order: names in presentation format, numbers in decimal, character
strings quoted with `\\"`, `\\\\` and `\\DDD` escapes, binary fields in lower-case hex (`-` when empty), type
bitmaps as the list of types, SvcParams as `key<n>=<hex>`, and types globe keeps opaque as `\\# <len> <hex>`
(RFC 3597 §5).
"""

import io
import os
import struct

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.version

HERE = os.path.dirname(os.path.abspath(__file__))

# The mnemonics globe's `RType` knows; every other type is shown as TYPEnnn.
MNEMONICS = {
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA",
    33: "SRV", 35: "NAPTR", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
    50: "NSEC3", 51: "NSEC3PARAM", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS", 251: "IXFR", 252: "AXFR",
    255: "ANY", 257: "CAA",
}
CLASSES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN",
    7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 11: "DSOTYPENI", 16: "BADVERS", 17: "BADKEY",
    18: "BADTIME", 19: "BADMODE", 20: "BADNAME", 21: "BADALG", 22: "BADTRUNC", 23: "BADCOOKIE",
}
# The types globe decodes into fields; the rest stay opaque (RFC 3597).
DECODED = {1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 39, 43, 46, 47, 48, 50, 51, 63, 64, 65, 257}


def type_text(value):
    return MNEMONICS.get(value, "TYPE%d" % value)


def class_text(value):
    return CLASSES.get(value, "CLASS%d" % value)


def hex_or_dash(data):
    return data.hex() if data else "-"


def string_text(data):
    out = '"'
    for byte in data:
        if byte in b'"\\':
            out += "\\" + chr(byte)
        elif 0x20 <= byte < 0x7F:
            out += chr(byte)
        else:
            out += "\\%03d" % byte
    return out + '"'


def bitmap_types(windows):
    types = []
    for window, bits in windows:
        for index, byte in enumerate(bits):
            for bit in range(8):
                if byte & (0x80 >> bit):
                    types.append(type_text(window * 256 + index * 8 + bit))
    return types


def rdata_text(rd):
    """The RDATA fields of one record as dnspython decoded them."""
    t = rd.rdtype
    if t not in DECODED:
        wire = rd.to_wire()
        return "\\# %d %s" % (len(wire), hex_or_dash(wire))
    if t in (1, 28):
        return rd.address
    if t in (2, 5, 12, 39):
        return rd.target.to_text()
    if t == 6:
        return "%s %s %d %d %d %d %d" % (
            rd.mname, rd.rname, rd.serial, rd.refresh, rd.retry, rd.expire, rd.minimum)
    if t == 15:
        return "%d %s" % (rd.preference, rd.exchange)
    if t == 16:
        return " ".join(string_text(s) for s in rd.strings)
    if t == 33:
        return "%d %d %d %s" % (rd.priority, rd.weight, rd.port, rd.target)
    if t == 35:
        return "%d %d %s %s %s %s" % (
            rd.order, rd.preference, string_text(rd.flags), string_text(rd.service),
            string_text(rd.regexp), rd.replacement)
    if t == 257:
        return "%d %s %s" % (rd.flags, string_text(rd.tag), string_text(rd.value))
    if t in (64, 65):
        params = []
        for key in sorted(rd.params):
            buffer = io.BytesIO()
            rd.params[key].to_wire(buffer)
            value = buffer.getvalue()
            params.append("key%d=%s" % (key, hex_or_dash(value)))
        return " ".join(["%d %s" % (rd.priority, rd.target)] + params)
    if t == 43:
        return "%d %d %d %s" % (rd.key_tag, rd.algorithm, rd.digest_type, hex_or_dash(rd.digest))
    if t == 48:
        return "%d %d %d %s" % (rd.flags, rd.protocol, rd.algorithm, hex_or_dash(rd.key))
    if t == 46:
        return "%s %d %d %d %d %d %d %s %s" % (
            type_text(rd.type_covered), rd.algorithm, rd.labels, rd.original_ttl, rd.expiration,
            rd.inception, rd.key_tag, rd.signer, hex_or_dash(rd.signature))
    if t == 47:
        return " ".join(["%s" % rd.next] + bitmap_types(rd.windows))
    if t == 50:
        return " ".join(["%d %d %d %s %s" % (
            rd.algorithm, rd.flags, rd.iterations, hex_or_dash(rd.salt), hex_or_dash(rd.next))]
            + bitmap_types(rd.windows))
    if t == 51:
        return "%d %d %d %s" % (rd.algorithm, rd.flags, rd.iterations, hex_or_dash(rd.salt))
    if t == 63:
        return "%d %d %d %s" % (rd.serial, rd.scheme, rd.hash_algorithm, hex_or_dash(rd.digest))
    raise ValueError("no rendering for type %d" % t)


FLAG_BITS = [("qr", 0x8000), ("aa", 0x0400), ("tc", 0x0200), ("rd", 0x0100), ("ra", 0x0080),
             ("z", 0x0040), ("ad", 0x0020), ("cd", 0x0010)]


def render(msg):
    """The expected structure, from dnspython's decoding of the bytes."""
    flags = [name for name, bit in FLAG_BITS if msg.flags & bit]
    lines = ["header id=0x%04x opcode=%d rcode=%d flags=%s" % (
        msg.id, (msg.flags >> 11) & 0xF, msg.flags & 0xF, ",".join(flags) or "-")]
    lines.append("rcode " + RCODES.get(msg.rcode(), "RCODE%d" % msg.rcode()))
    for q in msg.question:
        lines.append("question %s %s %s" % (q.name, class_text(q.rdclass), type_text(q.rdtype)))
    for section, rrsets in (("answer", msg.answer), ("authority", msg.authority),
                            ("additional", msg.additional)):
        for rrset in rrsets:
            for rd in rrset:
                lines.append("%s %s %d %s %s %s" % (
                    section, rrset.name, rrset.ttl, class_text(rrset.rdclass), type_text(rd.rdtype),
                    rdata_text(rd)))
    if msg.edns >= 0:
        lines.append("edns udp=%d ext_rcode=%d version=%d do=%d z=0x%04x" % (
            msg.payload, (msg.ednsflags >> 24) & 0xFF, msg.edns, 1 if msg.ednsflags & 0x8000 else 0,
            msg.ednsflags & 0x7FFF))
        for option in msg.options:
            data = option.to_wire()
            if option.otype == 3:
                lines.append("option NSID %s" % hex_or_dash(data))
            elif option.otype == 8:
                lines.append("option ECS source=%d scope=%d address=%s" % (
                    option.srclen, option.scopelen, option.address))
            elif option.otype == 10:
                lines.append("option COOKIE client=%s server=%s" % (data[:8].hex(), hex_or_dash(data[8:])))
            else:
                lines.append("option %d %s" % (option.otype, hex_or_dash(data)))
    return lines


def skip_name(wire, pos):
    while True:
        length = wire[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos


def chunks(data, width=32):
    return [data[i:i + width] for i in range(0, len(data), width)] or [b""]


def annotate(wire, msg):
    """The bytes one header/question/record per line, each with a comment naming it."""
    def spaced(data):
        return " ".join("%02x" % b for b in data)

    lines = []

    def emit(data, comment):
        for i, part in enumerate(chunks(data)):
            lines.append("  " + spaced(part) + ("  # " + comment if i == 0 else ""))

    emit(wire[:12], "header")
    qd, an, ns, ar = struct.unpack("!HHHH", wire[4:12])
    pos = 12
    for q in msg.question:
        end = skip_name(wire, pos) + 4
        emit(wire[pos:end], "question %s %s" % (q.name, type_text(q.rdtype)))
        pos = end
    records = {"answer": [], "authority": [], "additional": []}
    for section, rrsets in (("answer", msg.answer), ("authority", msg.authority),
                            ("additional", msg.additional)):
        for rrset in rrsets:
            for rd in rrset:
                records[section].append("%s %s %s" % (section, rrset.name, type_text(rd.rdtype)))
    for section, count in (("answer", an), ("authority", ns), ("additional", ar)):
        for _ in range(count):
            name_end = skip_name(wire, pos)
            rtype, _, _, rdlength = struct.unpack("!HHIH", wire[name_end:name_end + 10])
            end = name_end + 10 + rdlength
            comment = "additional OPT" if rtype == 41 else records[section].pop(0)
            emit(wire[pos:end], comment)
            pos = end
    assert pos == len(wire), "annotated %d of %d bytes" % (pos, len(wire))
    return lines


def write_vector(name, description, wire, canonical=True):
    msg = dns.message.from_wire(wire)
    lines = ["# " + line for line in description.strip().splitlines()]
    lines.append("# Generated by generate.py with dnspython %s; edit that, not this file." % dns.version.version)
    lines.append("canonical: %s" % ("yes" if canonical else "no"))
    lines.append("hex:")
    lines.extend(annotate(wire, msg))
    lines.append("expect:")
    lines.extend("  " + line for line in render(msg))
    with open(os.path.join(HERE, name + ".txt"), "w") as out:
        out.write("\n".join(lines) + "\n")


def from_text(text):
    return dns.message.from_text(text.strip() + "\n")


def wire_of(msg, **kw):
    # No shuffling of RRsets, so the bytes do not change between runs.
    return msg.to_wire(want_shuffle=False, max_size=65535, **kw)


def rr(text):
    return dns.rdata.from_text("IN", text.split()[0], " ".join(text.split()[1:]))


def main():
    # --- queries -------------------------------------------------------------------------------
    q = dns.message.make_query("www.example.com.", "A", id=0x1234)
    write_vector("query-plain", """
A plain query (RFC 1035 §4.1): www.example.com. IN A with RD, no EDNS.
""", wire_of(q))

    q = dns.message.make_query(
        "example.com.", "AAAA", id=0xBEEF, use_edns=0, want_dnssec=True, payload=1232,
        options=[
            dns.edns.GenericOption(3, b""),
            dns.edns.ECSOption("192.0.2.0", 24, 0),
            dns.edns.GenericOption(10, bytes.fromhex("0102030405060708")),
        ])
    q.flags |= dns.flags.AD
    write_vector("query-edns-do-nsid-ecs4-cookie", """
A query with EDNS (RFC 6891): payload 1232, the DO bit (RFC 3225), an empty NSID option (RFC 5001),
Client Subnet 192.0.2.0/24 (RFC 7871) and a client-only cookie (RFC 7873).
""", wire_of(q))

    q = dns.message.make_query(
        "www.example.net.", "HTTPS", id=0x0001, use_edns=0, payload=4096,
        options=[
            dns.edns.ECSOption("2001:db8:1234::", 48, 0),
            dns.edns.GenericOption(10, bytes.fromhex("1112131415161718") + bytes(range(16))),
        ])
    q.flags |= dns.flags.CD
    write_vector("query-edns-ecs6-server-cookie", """
A query with EDNS payload 4096, CD, Client Subnet 2001:db8:1234::/48 and a cookie with a 16-octet
server part.
""", wire_of(q))

    q = dns.message.make_query("example.com.", "A", id=0x0202, use_edns=0,
                               options=[dns.edns.ECSOption("198.51.100.128", 25, 0)])
    write_vector("query-edns-ecs4-odd-prefix", """
Client Subnet with a prefix that is not a multiple of 8: 198.51.100.128/25 sends 4 address octets.
""", wire_of(q))

    q = dns.message.make_query("example.com.", "A", id=0x0303, use_edns=0,
                               options=[dns.edns.ECSOption("0.0.0.0", 0, 0)])
    write_vector("query-edns-ecs-zero-prefix", """
Client Subnet 0.0.0.0/0, which a client sends to ask that its address not be used (RFC 7871 §7.1.2):
no address octets at all.
""", wire_of(q))

    q = dns.message.make_query("version.bind.", "TXT", rdclass="CH", id=0x0BAD)
    q.flags = 0
    write_vector("query-chaos-version-bind", """
A CHAOS-class query for version.bind. TXT without RD.
""", wire_of(q))

    q = from_text("""
id 7
opcode QUERY
flags RD
;QUESTION
a.example. IN A
b.example. IN AAAA
""")
    write_vector("query-two-questions", """
QDCOUNT 2: two questions, the second compressed against the first.
""", wire_of(q))

    write_vector("header-only", """
The smallest message: a header with ID 0, no flags and no records.
""", bytes(12))

    # --- responses -----------------------------------------------------------------------------
    r = from_text("""
id 4660
opcode QUERY
rcode NOERROR
flags QR AA RD
;QUESTION
www.example.com. IN A
;ANSWER
www.example.com. 300 IN CNAME web.example.com.
web.example.com. 300 IN A 192.0.2.10
web.example.com. 300 IN A 192.0.2.11
;AUTHORITY
example.com. 86400 IN NS ns1.example.com.
example.com. 86400 IN NS ns2.example.net.
;ADDITIONAL
ns1.example.com. 86400 IN A 192.0.2.53
ns1.example.com. 86400 IN AAAA 2001:db8::53
""")
    write_vector("response-compression", """
An authoritative response with compression (RFC 1035 §4.1.4) in owners (pointers to the question and
to names inside RDATA) and in CNAME and NS RDATA, including a pointer to a pointer.
""", wire_of(r))

    r = from_text("""
id 100
opcode QUERY
rcode NOERROR
flags QR AA
;QUESTION
example.com. IN ANY
;ANSWER
example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300
example.com. 3600 IN NS ns1.example.com.
example.com. 3600 IN MX 10 mail.example.com.
example.com. 3600 IN MX 20 mail.backup.example.net.
example.com. 3600 IN A 192.0.2.1
example.com. 3600 IN AAAA 2001:db8::1
example.com. 3600 IN TXT "v=spf1 -all"
example.com. 3600 IN TXT "two" "strings" ""
www.example.com. 3600 IN CNAME example.com.
old.example.com. 3600 IN DNAME new.example.com.
1.2.0.192.in-addr.arpa. 3600 IN PTR example.com.
""")
    write_vector("response-rfc1035-types", """
One record of each RFC 1035-era type and their neighbours: SOA, NS, MX, A, AAAA, TXT (one string; several
strings, one of them empty), CNAME, DNAME (RFC 6672, RDATA not compressed) and PTR.
""", wire_of(r))

    r = from_text("""
id 101
opcode QUERY
rcode NOERROR
flags QR AA
;QUESTION
_sip._udp.example.com. IN SRV
;ANSWER
_sip._udp.example.com. 600 IN SRV 10 60 5060 sip.provider.invalid.
example.com. 600 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.naptr.test.
example.com. 600 IN NAPTR 102 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
example.com. 600 IN CAA 0 issue "letsencrypt.org"
example.com. 600 IN CAA 128 tbs "Unknown"
_8443._foo.api.example.com. 600 IN SVCB 1 svc.example.net. alpn=h2,h3 port=8443 key65333=ab
svc.example.com. 600 IN SVCB 0 svc.example.net.
example.com. 600 IN HTTPS 1 . alpn=h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1
""")
    write_vector("response-service-types", """
Service records: SRV (RFC 2782), NAPTR (RFC 3403, an empty regexp and a root replacement), CAA (RFC 8659,
issuer-critical flag), SVCB in service and alias mode and HTTPS (RFC 9460), with known and unknown
SvcParamKeys. The SRV target and NAPTR replacement share no suffix with earlier names, so dnspython has
nothing to compress them against (see response-srv-naptr-compressed).
""", wire_of(r))

    r = from_text("""
id 107
opcode QUERY
rcode NOERROR
flags QR AA
;QUESTION
_sip._udp.example.com. IN SRV
;ANSWER
_sip._udp.example.com. 600 IN SRV 10 60 5060 sip.example.com.
example.com. 600 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.com.
""")
    write_vector("response-srv-naptr-compressed", """
dnspython 2.3 compresses the SRV target and the NAPTR replacement, which RFC 2782 and RFC 3403 forbid
but RFC 3597 §4 asks receivers to accept. globe decodes them and writes them uncompressed.
""", wire_of(r), canonical=False)

    r = from_text("""
id 102
opcode QUERY
rcode NOERROR
flags QR AA AD
;QUESTION
example.com. IN DNSKEY
;ANSWER
example.com. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
example.com. 3600 IN RRSIG DNSKEY 13 2 3600 20240201000000 20240101000000 12345 example.com. MzRCZDRlN2E0YjM0ZjJkYjM0MzRkN2E0YjM0ZjJkYjM0MzRkN2E0YjM0ZjJkYjM0MzRkN2E0YjM0ZjJkYjM0MzQ=
example.com. 3600 IN DS 12345 13 2 3490A6806D47F17A34C29E2CE80E8A999FFBE4BE3E5F8F3C7C1E6C8D2B8D9E1F
example.com. 3600 IN NSEC a.example.com. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE1234 CAA
example.com. 3600 IN NSEC3PARAM 1 0 0 -
example.com. 3600 IN ZONEMD 2024010101 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE
2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.com. 3600 IN NSEC3 1 1 10 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG
""")
    write_vector("response-dnssec-types", """
DNSSEC records: DNSKEY, RRSIG, DS, NSEC (a bitmap with three windows), NSEC3PARAM (empty salt), NSEC3
(opt-out, salted) (RFC 4034, RFC 5155) and ZONEMD (RFC 8976).
""", wire_of(r))

    r = from_text("""
id 103
opcode QUERY
rcode NXDOMAIN
flags QR AA
;QUESTION
nope.example.com. IN A
;AUTHORITY
example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 7 7200 3600 1209600 300
;ADDITIONAL
""")
    r.use_edns(0, dns.flags.DO, 1232)
    write_vector("response-nxdomain-soa", """
NXDOMAIN with the SOA in the authority section (RFC 2308) and an OPT record with DO.
""", wire_of(r))

    r = from_text("""
id 104
opcode QUERY
rcode NOERROR
flags QR AA
;QUESTION
example.com. IN TYPE65280
;ANSWER
example.com. 60 IN TYPE65280 \\# 4 deadbeef
example.com. 60 IN TYPE65534 \\# 0
example.com. 60 IN HINFO "x86" "Linux"
example.com. 60 CLASS42 TYPE999 \\# 3 010203
""")
    write_vector("response-unknown-types", """
Types globe keeps opaque (RFC 3597): TYPE65280 with 4 octets, TYPE65534 with empty RDATA, HINFO (which
globe names but does not decode) and an unknown type in an unknown class.
""", wire_of(r))

    r = from_text("""
id 105
opcode QUERY
flags QR
;QUESTION
example.com. IN A
""")
    r.use_edns(0, 0, 1232)
    r.set_rcode(dns.rcode.BADVERS)
    write_vector("response-badvers", """
Extended RCODE (RFC 6891 §6.1.3): BADVERS = 16, so the header RCODE is 0 and the OPT record's extended
RCODE is 1.
""", wire_of(r))

    r = from_text("""
id 106
opcode QUERY
flags QR RD RA
;QUESTION
example.com. IN A
""")
    r.use_edns(0, 0, 1232, options=[
        dns.edns.GenericOption(3, b"pop1.ams"),
        dns.edns.ECSOption("2001:db8:abcd::", 56, 48),
        dns.edns.GenericOption(10, bytes.fromhex("0102030405060708") + bytes(range(32))),
        dns.edns.EDEOption(18, "no thanks"),
        dns.edns.GenericOption(65001, b"\x09\x09"),
    ])
    r.set_rcode(dns.rcode.BADCOOKIE)
    write_vector("response-edns-options", """
A response's EDNS options: NSID with the server's identity, Client Subnet with a scope prefix, a cookie
with the longest (32-octet) server part, Extended DNS Error (RFC 8914, option 15, which globe keeps
opaque) and an unassigned option code, plus the extended RCODE BADCOOKIE (23).
""", wire_of(r))

    r = from_text("""
id 65535
opcode STATUS
rcode REFUSED
flags QR AA TC RD RA AD CD
;QUESTION
example.com. IN A
""")
    write_vector("header-all-flags", """
Every header flag but Z set (notify-z-bit has Z), opcode STATUS (2) and RCODE REFUSED (5).
""", wire_of(r))

    r = from_text("""
id 9
opcode NOTIFY
flags AA
;QUESTION
example.com. IN SOA
;ANSWER
example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010102 7200 3600 1209600 300
""")
    wire = bytearray(wire_of(r))
    wire[3] |= 0x40  # the reserved Z bit
    write_vector("notify-z-bit", """
A NOTIFY (RFC 1996, opcode 4) with the SOA in the answer section and the reserved Z bit set, which must
be kept as it came.
""", bytes(wire))

    # --- names -----------------------------------------------------------------------------------
    long_label = "a" * 63
    # 3 * 64 + 62 = 254 octets of labels + 1 for the root = 255.
    longest = dns.name.from_text("%s.%s.%s.%s." % (long_label, long_label, long_label, "b" * 61))
    assert len(longest.to_wire()) == 255
    r = dns.message.Message(id=200)
    r.flags = dns.flags.QR
    r.find_rrset(r.question, longest, dns.rdataclass.IN, dns.rdatatype.TXT, create=True)
    rrset = r.find_rrset(r.answer, longest, dns.rdataclass.IN, dns.rdatatype.TXT, create=True)
    rrset.update_ttl(0)
    rrset.add(dns.rdata.from_wire("IN", "TXT", bytes([255]) + b"x" * 255 + b"\x00" + b"\x03\x00\xff\"",
                                  0, 261))
    rrset = r.find_rrset(r.answer, longest, dns.rdataclass.IN, dns.rdatatype.CNAME, create=True)
    rrset.update_ttl(0x7FFFFFFF)
    rrset.add(dns.rdata.from_text("IN", "CNAME", "x." + longest.parent().to_text()))
    write_vector("names-longest", """
The longest name (255 octets with three 63-octet labels) as question, owner and, with one label
replaced, compressed CNAME target; a TXT with a 255-octet string, an empty string and binary bytes; TTLs
0 and 2^31-1 (the largest RFC 2181 §8 allows; dnspython reads larger ones as 0).
""", wire_of(r))

    r = from_text(r"""
id 201
opcode QUERY
flags QR
;QUESTION
www.example.com. IN A
;ANSWER
WWW.Example.COM. 60 IN A 192.0.2.1
a\.b.example.com. 60 IN A 192.0.2.2
\000\255\032\@\$\(\)\;\"\\.example.com. 60 IN A 192.0.2.3
EXAMPLE.COM. 60 IN NS A\.B.EXAMPLE.COM.
""")
    write_vector("names-case-and-escapes", """
Names are compared without regard to ASCII case when compressing (RFC 4343): WWW.Example.COM. is a
pointer to the question's www.example.com.; labels hold a dot, NUL, 0xff, space and the characters that
presentation format escapes.
""", wire_of(r))

    # --- hand-written bytes --------------------------------------------------------------------
    header = struct.pack("!HHHHHH", 0xABCD, 0x8400, 1, 3, 0, 0)
    question = b"\x07example\x03com\x00" + struct.pack("!HH", 33, 1)  # at offset 12
    srv = (b"\xc0\x0c" + struct.pack("!HHIH", 33, 1, 60, 8) + struct.pack("!HHH", 1, 2, 3)
           + b"\xc0\x0c")  # SRV target compressed: accepted, never written by globe (RFC 2782 forbids it)
    dname = b"\x03old\xc0\x0c" + struct.pack("!HHIH", 39, 1, 60, 2) + b"\xc0\x0c"
    a = (b"\x03www\x07example\x03com\x00" + struct.pack("!HHIH", 1, 1, 60, 4)
         + bytes([192, 0, 2, 1]))  # owner not compressed though it could be
    write_vector("handwritten-noncanonical-compression", """
Written by hand: valid bytes that globe encodes differently. SRV and DNAME RDATA whose names are
compression pointers (accepted on input, as BIND and Knot do, but never written), and an owner written
in full where a pointer could have been used.
""", header + question + srv + dname + a, canonical=False)

    # --- large messages --------------------------------------------------------------------------
    r = dns.message.Message(id=300)
    r.flags = dns.flags.QR | dns.flags.AA
    r.find_rrset(r.question, dns.name.from_text("example.com."), dns.rdataclass.IN, dns.rdatatype.AXFR,
                 create=True)
    for i in range(70):
        # Each owner is the previous CNAME's target, which can be a pointer target only while it lies
        # below offset 0x3fff; the TXT keeps the number of distinct names (72) under globe's table size.
        owner = dns.name.from_text("h-%02d.example.com." % i)
        rrset = r.find_rrset(r.answer, owner, dns.rdataclass.IN, dns.rdatatype.CNAME, create=True)
        rrset.update_ttl(3600)
        rrset.add(dns.rdata.from_text("IN", "CNAME", "h-%02d.example.com." % (i + 1)))
        rrset = r.find_rrset(r.answer, owner, dns.rdataclass.IN, dns.rdatatype.TXT, create=True)
        rrset.update_ttl(3600)
        rrset.add(dns.rdata.from_wire("IN", "TXT", bytes([250]) + bytes([ord("a") + i % 26]) * 250, 0, 251))
    wire = wire_of(r)
    assert len(wire) > 0x4000, len(wire)
    write_vector("large-compression-offsets", """
A response over 16 KiB: names first written past offset 0x3fff cannot be pointer targets (a pointer has
14 bits), so the owners that repeat them are written in full up to the shared suffix.
""", wire)

    r = dns.message.Message(id=301)
    r.flags = dns.flags.QR | dns.flags.AA
    r.find_rrset(r.question, dns.name.from_text("example.com."), dns.rdataclass.IN, dns.rdatatype.AXFR,
                 create=True)
    for i in range(200):
        owner = dns.name.from_text("mx-%04d.example.com." % i)
        rrset = r.find_rrset(r.answer, owner, dns.rdataclass.IN, dns.rdatatype.MX, create=True)
        rrset.update_ttl(3600)
        rrset.add(dns.rdata.from_text("IN", "MX", "10 mx-%04d.example.com." % (i + 1)))
    write_vector("large-many-names", """
200 MX records whose owner is the previous record's exchange: 201 distinct names. dnspython compresses
against all of them; globe remembers the first 128 suffixes only (COMPRESSION_TABLE_LIMIT, which bounds
the search) and writes later new names in full up to example.com., so its encoding is longer.
""", wire_of(r), canonical=False)


if __name__ == "__main__":
    main()
