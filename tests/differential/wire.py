#!/usr/bin/python3
"""A small, fast DNS response parser for the differential harness.

dnspython's from_wire is too slow for ~100k big responses (it builds and hashes
rdata objects); this parses only what the comparison needs:

  Msg.id, .flags (16-bit header flags), .rcode (extended, with OPT),
  .question [(name_bytes_as_sent, qtype, qclass)], .opt (None or
  (payload, ext_rcode, version, do, ((option code, data), ...))), .sections = (answer, authority, additional)
  where each section is a list of RR(owner, type, class, ttl, rdata).

Owner names are the uncompressed wire form; rdata has every embedded domain
name (for the types listed in NAME_LAYOUT) decompressed, so two servers that
compress differently give identical bytes.  With canonical=True owner and
embedded names are lower-cased (DNS names compare case-insensitively).
"""

import struct

QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020, 0x0010
FLAG_BITS = [("QR", QR), ("AA", AA), ("TC", TC), ("RD", RD), ("RA", RA),
             ("AD", AD), ("CD", CD)]
OPT = 41
RRSIG = 46

# Rdata layouts with embedded domain names: N = name, S = character-string,
# an int = that many fixed octets, "*" = the rest verbatim.
NAME_LAYOUT = {
    2: "N", 3: "N", 4: "N", 5: "N", 7: "N", 8: "N", 9: "N", 12: "N",   # NS MD MF CNAME MB MG MR PTR
    6: ("N", "N", 20),                     # SOA
    14: ("N", "N"),                        # MINFO
    15: (2, "N"),                          # MX
    17: ("N", "N"),                        # RP
    18: (2, "N"),                          # AFSDB
    21: (2, "N"),                          # RT
    26: (2, "N", "N"),                     # PX
    33: (6, "N"),                          # SRV
    35: (2, 2, "S", "S", "S", "N"),        # NAPTR
    36: (2, "N"),                          # KX
    39: "N",                               # DNAME
    46: (18, "N", "*"),                    # RRSIG
    47: ("N", "*"),                        # NSEC
    64: (2, "N", "*"),                     # SVCB
    65: (2, "N", "*"),                     # HTTPS
}


class ParseError(Exception):
    pass


def read_name(buf, off, lower):
    """-> (uncompressed wire name, offset after the name in the original)."""
    out = bytearray()
    end = None
    hops = 0
    while True:
        if off >= len(buf):
            raise ParseError("name runs past end")
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise ParseError("truncated pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | buf[off + 1]
            hops += 1
            if hops > 128:
                raise ParseError("compression loop")
            continue
        if n & 0xC0:
            raise ParseError("bad label type")
        if n == 0:
            out.append(0)
            if end is None:
                end = off + 1
            if len(out) > 255:
                raise ParseError("name too long")
            return bytes(out), end
        lab = buf[off + 1:off + 1 + n]
        if len(lab) != n:
            raise ParseError("label runs past end")
        out.append(n)
        out += lab.lower() if lower else lab
        off += 1 + n


def norm_rdata(buf, off, rdlen, rtype, lower):
    end = off + rdlen
    layout = NAME_LAYOUT.get(rtype)
    if layout is None:
        return bytes(buf[off:end])
    if isinstance(layout, str):
        layout = (layout,)
    out = bytearray()
    for item in layout:
        if item == "N":
            name, off = read_name(buf, off, lower)
            out += name
        elif item == "S":
            n = buf[off]
            out += buf[off:off + 1 + n]
            off += 1 + n
        elif item == "*":
            out += buf[off:end]
            off = end
        else:
            out += buf[off:off + item]
            off += item
        if off > end:
            raise ParseError("rdata overrun")
    if off != end:
        raise ParseError("rdata length mismatch for type %d" % rtype)
    return bytes(out)


class Msg:
    __slots__ = ("id", "flags", "rcode", "question", "opt", "sections", "size")

    def flag_names(self):
        return {n for n, b in FLAG_BITS if self.flags & b}


def parse(buf, canonical=True):
    if len(buf) < 12:
        raise ParseError("short message")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    m = Msg()
    m.id, m.flags, m.size = qid, flags, len(buf)
    m.rcode = flags & 0xF
    m.opt = None
    off = 12
    m.question = []
    for _ in range(qd):
        name, off = read_name(buf, off, False)
        t, c = struct.unpack("!HH", buf[off:off + 4])
        off += 4
        m.question.append((name, t, c))
    secs = ([], [], [])
    for si, count in enumerate((an, ns, ar)):
        for _ in range(count):
            owner, off = read_name(buf, off, canonical)
            if off + 10 > len(buf):
                raise ParseError("truncated RR header")
            t, c, ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
            off += 10
            if off + rdlen > len(buf):
                raise ParseError("truncated rdata")
            if t == OPT and si == 2:
                opts = []
                p = off
                while p + 4 <= off + rdlen:
                    code, ln = struct.unpack("!HH", buf[p:p + 4])
                    opts.append((code, bytes(buf[p + 4:p + 4 + ln])))
                    p += 4 + ln
                m.opt = (c, ttl >> 24, (ttl >> 16) & 0xFF, bool(ttl & 0x8000), tuple(opts))
                m.rcode |= (ttl >> 24) << 4
            else:
                secs[si].append((owner, t, c, ttl, norm_rdata(buf, off, rdlen, t, canonical)))
            off += rdlen
    m.sections = secs
    return m


def rrsets(rrs):
    """section list -> {(owner, type, class, covers): (frozenset ttls, frozenset rdata)}"""
    acc = {}
    for owner, t, c, ttl, rd in rrs:
        covers = struct.unpack("!H", rd[:2])[0] if t == RRSIG and len(rd) >= 2 else 0
        k = (owner, t, c, covers)
        e = acc.get(k)
        if e is None:
            acc[k] = e = (set(), set())
        e[0].add(ttl)
        e[1].add(rd)
    return {k: (frozenset(v[0]), frozenset(v[1])) for k, v in acc.items()}


def name_text(wire_name):
    """Presentation form of an uncompressed wire name (escapes like dnspython)."""
    import dns.name
    return dns.name.from_wire(wire_name, 0)[0].to_text()


def opt_summary(opt):
    """Comparable summary of an OPT record: version, payload, DO, options
    (EDE shown with its info-code, other options by code only)."""
    if opt is None:
        return None
    payload, _ext, version, do, opts = opt
    shown = []
    for code, data in opts:
        if code == 15 and len(data) >= 2:
            shown.append("EDE%d" % struct.unpack("!H", data[:2])[0])
        else:
            shown.append("opt%d" % code)
    return "v%d payload=%d%s%s" % (version, payload, " DO" if do else "",
                                   "".join(" " + x for x in sorted(shown)))
