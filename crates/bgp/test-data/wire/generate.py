#!/usr/bin/python3
"""Writes the BGP wire vectors in this directory, field by field from the RFC layouts with `struct`,
independently of globe's encoder. Run it from anywhere:

    python3 crates/bgp/test-data/wire/generate.py

Each vector file is:

    # what the vector covers (one or more lines)
    options: four-octet-asn extended-message      (the DecodeOptions flags that are true, or -)
    canonical: yes|no                             (yes: encoding the decoded message gives the bytes back)
    hex:
      <the message, one field group a line, `#` comments allowed>
    expect:
      <globe's decoded structure, Rust `{:#?}` of DecodedMessage, or `error: <MessageError {:?}>`>

The `expect:` blocks are kept when this script rewrites a file (it only rewrites the header and hex);
a new vector's expectation is filled by running the test with BGP_BLESS=1 and must then be read against
the hex by a person before it is committed (crates/bgp/tests/wire_vectors.rs).
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = b"\xff" * 16


def message(msg_type, body):
    return [("marker", MARKER), ("length, type", struct.pack("!HB", 19 + len(body), msg_type))] + body_lines(body)


def body_lines(body):
    if isinstance(body, list):
        return body
    return [("body", body)]


def flat(parts):
    return b"".join(p[1] for p in parts)


def msg(msg_type, parts):
    body = flat(parts)
    return [("marker", MARKER), ("length %d, type %d" % (19 + len(body), msg_type), struct.pack("!HB", 19 + len(body), msg_type))] + parts


def cap(code, value, note):
    return ("capability %d (%s)" % (code, note), struct.pack("!BB", code, len(value)) + value)


def param_caps(caps):
    value = flat(caps)
    return [("optional parameter 2 (capabilities), length %d" % len(value), struct.pack("!BB", 2, len(value)))] + caps


def open_msg(my_as, hold, ident, params, extended=False):
    fixed = [("version 4, my AS %d, hold %d, id %s" % (my_as, hold, ident), struct.pack("!BHH", 4, my_as, hold) + bytes(int(x) for x in ident.split(".")))]
    body = flat(params)
    if extended:
        head = [("opt parm len 255, non-ext type 255, extended length %d (RFC 9072)" % len(body), struct.pack("!BBH", 255, 255, len(body)))]
    else:
        head = [("opt parm len %d" % len(body), struct.pack("!B", len(body)))]
    return msg(1, fixed + head + params)


def attr(flags, code, value, note, extended=None):
    if extended is None:
        extended = bool(flags & 0x10)
    if extended:
        flags |= 0x10
        head = struct.pack("!BBH", flags, code, len(value))
    else:
        head = struct.pack("!BBB", flags, code, len(value))
    return ("attr flags %#04x type %d len %d: %s" % (flags, code, len(value), note), head + value)


def prefix(text):
    addr, length = text.split("/")
    length = int(length)
    nbytes = (length + 7) // 8
    if ":" in addr:
        import ipaddress
        raw = ipaddress.IPv6Address(addr).packed
    else:
        raw = bytes(int(x) for x in addr.split("."))
    return struct.pack("!B", length) + raw[:nbytes]


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def update(withdrawn, attrs, nlri):
    w = b"".join(prefix(p) for p in withdrawn)
    a = flat(attrs)
    n = b"".join(prefix(p) for p in nlri)
    parts = [("withdrawn routes length %d: %s" % (len(w), " ".join(withdrawn) or "-"), struct.pack("!H", len(w)) + w),
             ("total path attribute length %d" % len(a), struct.pack("!H", len(a)))]
    parts += attrs
    if n:
        parts.append(("nlri %s" % " ".join(nlri), n))
    return msg(2, parts)


def as_path(segments, size):
    out = b""
    for kind, asns in segments:
        out += struct.pack("!BB", kind, len(asns))
        for asn in asns:
            out += struct.pack("!I" if size == 4 else "!H", asn)
    return out


WK = 0x40      # well-known: transitive
OPT = 0x80     # optional non-transitive
OPT_T = 0xC0   # optional transitive

VECTORS = {}

VECTORS["open-all-capabilities"] = (
    ["OPEN from AS 4200000001 (AS_TRANS in My AS) with every capability globe knows, an unknown one",
     "(ADD-PATH, code 69) kept raw, and a second optional parameter (RFC 5492 allows several)."],
    "-", "yes",
    open_msg(23456, 90, "192.0.2.1",
             param_caps([
                 cap(1, struct.pack("!HBB", 1, 0, 1), "multiprotocol ipv4 unicast"),
                 cap(1, struct.pack("!HBB", 2, 0, 1), "multiprotocol ipv6 unicast"),
                 cap(2, b"", "route refresh"),
                 cap(70, b"", "enhanced route refresh"),
                 cap(65, struct.pack("!I", 4200000001), "4-octet AS 4200000001"),
                 cap(64, struct.pack("!H", 0x8000 | 120) + struct.pack("!HBB", 1, 1, 0x80) + struct.pack("!HBB", 2, 1, 0), "graceful restart R, 120 s, ipv4 F, ipv6"),
                 cap(9, b"\x03", "role customer"),
                 cap(6, b"", "extended message"),
             ]) + param_caps([
                 cap(69, struct.pack("!HBB", 1, 1, 3), "add-path ipv4 unicast send/receive (unknown to globe)"),
             ])))

VECTORS["open-extended-parameters"] = (
    ["OPEN in the RFC 9072 extended optional parameters form (2-octet parameter lengths); role peer."],
    "-", "yes",
    open_msg(64500, 180, "198.51.100.7", [
        ("param type 2, 2-octet length 11", struct.pack("!BH", 2, 11)),
        cap(1, struct.pack("!HBB", 1, 0, 1), "multiprotocol ipv4 unicast"),
        cap(9, b"\x04", "role peer"),
        cap(2, b"", "route refresh"),
    ], extended=True))

VECTORS["open-no-parameters"] = (
    ["Minimal OPEN: hold time 0 (no keepalives), no optional parameters."],
    "-", "yes",
    open_msg(65001, 0, "10.0.0.1", []))

VECTORS["update-ipv4-every-attribute"] = (
    ["UPDATE on a 4-octet AS session with every attribute globe decodes, an unknown optional transitive",
     "attribute with the Partial bit, one withdrawn prefix and two announced ones."],
    "four-octet-asn", "yes",
    update(["198.51.100.0/24"], [
        attr(WK, 1, b"\x00", "ORIGIN IGP"),
        attr(WK, 2, as_path([(2, [64500, 4200000001, 3356]), (1, [65001, 65002])], 4), "AS_PATH 64500 4200000001 3356 {65001,65002}"),
        attr(WK, 3, ip4("192.0.2.1"), "NEXT_HOP 192.0.2.1"),
        attr(OPT, 4, struct.pack("!I", 50), "MULTI_EXIT_DISC 50"),
        attr(WK, 5, struct.pack("!I", 200), "LOCAL_PREF 200"),
        attr(WK, 6, b"", "ATOMIC_AGGREGATE"),
        attr(OPT_T, 7, struct.pack("!I", 4200000001) + ip4("192.0.2.9"), "AGGREGATOR 4200000001 192.0.2.9"),
        attr(OPT_T, 8, struct.pack("!IIIIIII", 0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03, 0xFFFFFF04, 0xFFFF0000, 0xFFFF029A, (64500 << 16) | 100),
             "COMMUNITIES NO_EXPORT NO_ADVERTISE NO_EXPORT_SUBCONFED NO_PEER GRACEFUL_SHUTDOWN BLACKHOLE 64500:100"),
        attr(OPT, 9, ip4("10.0.0.9"), "ORIGINATOR_ID 10.0.0.9"),
        attr(OPT, 10, ip4("10.0.0.1") + ip4("10.0.0.2"), "CLUSTER_LIST 10.0.0.1 10.0.0.2"),
        attr(OPT_T, 16, bytes([0x00, 0x02, 0xfb, 0xf4, 0, 0, 0, 100]) + bytes([0x43, 0x00, 0, 0, 0, 0, 0, 1]),
             "EXTENDED_COMMUNITIES rt 64500:100, non-transitive 0x43/0x00"),
        attr(OPT_T, 32, struct.pack("!III", 4200000001, 1, 2), "LARGE_COMMUNITY 4200000001:1:2"),
        attr(OPT_T, 35, struct.pack("!I", 64500), "OTC 64500"),
        attr(OPT_T | 0x20, 99, b"\xde\xad\xbe\xef", "unknown type 99, partial"),
    ], ["203.0.113.0/24", "10.128.0.0/9"]))

VECTORS["update-as4-from-2-octet-speaker"] = (
    ["UPDATE on a 2-octet session: AS_PATH with AS_TRANS and a leading confederation sequence,",
     "AGGREGATOR with AS_TRANS, AS4_PATH and AS4_AGGREGATOR (RFC 6793 §4.2.3)."],
    "-", "yes",
    update([], [
        attr(WK, 1, b"\x02", "ORIGIN INCOMPLETE"),
        attr(WK, 2, as_path([(3, [65010, 65011]), (2, [701, 23456, 23456]), (4, [65012])], 2), "AS_PATH (65010 65011) 701 23456 23456 [65012]"),
        attr(WK, 3, ip4("192.0.2.254"), "NEXT_HOP"),
        attr(OPT_T, 7, struct.pack("!H", 23456) + ip4("192.0.2.10"), "AGGREGATOR AS_TRANS 192.0.2.10"),
        attr(OPT_T, 17, as_path([(2, [4200000001, 4200000002])], 4), "AS4_PATH 4200000001 4200000002"),
        attr(OPT_T, 18, struct.pack("!I", 4200000002) + ip4("192.0.2.10"), "AS4_AGGREGATOR 4200000002"),
    ], ["192.0.2.128/25"]))

VECTORS["update-ipv6-mp-reach-link-local"] = (
    ["IPv6 announcement in MP_REACH_NLRI with a 32-byte next hop (global + link-local), and an IPv6",
     "withdrawal in MP_UNREACH_NLRI in the same UPDATE; MP_REACH uses the extended-length flag although",
     "its value is short, which must survive re-encoding."],
    "four-octet-asn", "yes",
    update([], [
        attr(OPT, 14, struct.pack("!HBB", 2, 1, 32) + ip6("2001:db8::1") + ip6("fe80::1") + b"\x00" + prefix("2001:db8:100::/40") + prefix("2001:db8:200:1::/64"),
             "MP_REACH_NLRI ipv6 unicast nh 2001:db8::1 fe80::1, 2001:db8:100::/40 2001:db8:200:1::/64", extended=True),
        attr(OPT, 15, struct.pack("!HB", 2, 1) + prefix("2001:db8:ffff::/48") + prefix("::/0"), "MP_UNREACH_NLRI ipv6 unicast 2001:db8:ffff::/48 ::/0"),
        attr(WK, 1, b"\x00", "ORIGIN IGP"),
        attr(WK, 2, as_path([(2, [64500])], 4), "AS_PATH 64500"),
    ], []))

VECTORS["update-ipv6-global-next-hop"] = (
    ["IPv6 announcement with a 16-byte next hop and a /128."],
    "four-octet-asn", "yes",
    update([], [
        attr(WK, 1, b"\x01", "ORIGIN EGP"),
        attr(WK, 2, b"", "AS_PATH empty (iBGP)"),
        attr(WK, 5, struct.pack("!I", 100), "LOCAL_PREF 100"),
        attr(OPT, 14, struct.pack("!HBB", 2, 1, 16) + ip6("2001:db8::2") + b"\x00" + prefix("2001:db8::53/128"), "MP_REACH_NLRI nh 2001:db8::2, 2001:db8::53/128"),
    ], []))

VECTORS["update-end-of-rib-ipv6"] = (
    ["End-of-RIB marker for IPv6 unicast: an UPDATE holding only an empty MP_UNREACH_NLRI (RFC 4724 §2)."],
    "four-octet-asn", "yes",
    update([], [attr(OPT, 15, struct.pack("!HB", 2, 1), "MP_UNREACH_NLRI ipv6 unicast, empty")], []))

VECTORS["update-end-of-rib-ipv4"] = (
    ["End-of-RIB marker for IPv4 unicast: an empty UPDATE."],
    "-", "yes",
    update([], [], []))

VECTORS["notification-shutdown-communication"] = (
    ["Cease / Administrative Shutdown with an RFC 9003 shutdown communication (UTF-8)."],
    "-", "yes",
    msg(3, [("code 6 cease, subcode 2 administrative shutdown", b"\x06\x02"),
            ("length 29", b"\x1d"),
            ("\"maintenance \u2014 back at 12:00\"", "maintenance \u2014 back at 12:00".encode())]))

VECTORS["notification-update-error"] = (
    ["UPDATE Message Error / Attribute Flags Error with the offending attribute as data."],
    "-", "yes",
    msg(3, [("code 3, subcode 4", b"\x03\x04"), ("data: ORIGIN with flags 0x80", b"\x80\x01\x01\x00")]))

VECTORS["notification-hold-timer-expired"] = (
    ["Hold Timer Expired, no data."],
    "-", "yes",
    msg(3, [("code 4, subcode 0", b"\x04\x00")]))

VECTORS["notification-unknown-code"] = (
    ["A code globe has no name for (42/7) with data: kept raw and re-encoded."],
    "-", "yes",
    msg(3, [("code 42, subcode 7", b"\x2a\x07"), ("data", b"\x01\x02\x03")]))

VECTORS["keepalive"] = (["KEEPALIVE: the header alone."], "-", "yes", msg(4, []))

VECTORS["route-refresh"] = (
    ["ROUTE-REFRESH request for IPv4 unicast (RFC 2918)."],
    "-", "yes",
    msg(5, [("afi 1, subtype 0 request, safi 1", struct.pack("!HBB", 1, 0, 1))]))

VECTORS["route-refresh-borr-eorr"] = (
    ["Enhanced route refresh: Beginning of Route Refresh for IPv6 unicast (RFC 7313 §3.2)."],
    "extended-message", "yes",
    msg(5, [("afi 2, subtype 1 BoRR, safi 1", struct.pack("!HBB", 2, 1, 1))]))

# Malformed input: decoded with RFC 7606 classification, not re-encoded.

VECTORS["malformed-update-origin-value"] = (
    ["ORIGIN value 3: treat-as-withdraw (RFC 7606 §7.1); the NLRI and withdrawn prefixes still decode."],
    "four-octet-asn", "no",
    update(["198.51.100.0/24"], [
        attr(WK, 1, b"\x03", "ORIGIN 3 (invalid)"),
        attr(WK, 2, as_path([(2, [64500])], 4), "AS_PATH 64500"),
        attr(WK, 3, ip4("192.0.2.1"), "NEXT_HOP"),
    ], ["203.0.113.0/24"]))

VECTORS["malformed-update-aggregator-length"] = (
    ["AGGREGATOR of 6 bytes on a 4-octet session: attribute discard (RFC 7606 §7.7); the rest is used."],
    "four-octet-asn", "no",
    update([], [
        attr(WK, 1, b"\x00", "ORIGIN IGP"),
        attr(WK, 2, as_path([(2, [64500])], 4), "AS_PATH 64500"),
        attr(WK, 3, ip4("192.0.2.1"), "NEXT_HOP"),
        attr(OPT_T, 7, struct.pack("!H", 64500) + ip4("192.0.2.1"), "AGGREGATOR 2-octet form (wrong here)"),
    ], ["203.0.113.0/24"]))

VECTORS["malformed-update-missing-next-hop"] = (
    ["NLRI without NEXT_HOP, and a duplicate ORIGIN: treat-as-withdraw (RFC 7606 §3(d)) and the",
     "duplicate discarded (§3(g))."],
    "four-octet-asn", "no",
    update([], [
        attr(WK, 1, b"\x00", "ORIGIN IGP"),
        attr(WK, 1, b"\x01", "ORIGIN again"),
        attr(WK, 2, as_path([(2, [64500])], 4), "AS_PATH 64500"),
    ], ["203.0.113.0/24"]))

VECTORS["malformed-update-flags-conflict"] = (
    ["COMMUNITIES sent as well-known (flags 0x40) and an AS_PATH segment of length 0: both treat-as-withdraw",
     "(RFC 7606 §3(c), §7.2)."],
    "four-octet-asn", "no",
    update([], [
        attr(WK, 1, b"\x00", "ORIGIN IGP"),
        attr(WK, 2, b"\x02\x00", "AS_PATH with an empty segment"),
        attr(WK, 3, ip4("192.0.2.1"), "NEXT_HOP"),
        attr(WK, 8, struct.pack("!I", 1), "COMMUNITIES with wrong flags"),
    ], ["203.0.113.0/24"]))

VECTORS["malformed-update-duplicate-mp-reach"] = (
    ["Two MP_REACH_NLRI: session reset with Malformed Attribute List (RFC 7606 §3(g))."],
    "four-octet-asn", "no",
    update([], [
        attr(OPT, 14, struct.pack("!HBB", 2, 1, 16) + ip6("2001:db8::2") + b"\x00" + prefix("2001:db8::/32"), "MP_REACH_NLRI"),
        attr(OPT, 14, struct.pack("!HBB", 2, 1, 16) + ip6("2001:db8::2") + b"\x00" + prefix("2001:db9::/32"), "MP_REACH_NLRI again"),
    ], []))

VECTORS["malformed-update-mp-next-hop"] = (
    ["MP_REACH_NLRI for IPv6 with a 4-byte next hop: session reset or AFI/SAFI disable (RFC 7606 §7.11)."],
    "four-octet-asn", "no",
    update([], [
        attr(OPT, 14, struct.pack("!HBB", 2, 1, 4) + ip4("192.0.2.1") + b"\x00" + prefix("2001:db8::/32"), "MP_REACH_NLRI with an IPv4 next hop"),
    ], []))

VECTORS["malformed-update-nlri"] = (
    ["An NLRI prefix of length 33: the NLRI field cannot be parsed, session reset (RFC 7606 §5.3)."],
    "-", "no",
    msg(2, [("withdrawn length 0, attribute length 0", b"\x00\x00\x00\x00"), ("nlri /33", b"\x21\x0a\x00\x00\x00\x00")]))

VECTORS["malformed-update-attribute-overrun"] = (
    ["The last attribute's length runs past the path attributes field: treat-as-withdraw (RFC 7606 §4)."],
    "-", "no",
    msg(2, [("withdrawn length 0", b"\x00\x00"), ("attribute length 7", b"\x00\x07"),
            ("ORIGIN IGP", b"\x40\x01\x01\x00"), ("MED claiming 4 bytes with 0 left", b"\x80\x04\x04"),
            ("nlri 203.0.113.0/24", prefix("203.0.113.0/24"))]))

VECTORS["malformed-header-marker"] = (
    ["A marker that is not all ones: Connection Not Synchronized (RFC 4271 §6.1)."],
    "-", "no",
    [("marker with one zero byte", b"\xff" * 15 + b"\x00"), ("length 19, type 4", b"\x00\x13\x04")])

VECTORS["malformed-header-length"] = (
    ["A 5000-byte UPDATE length without extended messages: Bad Message Length (RFC 8654 §4)."],
    "-", "no",
    [("marker", MARKER), ("length 5000, type 2", struct.pack("!HB", 5000, 2))])

VECTORS["malformed-open-version"] = (
    ["OPEN version 3: Unsupported Version Number (RFC 4271 §6.2)."],
    "-", "no",
    msg(1, [("version 3, my AS 65001, hold 90, id 10.0.0.1, no parameters", struct.pack("!BHH", 3, 65001, 90) + ip4("10.0.0.1") + b"\x00")]))

VECTORS["malformed-open-parameter"] = (
    ["OPEN with optional parameter type 1 (authentication, deprecated): Unsupported Optional Parameter."],
    "-", "no",
    msg(1, [("version 4, my AS 65001, hold 90, id 10.0.0.1", struct.pack("!BHH", 4, 65001, 90) + ip4("10.0.0.1")),
            ("opt parm len 3; type 1 length 1", b"\x03\x01\x01\x00")]))


def render(parts):
    lines = []
    for note, data in parts:
        hexed = data.hex()
        chunks = [hexed[i:i + 64] for i in range(0, len(hexed), 64)] or [""]
        for index, chunk in enumerate(chunks):
            if not chunk:
                continue
            lines.append("  %-66s%s" % (chunk, "# " + note if index == 0 else ""))
    return lines


def main():
    for name, (comment, options, canonical, parts) in VECTORS.items():
        path = os.path.join(HERE, name + ".txt")
        expect = ["expect:", "  (run the test with BGP_BLESS=1, then check it by hand)"]
        if os.path.exists(path):
            with open(path) as existing:
                text = existing.read()
            if "\nexpect:\n" in text:
                expect = ["expect:"] + text.split("\nexpect:\n", 1)[1].rstrip("\n").split("\n")
        lines = ["# " + line for line in comment]
        lines += ["options: " + options, "canonical: " + canonical, "hex:"] + render(parts) + expect
        with open(path, "w") as out:
            out.write("\n".join(line.rstrip() for line in lines) + "\n")


if __name__ == "__main__":
    main()
