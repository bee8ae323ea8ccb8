#!/usr/bin/python3
"""Differential DNS test: send the same queries to a reference and a subject
server and compare the responses.

  compare.py --reference knot --subject nsd                    # generated zones
  compare.py --reference knot --subject nsd --root-zone /work/shared/data/dns/root.zone
  compare.py --reference knot --subject cmd \\
      --subject-cmd "target/release/globe auth --listen 127.0.0.1:{port} {zone_args} --threads 1 --no-rrl"

Per query and per variant (UDP without EDNS; UDP with EDNS bufsize 1232, DO=0;
optionally DO=1; TCP for a sample and for everything truncated over UDP) it
compares: RCODE, header flags QR AA TC RD RA AD CD, the question, OPT presence,
and the answer/authority/additional sections as sets of RRsets (owner names
case-insensitive, TTLs exact, rdata exact in DNSSEC-canonical form).  When TC
is set in either response, only flags and RCODE are compared.

Differences of three deliberate kinds are ACCEPTED (accept.py, README.md):
space-limited optional data over UDP (checked against both servers' TCP
responses), YXDOMAIN for DNAME substitution overflow (RFC 6672), and qtype RRSIG
answered with all RRSIGs at the name.  --no-accept makes every difference count.

Prints `differential: N queries, M differences` (M = unaccepted ones), then
`accepted: K (size-limited=a, rfc6672-yxdomain=b, rrsig-query=c)`, a breakdown
by category and the first --max-diffs differences; exits 1 iff M > 0 (2 on
harness error).
"""

import argparse
import collections
import os
import random
import select
import signal
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dns.flags          # noqa: E402
import dns.message        # noqa: E402
import dns.rcode          # noqa: E402
import dns.rdata          # noqa: E402
import dns.rdatatype      # noqa: E402

import gen_zones          # noqa: E402
import queries as Q       # noqa: E402
import servers            # noqa: E402
import sign as S          # noqa: E402
import wire as W          # noqa: E402
import accept as A        # noqa: E402

VARIANTS = {
    # name: (use_edns, payload, do_bit)
    "noedns": (False, 0, False),
    "edns1232": (True, 1232, False),
    "edns1232do": (True, 1232, True),
    "ednsv1": (True, 1232, False),       # EDNS version 1: expect BADVERS
}


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------
# wire-level querying
def build_wire(q, variant, qid):
    use_edns, payload, do = VARIANTS[variant]
    if use_edns:
        m = dns.message.make_query(q.qname, q.qtype, use_edns=0, payload=payload,
                                   want_dnssec=do)
    else:
        m = dns.message.make_query(q.qname, q.qtype, use_edns=False)
    m.id = qid
    if variant == "ednsv1":
        m.use_edns(0, payload=payload)
        w = bytearray(m.to_wire())
        # the OPT RR is last: TTL = ext-rcode(1) version(1) flags(2); rdlen(2)
        w[-5] = 1
        m = dns.message.from_wire(bytes(w))
        m.id = qid
    m.flags = 0
    if q.rd:
        m.flags |= dns.flags.RD
    if q.cd:
        m.flags |= dns.flags.CD
    if q.ad:
        m.flags |= dns.flags.AD
    return m.to_wire()


class UdpClient:
    """One UDP socket per server; pipelined sends, responses matched by ID."""

    def __init__(self, addr, port, window=48, timeout=2.0, retries=2):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.connect((addr, port))
        self.sock.setblocking(False)
        self.window = window
        self.timeout = timeout
        self.retries = retries

    def run(self, wires):
        """wires: {qid: wire} -> {qid: response wire or None}."""
        results = {}
        todo = list(wires.keys())
        for attempt in range(self.retries + 1):
            pending = {}
            i = 0
            while i < len(todo) or pending:
                while i < len(todo) and len(pending) < self.window:
                    qid = todo[i]
                    i += 1
                    try:
                        self.sock.send(wires[qid])
                    except BlockingIOError:
                        i -= 1
                        break
                    pending[qid] = time.monotonic()
                r, _, _ = select.select([self.sock], [], [], 0.05)
                if r:
                    while True:
                        try:
                            data = self.sock.recv(65535)
                        except (BlockingIOError, InterruptedError):
                            break
                        except ConnectionRefusedError:
                            break
                        if len(data) < 2:
                            continue
                        qid = int.from_bytes(data[:2], "big")
                        if qid in pending:
                            del pending[qid]
                            results[qid] = data
                now = time.monotonic()
                for qid, t in list(pending.items()):
                    if now - t > self.timeout:
                        del pending[qid]
            todo = [qid for qid in todo if qid not in results]
            if not todo:
                break
        for qid in todo:
            results[qid] = None
        return results

    def close(self):
        self.sock.close()


def tcp_query(wire, addr, port, timeout=3.0):
    try:
        with socket.create_connection((addr, port), timeout=timeout) as s:
            s.sendall(len(wire).to_bytes(2, "big") + wire)
            buf = b""
            while len(buf) < 2:
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
            n = int.from_bytes(buf[:2], "big")
            while len(buf) < 2 + n:
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
            return buf[2:2 + n]
    except OSError:
        return None


# --------------------------------------------------------------------------
# normalisation and comparison (fast path in wire.py; dnspython only for text)
def parse(data, strict_case=False):
    if data is None:
        return None
    try:
        return W.parse(data, canonical=not strict_case)
    except Exception as e:  # a malformed response is itself a finding
        return e


def type_text(t):
    return dns.rdatatype.to_text(t)


def rdata_text(rdclass, rdtype, rd):
    try:
        return dns.rdata.from_wire(rdclass, rdtype, rd, 0, len(rd)).to_text()
    except Exception:
        return "\\# %d %s" % (len(rd), rd.hex())


def fmt_key(k):
    owner, rtype, _cls, covers = k
    t = type_text(rtype)
    if covers:
        t += "(%s)" % type_text(covers)
    return "%s %s" % (W.name_text(owner), t)


def fmt_rrset(k, v, limit=4):
    ttls, rds = v
    texts = sorted(rdata_text(k[2], k[1], rd) for rd in rds)
    shown = "; ".join(t if len(t) < 100 else t[:97] + "..." for t in texts[:limit])
    if len(texts) > limit:
        shown += "; ... (%d rdatas)" % len(texts)
    owner, t = fmt_key(k).split(" ", 1)
    return "%s %s %s %s" % (owner, "/".join(str(x) for x in sorted(ttls)), t, shown)


def compare_section(a, b):
    """a, b: wire.rrsets() maps -> (lines, signature) or None when equal."""
    if a == b:
        return None
    lines, sig = [], []
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    for k in only_a:
        lines.append("  only in reference: " + fmt_rrset(k, a[k]))
    for k in only_b:
        lines.append("  only in subject:   " + fmt_rrset(k, b[k]))
    if only_a:
        sig.append("-" + ",".join(sorted({type_text(k[1]) for k in only_a})))
    if only_b:
        sig.append("+" + ",".join(sorted({type_text(k[1]) for k in only_b})))
    for k in sorted(set(a) & set(b)):
        ta, ra = a[k]
        tb, rb = b[k]
        if ra != rb:
            lines.append("  rdata differs for %s:" % fmt_key(k))
            lines.append("    reference: " + fmt_rrset(k, a[k], 6))
            lines.append("    subject:   " + fmt_rrset(k, b[k], 6))
            sig.append("rdata(%s)" % type_text(k[1]))
        if ta != tb:
            lines.append("  TTL differs for %s: reference %s, subject %s"
                         % (fmt_key(k), sorted(ta), sorted(tb)))
            sig.append("ttl(%s)" % type_text(k[1]))
    return lines, " ".join(sig)


def response_kind(m, q):
    """Classify the reference response, for grouping."""
    if m is None or isinstance(m, Exception):
        return "no-response"
    rc = m.rcode
    if m.flags & W.TC:
        return "truncated"
    if rc == dns.rcode.REFUSED:
        return "refused"
    if rc not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return dns.rcode.to_text(rc).lower()
    answer, authority, _ = m.sections
    types = {rr[1] for rr in answer}
    # follow the CNAME chain from the qname through the answer section
    cur = m.question[0][0].lower() if m.question else b""
    cnames = {rr[0].lower(): rr[4] for rr in answer if rr[1] == dns.rdatatype.CNAME}
    seen = set()
    while q.qtype != dns.rdatatype.CNAME and cur in cnames and cur not in seen:
        seen.add(cur)
        cur = cnames[cur].lower()
    prefix = ""
    if dns.rdatatype.DNAME in types and (q.qtype != dns.rdatatype.DNAME
                                         or dns.rdatatype.CNAME in types):
        prefix = "dname+"
    elif seen:
        prefix = "cname+"
    if rc == dns.rcode.NXDOMAIN:
        return prefix + "nxdomain"
    if any(rr[0].lower() == cur and rr[1] == q.qtype for rr in answer):
        return prefix + "positive"
    if not (m.flags & W.AA) and any(rr[1] == dns.rdatatype.NS for rr in authority):
        return prefix + "referral"
    if not answer or prefix:
        return prefix + "nodata"
    return "other"


def _status(x):
    if x is None:
        return "no response"
    if isinstance(x, Exception):
        return "unparsable: %s" % x
    return "rcode %s" % dns.rcode.to_text(x.rcode)


def compare_msgs(ra, rb, compare_truncated=False, strict_opt=False):
    """-> list of (field, signature, detail lines)."""
    diffs = []
    bad_a = ra is None or isinstance(ra, Exception)
    bad_b = rb is None or isinstance(rb, Exception)
    if bad_a or bad_b:
        if _status(ra) != _status(rb):
            diffs.append(("response", "%s vs %s" % (_status(ra).split(":")[0],
                                                    _status(rb).split(":")[0]),
                          ["  reference: %s" % _status(ra), "  subject:   %s" % _status(rb)]))
        return diffs
    if ra.rcode != rb.rcode:
        ta, tb = dns.rcode.to_text(ra.rcode), dns.rcode.to_text(rb.rcode)
        diffs.append(("rcode", "%s->%s" % (ta, tb),
                      ["  rcode: reference %s, subject %s" % (ta, tb)]))
    fa, fb = ra.flag_names(), rb.flag_names()
    if fa != fb:
        sig = " ".join(["-" + f for f in sorted(fa - fb)] + ["+" + f for f in sorted(fb - fa)])
        diffs.append(("flags", sig, ["  flags: reference %s, subject %s"
                                     % (" ".join(sorted(fa)), " ".join(sorted(fb)))]))
    if ra.question != rb.question:
        def qt(m):
            return ["%s/%s" % (W.name_text(n), type_text(t)) for n, t, _ in m.question]
        diffs.append(("question", "question", ["  question: reference %s, subject %s"
                                               % (qt(ra), qt(rb))]))
    if (ra.opt is None) != (rb.opt is None):
        diffs.append(("opt", "opt %s/%s" % (ra.opt is not None, rb.opt is not None),
                      ["  OPT present: reference %s, subject %s"
                       % (ra.opt is not None, rb.opt is not None)]))
    elif strict_opt and W.opt_summary(ra.opt) != W.opt_summary(rb.opt):
        oa, ob = W.opt_summary(ra.opt), W.opt_summary(rb.opt)
        diffs.append(("opt", "%s / %s" % (oa, ob),
                      ["  OPT: reference %s, subject %s" % (oa, ob)]))
    if (ra.flags | rb.flags) & W.TC and not compare_truncated:
        return diffs
    for i, sec in enumerate(("answer", "authority", "additional")):
        r = compare_section(W.rrsets(ra.sections[i]), W.rrsets(rb.sections[i]))
        if r:
            lines, sig = r
            diffs.append((sec, sig, lines))
    return diffs


# --------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--reference", choices=["knot", "nsd"], default="knot")
    ap.add_argument("--subject", choices=["knot", "nsd", "cmd"], required=True)
    ap.add_argument("--subject-cmd", help="argv template for --subject cmd "
                    "(placeholders {port} {dir} {zonefiles} {zone_args} {zonefile})")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--zones", help="zone dir with zones.json (default: generate "
                     "with gen_zones.py --seed SEED into a temp dir)")
    src.add_argument("--root-zone", help="serve this root zone (origin .) instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sign", choices=S.MODES,
                    help="sign the generated zones with Knot's signer first (sign.py): "
                    "NSEC, NSEC3, or NSEC3 with opt-out; both servers serve the signed files")
    ap.add_argument("--edns", choices=["none", "1232", "both"], default="both",
                    help="UDP variants: without EDNS, with EDNS 1232 (DO=0), or both")
    ap.add_argument("--do", action="store_true",
                    help="also send an EDNS 1232 variant with the DO bit set")
    ap.add_argument("--tcp-sample", type=float, default=0.05,
                    help="fraction of queries also sent over TCP (plus every query "
                    "truncated over UDP by either server)")
    ap.add_argument("--root-sample", type=int, default=0,
                    help="root mode: only this many TLDs (0 = all)")
    ap.add_argument("--max-diffs", type=int, default=20,
                    help="print this many differences in full")
    ap.add_argument("--max-accepted", type=int, default=5,
                    help="print this many accepted differences in full")
    ap.add_argument("--no-accept", action="store_true",
                    help="disable the accept rules (size-limited, rfc6672-yxdomain, "
                    "rrsig-query): every difference counts")
    ap.add_argument("--strict-case", action="store_true",
                    help="also compare owner-name and rdata-name case exactly")
    ap.add_argument("--compare-truncated", action="store_true",
                    help="compare sections of TC=1 responses too (informative: "
                    "both send an empty TC answer for big RRsets, but Knot's TC "
                    "referrals carry partial glue)")
    ap.add_argument("--strict-opt", action="store_true",
                    help="compare the OPT record too: EDNS version, payload, DO, "
                    "option codes and EDE info-codes (default: presence only)")
    ap.add_argument("--ednsv1-sample", type=float, default=0.02,
                    help="fraction of queries also sent with EDNS version 1 (BADVERS)")
    ap.add_argument("--only", help="only queries whose qname contains this (case-insensitive)")
    ap.add_argument("--nsd-minimal", choices=["yes", "no"], default="yes",
                    help="NSD minimal-responses setting (default yes)")
    ap.add_argument("--ipv6", action="store_true", help="query over ::1 instead of 127.0.0.1")
    ap.add_argument("--keep", action="store_true", help="keep server temp dirs")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--serve", action="store_true",
                    help="start both servers, print their ports and wait (for dig/kdig) "
                    "until interrupted; nothing is compared")
    a = ap.parse_args(argv)
    if a.subject == "cmd" and not a.subject_cmd:
        ap.error("--subject cmd needs --subject-cmd")
    if a.sign and a.root_zone:
        ap.error("--sign applies to generated zones, not to --root-zone")

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)

    t0 = time.monotonic()
    tmpzones = None
    if a.root_zone:
        zones = [(".", os.path.abspath(a.root_zone))]
        qlist = Q.root_queries(a.root_zone, a.seed, sample=a.root_sample or None)
    else:
        if a.zones and not a.sign:
            zones = gen_zones.load_manifest(a.zones)
        elif a.zones:
            # signing rewrites the files: work on copies
            tmpzones = tempfile.mkdtemp(prefix="globe-diff-zones-", dir="/tmp")
            zones = []
            for origin, path in gen_zones.load_manifest(a.zones):
                copy = os.path.join(tmpzones, os.path.basename(path))
                with open(path, "rb") as src, open(copy, "wb") as dst:
                    dst.write(src.read())
                zones.append((origin, copy))
        else:
            tmpzones = tempfile.mkdtemp(prefix="globe-diff-zones-", dir="/tmp")
            zones = gen_zones.generate(tmpzones, a.seed)
        if a.sign:
            S.sign(zones, a.sign)
        qlist = Q.zone_queries(zones, a.seed)
    if a.only:
        qlist = [q for q in qlist if a.only.lower() in q.qname.lower()]

    variants = {"none": ["noedns"], "1232": ["edns1232"], "both": ["noedns", "edns1232"]}[a.edns]
    if a.do:
        variants = variants + ["edns1232do"]

    def opts(kind):
        return {"minimal_responses": a.nsd_minimal == "yes"} if kind == "nsd" else {}
    ref = servers.make_server(a.reference, zones, keep_dir=a.keep,
                              name="reference(%s)" % a.reference, **opts(a.reference))
    sub = servers.make_server(a.subject, zones, cmd=a.subject_cmd, keep_dir=a.keep,
                              name="subject(%s)" % a.subject, **opts(a.subject))
    try:
        ref.start()
        sub.start()
        if a.serve:
            print("reference %s port %d\nsubject %s port %d" % (a.reference, ref.port,
                                                               a.subject, sub.port), flush=True)
            while True:
                time.sleep(3600)
        if not a.quiet:
            print("# %s" % ref.describe())
            print("# %s" % sub.describe())
            print("# %d queries x %s over UDP, TCP sample %.0f%%" % (len(qlist), variants,
                                                                      a.tcp_sample * 100))
        return run(a, qlist, variants, ref, sub, t0)
    finally:
        sub.stop()
        ref.stop()
        if tmpzones:
            import shutil
            shutil.rmtree(tmpzones, ignore_errors=True)


def run(a, qlist, variants, ref, sub, t0):
    addr = "::1" if a.ipv6 else "127.0.0.1"
    rng = random.Random(a.seed * 7919 + 1)
    # jobs: (query, variant, transport)
    jobs = []
    for q in qlist:
        for v in variants:
            jobs.append((q, v, "udp"))
        if rng.random() < a.ednsv1_sample:
            jobs.append((q, "ednsv1", "udp"))
    wires = {}
    for i, (q, v, t) in enumerate(jobs):
        wires[i] = build_wire(q, v, i & 0xffff)
    results = {}
    # UDP in chunks of < 65536 jobs so that IDs are unique within a chunk
    for start in range(0, len(jobs), 60000):
        idx = list(range(start, min(len(jobs), start + 60000)))
        chunk = {i & 0xffff: wires[i] for i in idx}
        for srv, key in ((ref, "ref"), (sub, "sub")):
            c = servers_client(srv, addr)
            got = c.run(chunk)
            c.close()
            for i in idx:
                results[(i, key)] = got[i & 0xffff]
    # TCP: sample + everything truncated over UDP
    tcp_jobs = []
    for i, (q, v, t) in enumerate(jobs):
        trunc = any(results[(i, k)] is not None and len(results[(i, k)]) > 3
                    and results[(i, k)][2] & 0x02 for k in ("ref", "sub"))
        if trunc or rng.random() < a.tcp_sample:
            tcp_jobs.append((q, v, "tcp"))
    base = len(jobs)
    for j, (q, v, t) in enumerate(tcp_jobs):
        i = base + j
        jobs.append((q, v, t))
        w = build_wire(q, v, i & 0xffff)
        results[(i, "ref")] = tcp_query(w, addr, ref.port)
        results[(i, "sub")] = tcp_query(w, addr, sub.port)

    tcp_cache = {}      # (id(query), variant) -> (reference wire, subject wire)
    for j, (q, v, t) in enumerate(tcp_jobs):
        tcp_cache[(id(q), v)] = (results[(base + j, "ref")], results[(base + j, "sub")])

    # pass 1: compare every exchange
    found = []          # (q, v, t, ma, mb, kind, diffs)
    kinds_seen = collections.Counter()
    for i, (q, v, t) in enumerate(jobs):
        ma = parse(results[(i, "ref")], a.strict_case)
        mb = parse(results[(i, "sub")], a.strict_case)
        kind = response_kind(ma, q)
        kinds_seen[kind] += 1
        diffs = compare_msgs(ma, mb, a.compare_truncated, a.strict_opt)
        if diffs:
            found.append((q, v, t, ma, mb, kind, diffs))

    # TCP re-queries, only for the differences an accept rule needs them for
    requeried = 0
    if not a.no_accept:
        for q, v, t, ma, mb, kind, diffs in found:
            need = A.size_candidate(t, ma, mb, diffs) or (
                q.qtype == dns.rdatatype.RRSIG and t == "udp" and A.usable(mb)
                and mb.flags & W.TC) or A.yxdomain_truncated_candidate(t, ma, mb, diffs)
            if need and (id(q), v) not in tcp_cache:
                w = build_wire(q, v, rng.randrange(0x10000))
                tcp_cache[(id(q), v)] = (tcp_query(w, addr, ref.port),
                                         tcp_query(w, addr, sub.port))
                requeried += 1

    # pass 2: classify
    ndiff_queries = 0
    shown = shown_acc = 0
    cats = collections.OrderedDict()
    acc_cats = collections.OrderedDict()
    acc_count = collections.Counter()
    by_field = collections.Counter()
    out_lines = []
    acc_lines = []
    for q, v, t, ma, mb, kind, diffs in found:
        label = "%s %s %s/%s" % (t, v, q.qname, dns.rdatatype.to_text(q.qtype))
        flags = "".join(x for x, on in (("+rd", q.rd), ("+cd", q.cd), ("+ad", q.ad)) if on)
        rule, why, notes = None, None, []
        if not a.no_accept:
            rule, why, notes = classify(q, v, t, ma, mb, diffs, tcp_cache, a.strict_case)
        if rule:
            acc_count[rule] += 1
            sig = "; ".join("%s %s" % (f, s_) for f, s_, _ in diffs)
            key = (rule, kind, sig)
            if key not in acc_cats:
                acc_cats[key] = [0, label + "  [tag %s]" % q.tag]
            acc_cats[key][0] += 1
            if shown_acc < a.max_accepted:
                shown_acc += 1
                acc_lines.append("--- accepted %d [%s]: %s %s  tag=%s kind=%s"
                                 % (shown_acc, rule, label, flags, q.tag, kind))
                acc_lines.append("  why: " + why)
                for field, sig_, lines in diffs:
                    acc_lines.append(" [%s] %s" % (field, sig_))
                    acc_lines.extend(lines)
            continue
        ndiff_queries += 1
        for field, sig, _ in diffs:
            by_field[field] += 1
            key = (kind, field, sig)
            if key not in cats:
                cats[key] = [0, label + "  [tag %s]" % q.tag, collections.Counter()]
            cats[key][0] += 1
            cats[key][2][q.tag] += 1
        if shown < a.max_diffs:
            shown += 1
            out_lines.append("--- difference %d: %s %s  tag=%s kind=%s" % (shown, label, flags, q.tag, kind))
            for field, sig, lines in diffs:
                out_lines.append(" [%s] %s" % (field, sig))
                out_lines.extend(lines)
            for r, n in notes:
                out_lines.append(" [not accepted as %s] %s" % (r, n))

    nq = len(jobs)
    nacc = sum(acc_count.values())
    print("differential: %d queries, %d differences" % (nq, ndiff_queries))
    print("accepted: %d (%s)" % (nacc, ", ".join("%s=%d" % (r, acc_count[r]) for r in A.RULES)))
    if not a.quiet:
        print("# reference %s vs subject %s; %d distinct queries, %d UDP + %d TCP exchanges, "
              "%d TCP re-queries for accept rules, %.1fs"
              % (a.reference, a.subject if a.subject != "cmd" else "cmd", len(qlist),
                 nq - len(tcp_jobs), len(tcp_jobs), requeried, time.monotonic() - t0))
        print("# reference response kinds: %s" % ", ".join("%s=%d" % kv for kv in kinds_seen.most_common()))
        if a.no_accept:
            print("# accept rules disabled (--no-accept): every difference counts")
        if acc_cats:
            print("# accepted (rule | reference kind | fields: count, example); reasons:")
            for r in A.RULES:
                if acc_count[r]:
                    print("#   %s: %s" % (r, A.REASONS[r]))
            for (rule, kind, sig), (n, ex) in sorted(acc_cats.items(), key=lambda kv: -kv[1][0]):
                print("#  %-16s | %-16s | %-34s %5d  e.g. %s" % (rule, kind, sig[:34], n, ex))
        if cats:
            print("# differences by field: %s" % ", ".join("%s=%d" % kv for kv in by_field.most_common()))
            print("# categories (reference response kind | field | signature: count, tags, example):")
            for (kind, field, sig), (n, ex, tags) in sorted(cats.items(), key=lambda kv: -kv[1][0]):
                print("#  %-18s | %-10s | %-28s %5d  %s  e.g. %s"
                      % (kind, field, sig[:28], n,
                         ",".join("%s=%d" % tv for tv in tags.most_common(4)), ex))
    for line in out_lines:
        print(line)
    for line in acc_lines:
        print(line)
    return 1 if ndiff_queries else 0


def classify(q, v, t, ma, mb, diffs, tcp_cache, strict_case):
    """-> (rule or None, reason, [(rule, why not)] for rules whose shape was close)."""
    notes = []
    sigs = {(f, s) for f, s, _ in diffs}
    use_edns, payload, _do = VARIANTS[v]
    limit = A.udp_limit(use_edns, payload)
    pair = tcp_cache.get((id(q), v))
    if ("rcode", "NXDOMAIN->YXDOMAIN") in sigs:
        if A.yxdomain_truncated_candidate(t, ma, mb, diffs):
            if pair is None:
                ok, why = False, "no TCP re-query"
            else:
                ta, tb = parse(pair[0], strict_case), parse(pair[1], strict_case)
                ok, why = A.accept_yxdomain_truncated(ma, mb, ta, tb, compare_msgs(ta, tb))
        else:
            ok, why = A.accept_yxdomain(ma, mb, diffs)
        if ok:
            return "rfc6672-yxdomain", why, []
        notes.append(("rfc6672-yxdomain", why))
    if q.qtype == dns.rdatatype.RRSIG:
        tb = parse(pair[1], strict_case) if pair else None
        ok, why = A.accept_rrsig(q.qtype, t, ma, mb, diffs, tb, limit)
        if ok:
            return "rrsig-query", why, []
        notes.append(("rrsig-query", why))
    if A.size_candidate(t, ma, mb, diffs):
        if pair is None:
            notes.append(("size-limited", "no TCP re-query"))
        else:
            ta, tb = parse(pair[0], strict_case), parse(pair[1], strict_case)
            ok, why = A.accept_size(ma, mb, ta, tb, limit)
            if ok:
                return "size-limited", why, []
            notes.append(("size-limited", why))
    return None, None, notes


def servers_client(srv, addr):
    return UdpClient(addr, srv.port)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception:
        import traceback
        traceback.print_exc()
        sys.exit(2)
