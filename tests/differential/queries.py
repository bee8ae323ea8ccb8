#!/usr/bin/python3
"""Builds the (seeded, deterministic) query list for the differential harness.

    queries.py --zones DIR [--seed N]          print the list for generated zones
    queries.py --root-zone PATH [--seed N]     print the list for the root zone

A query is (qname as sent -- with case variations --, qtype, tag, flags).  The
tag says what kind of name it is (apex, host, wildcard-match, below-delegation,
below-dname, ent, nxdomain, out-of-zone, ...) so that differences can be
grouped.  ANY is deliberately not queried (RFC 8482: servers differ on purpose).
"""

import argparse
import random
import re
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the repo
from dataclasses import dataclass

import dns.name
import dns.rdatatype
import dns.zone

T = dns.rdatatype
BASE_QTYPES = [T.A, T.AAAA, T.NS, T.SOA, T.MX, T.TXT, T.CNAME, T.DNAME,
               T.SRV, T.DS]


@dataclass
class Query:
    qname: str          # presentation form, as sent (case varied)
    qtype: int
    tag: str
    rd: bool = True
    cd: bool = False
    ad: bool = False

    def key(self):
        return "%s/%s" % (self.qname, dns.rdatatype.to_text(self.qtype))


def vary_case(rng, name):
    """Random 0x20-style case mix (escapes such as \\032 are left alone)."""
    out = []
    i = 0
    while i < len(name):
        c = name[i]
        if c == "\\":
            # keep the escape sequence intact
            j = i + 4 if name[i + 1:i + 4].isdigit() else i + 2
            out.append(name[i:j])
            i = j
            continue
        out.append(c.upper() if c.isalpha() and rng.random() < 0.5 else c)
        i += 1
    return "".join(out)


def _fix_class_ttl_order(text):
    # dnspython 2.3 rejects "<owner> IN <ttl> <type>" (legal per RFC 1035);
    # swap to "<ttl> IN" for our own parsing only.
    return re.sub(r"(?m)^(\S*\s+)IN\s+(\d+)\s", r"\1\2 IN ", text)


def load_zone(origin, path):
    with open(path) as f:
        text = _fix_class_ttl_order(f.read())
    return dns.zone.from_text(text, origin=origin, relativize=False,
                              check_origin=True)


class ZoneInfo:
    def __init__(self, origin, path):
        self.origin = dns.name.from_text(origin)
        self.zone = load_zone(origin, path)
        self.nodes = {}
        for name, node in self.zone.nodes.items():
            self.nodes[name] = sorted(rds.rdtype for rds in node.rdatasets)
        self.cuts = sorted(n for n, t in self.nodes.items()
                           if T.NS in t and n != self.origin)
        self.dnames = sorted(n for n, t in self.nodes.items() if T.DNAME in t)
        self.wild_parents = sorted(n.parent() for n in self.nodes
                                   if n.labels and n.labels[0] == b"*")
        self.ents = set()
        for n in self.nodes:
            p = n
            while p != self.origin:
                p = p.parent()
                if p not in self.nodes:
                    self.ents.add(p)

    def below(self, name, owners):
        return any(name != o and name.is_subdomain(o) for o in owners)

    def classify(self, name):
        if not name.is_subdomain(self.origin):
            return "out-of-zone"
        if name == self.origin:
            return "apex"
        if self.below(name, self.cuts):
            return "below-delegation"
        if name in self.cuts:
            return "delegation"
        if self.below(name, self.dnames):
            return "below-dname"
        types = self.nodes.get(name)
        if types is not None:
            if name.labels[0] == b"*":
                return "wildcard-owner"
            if T.CNAME in types:
                return "cname"
            if T.DNAME in types:
                return "dname"
            return "existing"
        if name in self.ents:
            return "ent"
        # absent: does a wildcard match?  (closest encloser's '*' child)
        ce = name.parent()
        while ce not in self.nodes and ce not in self.ents and ce != self.origin:
            ce = ce.parent()
        if dns.name.Name((b"*",) + ce.labels) in self.nodes:
            return "wildcard-match"
        return "nxdomain"


def _types_for(info, name):
    types = list(BASE_QTYPES)
    for t in info.nodes.get(name, []):
        if t not in types:
            types.append(t)
    return types


def zone_queries(zones, seed=1, case_variants=1):
    """zones: [(origin, path)] -> [Query]."""
    rng = random.Random(seed)
    infos = [ZoneInfo(o, p) for o, p in zones]
    wanted = []                       # (name, zoneinfo or None)
    seen = set()

    def add(name, info):
        if isinstance(name, str):
            name = dns.name.from_text(name)
        if name not in seen:
            seen.add(name)
            wanted.append((name, info))

    for info in infos:
        o = info.origin
        for n in sorted(info.nodes):
            add(n, info)
        for n in sorted(info.ents):
            add(n, info)
        # near misses around every name
        for n in sorted(info.nodes):
            if n.labels[0] == b"*":
                base = n.parent()
                add(dns.name.Name((b"nx%d" % rng.randint(0, 999),) + base.labels), info)
                add(dns.name.Name((b"a", b"b") + base.labels), info)
                add(dns.name.Name((b"*", b"sub") + base.labels), info)   # '*' literal below
                continue
            if n != o and rng.random() < 0.6:
                add(dns.name.Name((n.labels[0] + b"x",) + n.labels[1:]), info)
            if rng.random() < 0.5:
                add(dns.name.Name((b"nx%d" % rng.randint(0, 999),) + n.labels), info)
        for p in info.wild_parents:
            for lab in (b"host", b"foo", b"a-b-c", b"x.y.z"):
                add(dns.name.Name(tuple(lab.split(b".")) + p.labels), info)
        for c in info.cuts:
            for lab in (b"host", b"ns1", b"a.b", b"www"):
                add(dns.name.Name(tuple(lab.split(b".")) + c.labels), info)
        for d in info.dnames:
            for lab in (b"www", b"mail", b"nx", b"a.b", b"target"):
                add(dns.name.Name(tuple(lab.split(b".")) + d.labels), info)
            # a name whose DNAME substitution overflows 255 octets (YXDOMAIN)
            room = 255 - len(d.to_wire())
            labels = []
            while room > 64:
                labels.append(b"q" * 62)
                room -= 63
            try:
                add(dns.name.Name(tuple(labels) + d.labels), info)
            except dns.name.NameTooLong:
                pass
        for e in sorted(info.ents):
            add(dns.name.Name((b"nx",) + e.labels), info)
        # suffix near-miss that is not on a label boundary -> REFUSED
        add(dns.name.Name((b"x" + o.labels[0],) + o.labels[1:]), None)
        add(o.parent(), None)                                   # test.
    for n in ("www.example.net.", "sibling.test.", "notserved.test.",
              "example.test.evil.", ".", "com.", "localhost."):
        add(n, None)

    out = []
    for name, info in wanted:
        tag = info.classify(name) if info else "out-of-zone"
        for z in infos:                       # is it in any served zone?
            if name.is_subdomain(z.origin):
                tag = z.classify(name)
                info = z
                break
        types = _types_for(info, name) if info else [T.A, T.AAAA, T.NS, T.SOA, T.DS]
        text = name.to_text()
        for t in types:
            variants = [text]
            for _ in range(case_variants):
                v = vary_case(rng, text)
                if v != text:
                    variants.append(v)
            # send one of the variants (plus the lower-case one sometimes)
            chosen = [rng.choice(variants)]
            if rng.random() < 0.1 and chosen[0] != text:
                chosen.append(text)
            for qn in chosen:
                out.append(Query(qn, t, tag, rd=rng.random() < 0.7,
                                 cd=rng.random() < 0.1, ad=rng.random() < 0.1))
    return out


# ---------------------------------------------------------------------------
def read_root_zone(path):
    """Very small parser for the IANA root zone (one absolute RR per line)."""
    owners = {}
    with open(path) as f:
        for line in f:
            line = line.split(";", 1)[0].strip()
            if not line or line.startswith("$"):
                continue
            parts = line.split()
            owner = parts[0].lower()
            # owner ttl class type rdata
            i = 1
            if parts[i].isdigit():
                i += 1
            if parts[i].upper() in ("IN", "CH", "HS"):
                i += 1
            owners.setdefault(owner, set()).add(parts[i].upper())
    return owners


def root_queries(path, seed=1, absent=300, sample=None):
    rng = random.Random(seed)
    owners = read_root_zone(path)
    tlds = sorted(o for o, t in owners.items() if "NS" in t and o != ".")
    if sample:
        tlds = sorted(rng.sample(tlds, min(sample, len(tlds))))
    tldset = set(tlds)
    glue = sorted(o for o, t in owners.items() if o != "." and o not in tldset
                  and ("A" in t or "AAAA" in t)
                  and o.rsplit(".", 2)[-2] + "." in tldset)
    out = []

    def q(name, t, tag):
        qn = vary_case(rng, name) if rng.random() < 0.5 else name
        out.append(Query(qn, dns.rdatatype.from_text(t), tag,
                         rd=rng.random() < 0.7, cd=rng.random() < 0.05,
                         ad=rng.random() < 0.05))

    for t in ("SOA", "NS", "DNSKEY", "ZONEMD", "NSEC", "A", "AAAA", "MX", "TXT",
              "DS", "CNAME", "NSEC3PARAM", "CDS", "RRSIG"):
        q(".", t, "apex")
    for tld in tlds:
        for t in ("NS", "DS", "A", "AAAA"):
            q(tld, t, "delegation")
        if rng.random() < 0.2:
            q(tld, rng.choice(["SOA", "TXT", "MX", "NSEC", "DNSKEY"]), "delegation")
        if rng.random() < 0.3:
            q(rng.choice(["www.", "nic.", "a.b."]) + tld, rng.choice(["A", "AAAA", "NS", "DS"]),
              "below-delegation")
    for g in glue:
        for t in ("A", "AAAA"):
            q(g, t, "glue")
    letters = "abcdefghijklmnopqrstuvwxyz"
    made = 0
    while made < absent:
        n = "".join(rng.choice(letters) for _ in range(rng.randint(2, 12)))
        if rng.random() < 0.3:
            n = rng.choice(tlds)[:-1] + rng.choice(letters)       # near miss
        n += "."
        if n in owners:
            continue
        q(n, rng.choice(["A", "AAAA", "NS", "DS", "SOA", "TXT"]), "nxdomain")
        if rng.random() < 0.2:
            q("sub." + n, "A", "nxdomain")
        made += 1
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="print the query list")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--zones")
    g.add_argument("--root-zone")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    if a.zones:
        import gen_zones
        qs = zone_queries(gen_zones.load_manifest(a.zones), a.seed)
    else:
        qs = root_queries(a.root_zone, a.seed)
    from collections import Counter
    for x in qs:
        print("%-60s %-8s %-18s%s%s%s" % (x.qname, dns.rdatatype.to_text(x.qtype), x.tag,
                                        " RD" if x.rd else "", " CD" if x.cd else "",
                                        " AD" if x.ad else ""))
    print("# %d queries; by tag: %s" % (len(qs), dict(Counter(x.tag for x in qs))),
          file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
