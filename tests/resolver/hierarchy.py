#!/usr/bin/python3
"""The DNS hierarchy the resolver differential test builds on loopback.

Everything a resolver has to get right while iterating is here once: the
root and two TLDs, an out-of-bailiwick NS, a glueless delegation, CNAMEs
across zones, a CNAME chain, a DNAME, NXDOMAIN and NODATA, a TXT RRset too
big for UDP, a lame server, a server that never answers, a deep name for
QNAME minimisation, a poisoning authority and a counting authority.

    address      name(s)                   serves                      run by
    127.0.1.1    a.root.lab.               .                           --auth
    127.0.1.2    b.root.lab.               .                           --auth
    127.0.2.1    a.gtld.lab.               com.                        --auth
    127.0.2.2    b.gtld.lab.               net.                        --auth
    127.0.3.1    ns1.example.com.          example.com.                --auth
    127.0.3.2    ns.example.net.           example.net. example.com.   --auth
                                           oob.com.
    127.0.4.1    ns.glueless.com.          glueless.com.               --auth
    127.0.4.2    ns1.glueless.com.         noglue.com.                 --auth
    127.0.5.1    ns1.lame.com.             lame.com.                   --auth
    127.0.5.2    ns2.lame.com. ns.other.net.  other.net. (REFUSED for lame.com.)
    127.0.6.1    ns1.slow.com.             nothing: reads and drops    python (blackhole)
    127.0.6.2    ns2.slow.com.             slow.com.                   --auth
    127.0.7.1    ns.evil.com.              evil.com. (poisons)         python (evil)
    127.0.8.1    ns.count.com.             count.com. (counts)         python (counting)

`.` has the root servers' and TLD servers' addresses as its own data (the
names are under `lab.`, which is not delegated), so they resolve like the
real root's glue does.  (Not `test.`: RFC 6761 names are local zones in
Unbound by default, which would answer NXDOMAIN for them.)  `com.` has no address for ns1.glueless.com (it is
not an NS of glueless.com, so it is not glue): a resolver must resolve it
through glueless.com before it can ask noglue.com.  oob.com. has only the
out-of-bailiwick NS ns.example.net., which `com.` cannot give an address for.

`write(DIR)` writes the zone files and the root hints; `QUERIES` is the
question list with what the hierarchy is built to answer.
"""

import collections
import os

ROOT_HINTS_TTL = 3600000

# Addresses of the servers, by role.
ROOT_A = "127.0.1.1"
ROOT_B = "127.0.1.2"
TLD_COM = "127.0.2.1"
TLD_NET = "127.0.2.2"
EXAMPLE_COM = "127.0.3.1"          # ns1.example.com
EXAMPLE_NET = "127.0.3.2"          # ns.example.net
GLUELESS = "127.0.4.1"             # ns.glueless.com
NOGLUE = "127.0.4.2"               # ns1.glueless.com
LAME_OK = "127.0.5.1"              # ns1.lame.com
LAME_REFUSED = "127.0.5.2"         # ns2.lame.com, serves other.net only
BLACKHOLE = "127.0.6.1"            # ns1.slow.com
SLOW_OK = "127.0.6.2"              # ns2.slow.com
EVIL = "127.0.7.1"                 # ns.evil.com
COUNT = "127.0.8.1"                # ns.count.com

# Addresses the poisoning authority tries to plant, and that it answers with
# when (wrongly) asked about example.com.
POISON = "127.6.6.6"
POISON_WRONG_ID = "127.6.6.7"

# TXT RRset larger than 1232 bytes (the EDNS payload of DNS flag day 2020):
# six strings of 250 octets, about 1.5 KB on the wire.
BIG_TXT_STRINGS = 6
BIG_TXT_LENGTH = 250

# The counting zone's negative TTL (SOA MINIMUM), small enough to wait out.
COUNT_NEGATIVE_TTL = 3
COUNT_POSITIVE_TTL = 60


def _big_txt():
    out = []
    for i in range(BIG_TXT_STRINGS):
        s = ("%d" % i) * BIG_TXT_LENGTH
        out.append('big 300 IN TXT "%s"' % s[:BIG_TXT_LENGTH])
    return "\n".join(out)


# origin -> zone text.  TTLs differ per zone so that the TTL check (answer
# TTL <= zone TTL) can tell where a record came from.
ZONES = {
    ".": """$ORIGIN .
$TTL 86400
@                 86400  IN SOA a.root.lab. hostmaster.root.lab. 1 1800 900 604800 86400
@                 518400 IN NS  a.root.lab.
@                 518400 IN NS  b.root.lab.
a.root.lab.      518400 IN A   %(ROOT_A)s
b.root.lab.      518400 IN A   %(ROOT_B)s
a.gtld.lab.      172800 IN A   %(TLD_COM)s
b.gtld.lab.      172800 IN A   %(TLD_NET)s
com.              172800 IN NS  a.gtld.lab.
net.              172800 IN NS  b.gtld.lab.
""",
    "com.": """$ORIGIN com.
$TTL 900
@                 900    IN SOA a.gtld.lab. hostmaster.gtld.lab. 1 1800 900 604800 900
@                 172800 IN NS  a.gtld.lab.
; in-bailiwick NS with glue, and an out-of-bailiwick one (no glue possible)
example           172800 IN NS  ns1.example.com.
example           172800 IN NS  ns.example.net.
ns1.example       172800 IN A   %(EXAMPLE_COM)s
; only an out-of-bailiwick NS
oob               172800 IN NS  ns.example.net.
; glueless.com has glue; noglue.com's server is a name inside glueless.com
glueless          172800 IN NS  ns.glueless.com.
ns.glueless       172800 IN A   %(GLUELESS)s
noglue            172800 IN NS  ns1.glueless.com.
; lame: ns2.lame.com does not serve lame.com (REFUSED)
lame              172800 IN NS  ns1.lame.com.
lame              172800 IN NS  ns2.lame.com.
ns1.lame          172800 IN A   %(LAME_OK)s
ns2.lame          172800 IN A   %(LAME_REFUSED)s
; slow: ns1.slow.com never answers
slow              172800 IN NS  ns1.slow.com.
slow              172800 IN NS  ns2.slow.com.
ns1.slow          172800 IN A   %(BLACKHOLE)s
ns2.slow          172800 IN A   %(SLOW_OK)s
evil              172800 IN NS  ns.evil.com.
ns.evil           172800 IN A   %(EVIL)s
count             172800 IN NS  ns.count.com.
ns.count          172800 IN A   %(COUNT)s
""",
    "net.": """$ORIGIN net.
$TTL 900
@                 900    IN SOA b.gtld.lab. hostmaster.gtld.lab. 1 1800 900 604800 900
@                 172800 IN NS  b.gtld.lab.
example           172800 IN NS  ns.example.net.
ns.example        172800 IN A   %(EXAMPLE_NET)s
other             172800 IN NS  ns.other.net.
ns.other          172800 IN A   %(LAME_REFUSED)s
""",
    "example.com.": """$ORIGIN example.com.
$TTL 300
@                 300 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300
@                 300 IN NS  ns1.example.com.
@                 300 IN NS  ns.example.net.
@                 300 IN MX  10 mail.example.com.
@                 300 IN TXT "v=spf1 -all"
ns1               300 IN A   %(EXAMPLE_COM)s
mail              300 IN A   127.10.0.25
mail              300 IN AAAA 2001:db8::25
www               300 IN CNAME web.example.net.
chain1            300 IN CNAME chain2.example.com.
chain2            300 IN CNAME chain3.example.net.
final             300 IN A   127.10.0.3
a.b.c.d           300 IN A   127.10.0.4
old               300 IN DNAME example.net.
%(BIG_TXT)s
""",
    "example.net.": """$ORIGIN example.net.
$TTL 600
@                 600 IN SOA ns.example.net. hostmaster.example.net. 1 3600 900 604800 600
@                 600 IN NS  ns.example.net.
ns                600 IN A   %(EXAMPLE_NET)s
web               600 IN A   127.10.0.1
chain3            600 IN CNAME final.example.com.
""",
    "oob.com.": """$ORIGIN oob.com.
$TTL 1200
@                 1200 IN SOA ns.example.net. hostmaster.oob.com. 1 3600 900 604800 1200
@                 1200 IN NS  ns.example.net.
www               1200 IN A   127.10.0.5
""",
    "glueless.com.": """$ORIGIN glueless.com.
$TTL 1500
@                 1500 IN SOA ns.glueless.com. hostmaster.glueless.com. 1 3600 900 604800 1500
@                 1500 IN NS  ns.glueless.com.
ns                1500 IN A   %(GLUELESS)s
ns1               1500 IN A   %(NOGLUE)s
""",
    "noglue.com.": """$ORIGIN noglue.com.
$TTL 1800
@                 1800 IN SOA ns1.glueless.com. hostmaster.noglue.com. 1 3600 900 604800 1800
@                 1800 IN NS  ns1.glueless.com.
www               1800 IN A   127.10.0.6
""",
    "lame.com.": """$ORIGIN lame.com.
$TTL 2100
@                 2100 IN SOA ns1.lame.com. hostmaster.lame.com. 1 3600 900 604800 2100
@                 2100 IN NS  ns1.lame.com.
@                 2100 IN NS  ns2.lame.com.
ns1               2100 IN A   %(LAME_OK)s
ns2               2100 IN A   %(LAME_REFUSED)s
www               2100 IN A   127.10.0.7
""",
    "other.net.": """$ORIGIN other.net.
$TTL 2400
@                 2400 IN SOA ns.other.net. hostmaster.other.net. 1 3600 900 604800 2400
@                 2400 IN NS  ns.other.net.
ns                2400 IN A   %(LAME_REFUSED)s
www               2400 IN A   127.10.0.8
""",
    "slow.com.": """$ORIGIN slow.com.
$TTL 2700
@                 2700 IN SOA ns2.slow.com. hostmaster.slow.com. 1 3600 900 604800 2700
@                 2700 IN NS  ns1.slow.com.
@                 2700 IN NS  ns2.slow.com.
@                 2700 IN TXT "slow but working"
ns1               2700 IN A   %(BLACKHOLE)s
ns2               2700 IN A   %(SLOW_OK)s
www               2700 IN A   127.10.0.9
""",
    # served by the Python poisoning authority (pyauth.EvilAuthority)
    "evil.com.": """$ORIGIN evil.com.
$TTL 3000
@                 3000 IN SOA ns.evil.com. hostmaster.evil.com. 1 3600 900 604800 3000
@                 3000 IN NS  ns.evil.com.
ns                3000 IN A   %(EVIL)s
www               3000 IN A   127.0.7.10
""",
    # served by the Python counting authority (pyauth.Authority)
    "count.com.": """$ORIGIN count.com.
$TTL %(COUNT_POSITIVE_TTL)d
@                 3600 IN SOA ns.count.com. hostmaster.count.com. 1 3600 900 604800 %(COUNT_NEGATIVE_TTL)d
@                 3600 IN NS  ns.count.com.
ns                3600 IN A   %(COUNT)s
ttl               %(COUNT_POSITIVE_TTL)d IN A 127.10.8.1
www               %(COUNT_POSITIVE_TTL)d IN A 127.10.8.2
""",
}

_SUBST = dict(ROOT_A=ROOT_A, ROOT_B=ROOT_B, TLD_COM=TLD_COM, TLD_NET=TLD_NET,
              EXAMPLE_COM=EXAMPLE_COM, EXAMPLE_NET=EXAMPLE_NET, GLUELESS=GLUELESS,
              NOGLUE=NOGLUE, LAME_OK=LAME_OK, LAME_REFUSED=LAME_REFUSED,
              BLACKHOLE=BLACKHOLE, SLOW_OK=SLOW_OK, EVIL=EVIL, COUNT=COUNT,
              BIG_TXT=_big_txt(), COUNT_NEGATIVE_TTL=COUNT_NEGATIVE_TTL,
              COUNT_POSITIVE_TTL=COUNT_POSITIVE_TTL)

# address -> origins, for the servers the --auth implementation runs (one
# process per address).  The Python authorities are started separately.
AUTH_SERVERS = collections.OrderedDict([
    (ROOT_A, ["."]),
    (ROOT_B, ["."]),
    (TLD_COM, ["com."]),
    (TLD_NET, ["net."]),
    (EXAMPLE_COM, ["example.com."]),
    (EXAMPLE_NET, ["example.net.", "example.com.", "oob.com."]),
    (GLUELESS, ["glueless.com."]),
    (NOGLUE, ["noglue.com."]),
    (LAME_OK, ["lame.com."]),
    (LAME_REFUSED, ["other.net."]),
    (SLOW_OK, ["slow.com."]),
])

# Where each part of the hierarchy is served, for the trace check:
# root -> com -> example.com, as server addresses and NS names.
TRACE_STEPS = [
    ("root", [ROOT_A, ROOT_B], ["a.root.lab", "b.root.lab"]),
    ("com", [TLD_COM], ["a.gtld.lab"]),
    ("example.com", [EXAMPLE_COM, EXAMPLE_NET], ["ns1.example.com", "ns.example.net"]),
]


def zone_text(origin):
    return ZONES[origin] % _SUBST


def zone_file_name(origin):
    return "root.zone" if origin == "." else origin + "zone"


def root_hints_text():
    return ("; root hints of the test hierarchy (tests/resolver/hierarchy.py)\n"
            ".                 %(t)d NS a.root.lab.\n"
            ".                 %(t)d NS b.root.lab.\n"
            "a.root.lab.      %(t)d A  %(a)s\n"
            "b.root.lab.      %(t)d A  %(b)s\n"
            % dict(t=ROOT_HINTS_TTL, a=ROOT_A, b=ROOT_B))


def write(directory):
    """Write every zone file and `root.hints` into DIRECTORY.

    Returns (zone paths by origin, hints path)."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for origin in ZONES:
        p = os.path.join(directory, zone_file_name(origin))
        with open(p, "w") as f:
            f.write(zone_text(origin))
        paths[origin] = p
    hints = os.path.join(directory, "root.hints")
    with open(hints, "w") as f:
        f.write(root_hints_text())
    return paths, hints


# --------------------------------------------------------------------------
# The questions.  Each names the features it covers and what the hierarchy
# is built to answer: the RCODE and records the answer must contain
# ("owner TYPE rdata"), or `empty` for a NODATA/NXDOMAIN with no answer
# records.  The reference resolver must meet these, or the hierarchy is
# broken and the run is a harness error; the subject is compared with the
# reference.

Query = collections.namedtuple("Query", "qname qtype features rcode contains empty")


def _q(qname, qtype, features, rcode="NOERROR", contains=(), empty=False):
    return Query(qname, qtype, features, rcode, tuple(contains), empty)


QUERIES = [
    _q(".", "NS", "root apex NS (priming)", contains=[". NS a.root.lab.", ". NS b.root.lab."]),
    _q(".", "SOA", "root apex SOA", contains=[". SOA"]),
    _q("a.root.lab.", "A", "root-server name, data of the root zone",
       contains=["a.root.lab. A %s" % ROOT_A]),
    _q("com.", "NS", "TLD NS from the TLD's own server", contains=["com. NS a.gtld.lab."]),
    _q("net.", "SOA", "TLD SOA", contains=["net. SOA"]),
    _q("example.com.", "SOA", "second-level SOA", contains=["example.com. SOA"]),
    _q("example.com.", "NS", "in-bailiwick + out-of-bailiwick NS set",
       contains=["example.com. NS ns1.example.com.", "example.com. NS ns.example.net."]),
    _q("example.com.", "MX", "MX", contains=["example.com. MX 10 mail.example.com."]),
    _q("example.com.", "TXT", "TXT", contains=['example.com. TXT "v=spf1 -all"']),
    _q("mail.example.com.", "AAAA", "AAAA", contains=["mail.example.com. AAAA 2001:db8::25"]),
    _q("ns1.example.com.", "A", "in-bailiwick NS address (authoritative, not the glue)",
       contains=["ns1.example.com. A %s" % EXAMPLE_COM]),
    _q("ns.example.net.", "A", "out-of-bailiwick NS address, resolved through net.",
       contains=["ns.example.net. A %s" % EXAMPLE_NET]),
    _q("www.example.com.", "A", "CNAME across zones (example.com -> example.net) then A",
       contains=["www.example.com. CNAME web.example.net.", "web.example.net. A 127.10.0.1"]),
    _q("www.example.com.", "AAAA", "CNAME across zones to NODATA",
       contains=["www.example.com. CNAME web.example.net."]),
    _q("chain1.example.com.", "A", "CNAME chain com -> com -> net -> com",
       contains=["chain1.example.com. CNAME chain2.example.com.",
                 "chain2.example.com. CNAME chain3.example.net.",
                 "chain3.example.net. CNAME final.example.com.",
                 "final.example.com. A 127.10.0.3"]),
    _q("web.old.example.com.", "A", "DNAME (old.example.com -> example.net) then A",
       contains=["old.example.com. DNAME example.net.",
                 "web.old.example.com. CNAME web.example.net.",
                 "web.example.net. A 127.10.0.1"]),
    _q("nx.old.example.com.", "A", "DNAME to NXDOMAIN", rcode="NXDOMAIN",
       contains=["old.example.com. DNAME example.net."]),
    _q("old.example.com.", "DNAME", "DNAME owner, qtype DNAME",
       contains=["old.example.com. DNAME example.net."]),
    _q("nx.example.com.", "A", "NXDOMAIN (second level)", rcode="NXDOMAIN", empty=True),
    _q("nx.example.net.", "TXT", "NXDOMAIN in example.net", rcode="NXDOMAIN", empty=True),
    _q("nosuchtld.", "A", "NXDOMAIN from the root", rcode="NXDOMAIN", empty=True),
    _q("web.example.net.", "AAAA", "NODATA", empty=True),
    _q("ns1.example.com.", "MX", "NODATA (MX)", empty=True),
    _q("c.d.example.com.", "A", "empty non-terminal (NODATA)", empty=True),
    _q("a.b.c.d.example.com.", "A", "QNAME minimisation through empty non-terminals",
       contains=["a.b.c.d.example.com. A 127.10.0.4"]),
    _q("a.b.c.d.example.com.", "TXT", "QNAME minimisation, NODATA at the end", empty=True),
    _q("www.oob.com.", "A", "zone with only an out-of-bailiwick NS",
       contains=["www.oob.com. A 127.10.0.5"]),
    _q("oob.com.", "NS", "NS of the out-of-bailiwick-only zone",
       contains=["oob.com. NS ns.example.net."]),
    _q("www.noglue.com.", "A", "delegation without glue (NS name in a sibling zone)",
       contains=["www.noglue.com. A 127.10.0.6"]),
    _q("noglue.com.", "SOA", "SOA behind the glueless delegation", contains=["noglue.com. SOA"]),
    _q("big.example.com.", "TXT", "TXT larger than 1232 bytes: TC, retry over TCP",
       contains=["big.example.com. TXT"]),
    _q("www.lame.com.", "A", "lame server (REFUSED) beside a working one",
       contains=["www.lame.com. A 127.10.0.7"]),
    _q("lame.com.", "SOA", "SOA of the zone with a lame server", contains=["lame.com. SOA"]),
    _q("www.other.net.", "A", "the lame server's own zone",
       contains=["www.other.net. A 127.10.0.8"]),
    _q("www.slow.com.", "A", "server that never answers beside a working one",
       contains=["www.slow.com. A 127.10.0.9"]),
    _q("slow.com.", "TXT", "TXT behind the never-answering server",
       contains=['slow.com. TXT "slow but working"']),
]


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 2:
        paths, hints = write(sys.argv[1])
        print("wrote %d zones and %s" % (len(paths), hints))
    else:
        for q in QUERIES:
            print("%-28s %-5s %-8s %s" % (q.qname, q.qtype, q.rcode, q.features))
