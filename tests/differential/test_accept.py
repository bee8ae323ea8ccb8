#!/usr/bin/python3
"""Self-test of the accept rules (accept.py) on hand-built messages: each rule
must accept its deliberate shape and reject near misses that would be bugs.

    /usr/bin/python3 tests/differential/test_accept.py      # exit 0 = all pass
"""

import os
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dns.flags          # noqa: E402
import dns.message        # noqa: E402
import dns.rcode          # noqa: E402
import dns.rrset          # noqa: E402

import accept as A        # noqa: E402
import compare as C       # noqa: E402
import wire as W          # noqa: E402

FAILS = []


def msg(qname, qtype, rcode="NOERROR", aa=True, tc=False, answer=(), authority=(),
        additional=(), edns=False):
    q = dns.message.make_query(qname, qtype, use_edns=0 if edns else False,
                               payload=1232)
    r = dns.message.make_response(q)
    r.flags = dns.flags.QR | (dns.flags.AA if aa else 0) | (dns.flags.TC if tc else 0)
    r.set_rcode(dns.rcode.from_text(rcode))
    for sec, rrs in ((r.answer, answer), (r.authority, authority),
                     (r.additional, additional)):
        for text in rrs:       # "owner ttl type rdata"; same owner+type -> one RRset
            owner, ttl, rtype, rd = text.split(None, 3)
            rr = dns.rrset.from_text(owner, int(ttl), "IN", rtype, rd)
            r.find_rrset(sec, rr.name, rr.rdclass, rr.rdtype, rr.covers,
                         create=True).update(rr)
    return W.parse(r.to_wire(max_size=65535))


def check(name, got, want):
    ok, why = got
    status = "ok" if ok == want else "FAIL"
    if ok != want:
        FAILS.append(name)
    print("%-4s %-58s %s: %s" % (status, name, "accepted" if ok else "rejected", why))


def check_bool(name, value, want):
    status = "ok" if value == want else "FAIL"
    if value != want:
        FAILS.append(name)
    print("%-4s %-58s %s" % (status, name, value))


def diffs(ma, mb, compare_truncated=False):
    return C.compare_msgs(ma, mb, compare_truncated)


SOA = "example.test. 300 SOA ns1.example.test. h.example.test. 1 2 3 4 300"
LONG = ".".join(["q" * 63] * 3) + ".dl.example.test."
TGT = "t" * 60 + ".example.net."


def test_yxdomain():
    dname = "dl.example.test. 300 DNAME " + TGT
    ref = msg(LONG, "A", "NXDOMAIN", answer=[dname], authority=[SOA])
    sub = msg(LONG, "A", "YXDOMAIN", answer=[dname])
    check("yxdomain: the RFC 6672 shape", A.accept_yxdomain(ref, sub, diffs(ref, sub)), True)
    sub2 = msg(LONG, "A", "YXDOMAIN", answer=[dname], authority=[SOA])
    check("yxdomain: subject keeps the SOA", A.accept_yxdomain(ref, sub2, diffs(ref, sub2)), False)
    short = "x.dl.example.test."
    ref3 = msg(short, "A", "NXDOMAIN", answer=[dname], authority=[SOA])
    sub3 = msg(short, "A", "YXDOMAIN", answer=[dname])
    check("yxdomain: no overflow (short qname)", A.accept_yxdomain(ref3, sub3, diffs(ref3, sub3)), False)
    sub4 = msg(LONG, "A", "YXDOMAIN", answer=["dl.example.test. 600 DNAME " + TGT])
    check("yxdomain: DNAME TTL differs", A.accept_yxdomain(ref, sub4, diffs(ref, sub4)), False)
    sub5 = msg(LONG, "A", "SERVFAIL", answer=[dname])
    check("yxdomain: SERVFAIL instead", A.accept_yxdomain(ref, sub5, diffs(ref, sub5)), False)
    other = "other.example.test. 300 DNAME " + TGT
    ref6 = msg(LONG, "A", "NXDOMAIN", answer=[other], authority=[SOA])
    sub6 = msg(LONG, "A", "YXDOMAIN", answer=[other])
    check("yxdomain: DNAME not above the qname", A.accept_yxdomain(ref6, sub6, diffs(ref6, sub6)), False)
    # With DO: both sign the DNAME; Knot adds the SOA's RRSIG and an NSEC proof.
    sig = " 300 RRSIG %s 13 3 300 20260910000000 20260820000000 1 example.test. " + "A" * 88
    nsec = "uniform.example.test. 300 NSEC whiskey.example.test. A RRSIG NSEC"
    signed = [dname, "dl.example.test." + sig % "DNAME"]
    ref7 = msg(LONG, "A", "NXDOMAIN", answer=signed, edns=True, authority=[
        SOA, "example.test." + sig % "SOA", nsec, "uniform.example.test." + sig % "NSEC"])
    sub7 = msg(LONG, "A", "YXDOMAIN", answer=signed, edns=True)
    check("yxdomain: with DO, Knot's NSEC proof", A.accept_yxdomain(ref7, sub7, diffs(ref7, sub7)), True)
    ref8 = msg(LONG, "A", "NXDOMAIN", answer=signed, edns=True, authority=[
        SOA, nsec, "uniform.example.test. 300 A 192.0.2.1"])
    check("yxdomain: reference authority has an A", A.accept_yxdomain(ref8, sub7, diffs(ref8, sub7)), False)
    sub9 = msg(LONG, "A", "YXDOMAIN", answer=[dname], edns=True)
    check("yxdomain: subject leaves out the DNAME's RRSIG",
          A.accept_yxdomain(ref7, sub9, diffs(ref7, sub9)), False)
    # Knot's signed NXDOMAIN does not fit UDP (TC); the TCP pair has the RFC 6672 shape.
    ref_tc = msg(LONG, "A", "NXDOMAIN", tc=True, edns=True)
    d = diffs(ref_tc, sub7)
    check_bool("yxdomain: reference TC is a candidate",
               A.yxdomain_truncated_candidate("udp", ref_tc, sub7, d), True)
    check_bool("yxdomain: ... not over TCP", A.yxdomain_truncated_candidate("tcp", ref_tc, sub7, d),
               False)
    check("yxdomain: reference TC, TCP pair is the RFC 6672 shape",
          A.accept_yxdomain_truncated(ref_tc, sub7, ref7, sub7, diffs(ref7, sub7)), True)
    check("yxdomain: reference TC, subject's UDP lacks part of its TCP answer",
          A.accept_yxdomain_truncated(ref_tc, sub9, ref7, sub7, diffs(ref7, sub7)), False)
    check("yxdomain: reference TC, TCP pair differs otherwise",
          A.accept_yxdomain_truncated(ref_tc, sub7, ref8, sub7, diffs(ref8, sub7)), False)


def test_rrsig():
    sig = ". 86400 RRSIG %s 8 0 86400 20260910000000 20260820000000 20326 . " + "A" * 344
    ref = msg(".", "RRSIG", answer=[sig % "SOA"], edns=True)
    sub = msg(".", "RRSIG", answer=[sig % "SOA", sig % "DNSKEY"], edns=True)
    check("rrsig: subject adds RRSIG(DNSKEY)",
          A.accept_rrsig(46, "udp", ref, sub, diffs(ref, sub), None, 1232), True)
    sub2 = msg(".", "RRSIG", answer=[sig % "DNSKEY"], edns=True)
    check("rrsig: subject lacks the reference's RRSIG(SOA)",
          A.accept_rrsig(46, "udp", ref, sub2, diffs(ref, sub2), None, 1232), False)
    sub3 = msg(".", "RRSIG", answer=[sig % "SOA", ". 86400 A 192.0.2.1"], edns=True)
    check("rrsig: subject adds an A record",
          A.accept_rrsig(46, "udp", ref, sub3, diffs(ref, sub3), None, 1232), False)
    sub4 = msg(".", "RRSIG", answer=[sig % "SOA", (sig % "DS").replace(".", "com.", 1)],
               edns=True)
    check("rrsig: subject adds an RRSIG of another owner",
          A.accept_rrsig(46, "udp", ref, sub4, diffs(ref, sub4), None, 1232), False)
    check("rrsig: qtype is not RRSIG",
          A.accept_rrsig(1, "udp", ref, sub, diffs(ref, sub), None, 1232), False)
    # TC without EDNS: the subject's full answer does not fit 512
    refn = msg(".", "RRSIG", answer=[sig % "SOA"])
    subn = msg(".", "RRSIG", tc=True)
    tcp = msg(".", "RRSIG", answer=[sig % "SOA", sig % "DNSKEY"])
    check("rrsig: TC, full answer %d > 512" % tcp.size,
          A.accept_rrsig(46, "udp", refn, subn, diffs(refn, subn), tcp, 512), True)
    tcp_small = msg(".", "RRSIG", answer=[sig % "SOA"])
    check("rrsig: TC although the full answer fits",
          A.accept_rrsig(46, "udp", refn, subn, diffs(refn, subn), tcp_small, 512), False)


def test_size():
    q = "deleg.example.test."
    ns_rr = ["deleg.example.test. 3600 NS ns%d.deleg.example.test." % i for i in range(3)]
    glue = ["ns%d.deleg.example.test. 3600 A 192.0.2.%d" % (i, i) for i in range(3)]
    sib = ["ns.sib.example.test. 3600 AAAA 2001:db8::1"]
    full = msg(q, "A", aa=False, authority=ns_rr + ["deleg.example.test. 3600 NS ns.sib.example.test."],
               additional=glue + sib)
    # reference dropped the sibling glue, subject fit it: fine
    ref = msg(q, "A", aa=False, authority=ns_rr + ["deleg.example.test. 3600 NS ns.sib.example.test."],
              additional=glue)
    sub = full
    check("size: subject fit sibling glue the reference left out",
          A.accept_size(ref, sub, full, full, 512), True)
    # but not when the subject's response exceeds the limit
    check("size: subject over the limit",
          A.accept_size(ref, sub, full, full, sub.size - 1), False)
    # subject dropped in-domain glue without TC
    sub2 = msg(q, "A", aa=False, authority=ns_rr + ["deleg.example.test. 3600 NS ns.sib.example.test."],
               additional=glue[:2] + sib)
    check("size: subject lacks in-domain glue without TC",
          A.accept_size(ref, sub2, full, full, 512), False)
    # reference TC (glue did not fit), subject fit all: fine
    reftc = msg(q, "A", aa=False, tc=True, authority=ns_rr + ["deleg.example.test. 3600 NS ns.sib.example.test."],
                additional=glue[:1])
    check("size: reference TC, subject fit everything",
          A.accept_size(reftc, full, full, full, 512), True)
    # TCP responses differ: a real difference
    full_b = msg(q, "A", aa=False, authority=ns_rr + ["deleg.example.test. 3600 NS ns.sib.example.test."],
                 additional=glue)
    check("size: TCP responses differ",
          A.accept_size(ref, sub, full, full_b, 512), False)
    # subject left out what the reference fit although there was room
    refp = msg("mx.example.test.", "MX", answer=["mx.example.test. 300 MX 10 mail.example.test."],
               additional=["mail.example.test. 300 A 192.0.2.7"])
    subp = msg("mx.example.test.", "MX", answer=["mx.example.test. 300 MX 10 mail.example.test."])
    check("size: subject dropped an A record with room to spare",
          A.accept_size(refp, subp, refp, refp, 512), False)
    check("size: ... but fine when it would not have fit",
          A.accept_size(refp, subp, refp, refp, subp.size + 15), True)
    # NXDOMAIN: the subject kept the SOA the reference dropped
    nx = "nx.example.test."
    refn = msg(nx, "A", "NXDOMAIN")
    subn = msg(nx, "A", "NXDOMAIN", authority=[SOA])
    check("size: subject kept the SOA the reference dropped",
          A.accept_size(refn, subn, subn, subn, 512), True)
    check("size: subject dropped the SOA with room to spare",
          A.accept_size(subn, refn, subn, subn, 512), False)
    # the subject's UDP response carries something not in its TCP response
    subx = msg(nx, "A", "NXDOMAIN", authority=[SOA], additional=["x.example.test. 300 A 192.0.2.9"])
    check("size: UDP has data not in TCP",
          A.accept_size(refn, subx, subn, subn, 512), False)
    # candidate selection (only candidates are re-queried over TCP)
    check_bool("size candidate: subject TC, reference not",
               A.size_candidate("udp", refp, msg("mx.example.test.", "MX", tc=True),
                                [("flags", "+TC", [])]), False)
    check_bool("size candidate: answer differs without TC",
               A.size_candidate("udp", refp, subp, [("answer", "", [])]), False)
    check_bool("size candidate: TCP exchange",
               A.size_candidate("tcp", refp, subp, diffs(refp, subp)), False)
    check_bool("size candidate: additional differs over UDP",
               A.size_candidate("udp", refp, subp, diffs(refp, subp)), True)


def test_min_size():
    k = (b"\x04mail\x07example\x04test\x00", 15, 1, 0)
    rd = b"\x00\x0a" + b"\x04mail\x07example\x04test\x00"
    n = A.min_rrset_size(k, (frozenset([300]), frozenset([rd])))
    check_bool("min size of an MX RR is 2+10+2+2 = 16", n, 16)


if __name__ == "__main__":
    test_yxdomain()
    test_rrsig()
    test_size()
    test_min_size()
    print("%d failures" % len(FAILS))
    sys.exit(1 if FAILS else 0)
