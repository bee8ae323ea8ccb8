#!/usr/bin/python3
"""Accept rules of the differential harness: differences between the reference
(Knot) and the subject (globe) that are deliberate, and why.

compare.py first finds the differences of an exchange, then asks this module
whether they have exactly one of the shapes below.  Everything else stays a
failure.  Each rule checks the whole response pair, not just the signature,
so that a real bug with a similar signature is not hidden.

  size-limited      (UDP only) the two servers fit different subsets of the
                    same full response into the UDP size limit.  Needs the
                    TCP responses of both servers for the same query (the
                    caller fetches them for candidates only, see
                    size_candidate()).
  rfc6672-yxdomain  the name a DNAME produces is longer than 255 octets:
                    subject YXDOMAIN (RFC 6672 section 2.2, as NSD), reference
                    NXDOMAIN + SOA.
  rrsig-query       qtype RRSIG: the subject answers with every RRSIG at the
                    name (as NSD), the reference (Knot) only with some.

Messages are wire.Msg objects parsed with canonical names (lower-cased).
Every accept function returns (True, reason) or (False, why-not); the why-not
text is shown under a failing difference when the shape was close.
"""

import sys

sys.dont_write_bytecode = True      # no __pycache__ in the repo

import wire as W

RULES = ("size-limited", "rfc6672-yxdomain", "rrsig-query")

REASONS = {
    "size-limited": "UDP size limit: each server fit a different subset of the "
                    "identical full (TCP) response; ours compresses better",
    "rfc6672-yxdomain": "RFC 6672 2.2: DNAME substitution longer than 255 octets "
                        "-> YXDOMAIN (as NSD); Knot says NXDOMAIN + SOA",
    "rrsig-query": "qtype RRSIG: all RRSIGs at the name (as NSD); Knot returns "
                   "only some",
}

NOERROR, NXDOMAIN, YXDOMAIN = 0, 3, 6
SOA, CNAME, DNAME, RRSIG, NSEC, NSEC3 = 6, 5, 39, 46, 47, 50
SECTIONS = ("answer", "authority", "additional")


def udp_limit(use_edns, payload):
    """The largest UDP response the query allows (RFC 1035 4.2.1, RFC 6891 6.2.5)."""
    return max(512, payload) if use_edns else 512


def usable(m):
    return m is not None and not isinstance(m, Exception)


def _fields(diffs):
    return {f for f, _s, _l in diffs}


def _sets(m):
    return [W.rrsets(s) for s in m.sections]


def _qname(m):
    return m.question[0][0].lower() if m.question else b""


def _is_suffix(name, parent):
    """True if wire name `parent` is `name` or an ancestor of it (both lower-case)."""
    if len(parent) > len(name):
        return False
    if not name.endswith(parent):
        return False
    # parent must start on a label boundary of name
    off = 0
    while off < len(name):
        if off == len(name) - len(parent):
            return True
        off += name[off] + 1
    return False


def _names_differ(a, b):
    """Field list of everything that differs between two non-truncated messages,
    ignoring TC."""
    out = []
    if a.rcode != b.rcode:
        out.append("rcode %d/%d" % (a.rcode, b.rcode))
    if (a.flags & ~W.TC) != (b.flags & ~W.TC):
        out.append("flags %s/%s" % (" ".join(sorted(a.flag_names() - {"TC"})),
                                    " ".join(sorted(b.flag_names() - {"TC"}))))
    if a.question != b.question:
        out.append("question")
    if (a.opt is None) != (b.opt is None):
        out.append("opt presence")
    for i, (x, y) in enumerate(zip(_sets(a), _sets(b))):
        if x != y:
            only_a = sorted(set(x) - set(y))
            only_b = sorted(set(y) - set(x))
            chg = sorted(k for k in set(x) & set(y) if x[k] != y[k])
            parts = []
            if only_a:
                parts.append("-" + ",".join(_key_text(k) for k in only_a[:4]))
            if only_b:
                parts.append("+" + ",".join(_key_text(k) for k in only_b[:4]))
            if chg:
                parts.append("changed " + ",".join(_key_text(k) for k in chg[:4]))
            out.append("%s %s" % (SECTIONS[i], " ".join(parts)))
    return out


def _type_text(t):
    try:
        import dns.rdatatype
        return dns.rdatatype.to_text(t)
    except Exception:
        return str(t)


def _key_text(k):
    return "%s/%s" % (W.name_text(k[0]), _type_text(k[1]))


def _subset_of(part, full, partial_rrsets):
    """Every RRset of section map `part` is in `full` (identical; with
    partial_rrsets a TC response may carry part of an RRset, same TTLs).
    -> None or the first offending key."""
    for k, (ttls, rds) in part.items():
        f = full.get(k)
        if f is None:
            return k
        if (ttls, rds) == f:
            continue
        if partial_rrsets and ttls <= f[0] and rds <= f[1]:
            continue
        return k
    return None


def _min_rdata_len(rtype, rd):
    """Smallest wire size this (decompressed) rdata can have in a message:
    every embedded name that compression may replace counts as a 2-octet
    pointer (or its own length when shorter)."""
    layout = W.NAME_LAYOUT.get(rtype)
    if layout is None:
        return len(rd)
    if isinstance(layout, str):
        layout = (layout,)
    off = n = 0
    for item in layout:
        if item == "N":
            end = off
            while end < len(rd) and rd[end]:
                end += rd[end] + 1
            end += 1
            n += min(2, end - off)
            off = end
        elif item == "S":
            n += 1 + rd[off]
            off += 1 + rd[off]
        elif item == "*":
            n += len(rd) - off
            off = len(rd)
        else:
            n += item
            off += item
    return n


def min_rrset_size(key, value):
    """Lower bound of the octets an RRset adds to a message (owner names as
    2-octet pointers, rdata names compressed as far as possible)."""
    owner, rtype = key[0], key[1]
    return sum(min(2, len(owner)) + 10 + _min_rdata_len(rtype, rd) for rd in value[1])


def in_domain_glue(m, sets=None):
    """Keys of the additional-section A/AAAA RRsets of a referral (no AA, NS in
    the authority section) whose owner is at or below the delegation point:
    the in-domain glue that RFC 9471 section 3 makes mandatory (TC=1 when it
    does not fit).  Empty for anything that is not a referral."""
    sets = sets or _sets(m)
    if m.flags & W.AA:
        return set()
    cuts = {k[0].lower() for k in sets[1] if k[1] == 2}
    if not cuts:
        return set()
    return {k for k in sets[2] if k[1] in (1, 28)
            and any(_is_suffix(k[0].lower(), c) for c in cuts)}


# --------------------------------------------------------------------------
# 1. size-limited
def size_candidate(transport, ma, mb, diffs):
    """Could this UDP difference be one of space-limited optional data?  Only
    then does the caller re-query both servers over TCP."""
    if transport != "udp" or not (usable(ma) and usable(mb)):
        return False
    f = _fields(diffs)
    if not f <= {"flags", "answer", "authority", "additional"}:
        return False
    if (ma.flags & ~W.TC) != (mb.flags & ~W.TC):
        return False          # a flag other than TC differs
    if ma.rcode != mb.rcode or ma.question != mb.question:
        return False
    if (ma.opt is None) != (mb.opt is None):
        return False
    if mb.flags & W.TC and not ma.flags & W.TC:
        return False          # subject truncates where the reference fit
    if not (ma.flags | mb.flags) & W.TC:
        return "answer" not in f
    # reference TC (the subject's TC, if any, is the same): answers equal, or
    # the reference sent empty sections
    ref_empty = not any(ma.sections)
    return ref_empty or W.rrsets(ma.sections[0]) == W.rrsets(mb.sections[0])


def accept_size(ma, mb, ta, tb, limit):
    """ma/mb: UDP responses (reference/subject), ta/tb: their TCP responses."""
    if not (usable(ta) and usable(tb)):
        return False, "no usable TCP response (reference %r, subject %r)" % (
            "ok" if usable(ta) else ta, "ok" if usable(tb) else tb)
    if (ta.flags | tb.flags) & W.TC:
        return False, "TC set over TCP"
    d = _names_differ(ta, tb)
    if d:
        return False, "TCP responses differ: " + "; ".join(d)
    for name, u, t in (("reference", ma, ta), ("subject", mb, tb)):
        if u.rcode != t.rcode:
            return False, "%s: UDP rcode %d but TCP rcode %d" % (name, u.rcode, t.rcode)
        if (u.flags & ~W.TC) != (t.flags & ~W.TC):
            return False, "%s: UDP and TCP flags differ beyond TC" % name
        us, ts = _sets(u), _sets(t)
        for i in range(3):
            k = _subset_of(us[i], ts[i], bool(u.flags & W.TC))
            if k is not None:
                return False, "%s: UDP %s has %s, which is not in its TCP response" % (
                    name, SECTIONS[i], _key_text(k))
    if mb.size > limit:
        return False, "subject's UDP response is %d bytes > limit %d" % (mb.size, limit)
    if not mb.flags & W.TC:
        us, ts = _sets(mb), _sets(tb)
        # the answer is never optional (RFC 2181 9: TC when it does not fit)
        if us[0] != ts[0]:
            return False, "subject's UDP answer (no TC) is not its full TCP answer"
        if ma.flags & W.TC and us[1] != ts[1]:
            return False, ("reference set TC, subject did not, but the subject's "
                           "authority is not its full TCP authority")
        # a referral without TC has its NS RRset and all of its in-domain
        # glue (RFC 9471 section 3)
        if not tb.flags & W.AA:
            missing = sorted(k for k in ts[1] if k[1] == 2 and k not in us[1])
            if missing:
                return False, "subject's UDP referral lacks %s without TC" % (
                    _key_text(missing[0]))
        missing = sorted(in_domain_glue(tb, ts) - set(us[2]))
        if missing:
            return False, ("subject's UDP referral lacks in-domain glue %s without "
                           "setting TC (RFC 9471)" % ",".join(_key_text(k) for k in missing[:4]))
    # what the reference fit and the subject left out must not fit the
    # subject's response: no optional data dropped while there was room
    ra, rb = _sets(ma), _sets(mb)
    for i in range(3):
        for k in set(ra[i]) - set(rb[i]):
            need = min_rrset_size(k, ra[i][k])
            if mb.size + need <= limit:
                return False, ("subject left out %s %s (>= %d octets) although its "
                               "response has %d octets, limit %d" % (
                                   SECTIONS[i], _key_text(k), need, mb.size, limit))
    if mb.flags & W.TC and not ma.flags & W.TC:
        return False, "subject set TC, reference did not"
    return True, "subject %d bytes <= %d; both are subsets of the identical TCP response%s" % (
        mb.size, limit, "; reference TC, subject fit answer, authority and in-domain glue" if ma.flags & W.TC
        and not mb.flags & W.TC else "")


# --------------------------------------------------------------------------
# 2. rfc6672-yxdomain
def _chain_end(qname, answer):
    """Follow CNAMEs in the answer from qname: -> the last name of the chain."""
    cnames = {}
    for owner, t, _c, _ttl, rd in answer:
        if t == CNAME:
            cnames[owner.lower()] = rd.lower()
    cur, seen = qname, set()
    while cur in cnames and cur not in seen:
        seen.add(cur)
        cur = cnames[cur]
    return cur, cur in cnames


def accept_yxdomain(ma, mb, diffs):
    if not (usable(ma) and usable(mb)):
        return False, "no response"
    if not _fields(diffs) <= {"rcode", "authority"}:
        return False, "differs in more than rcode/authority"
    if (ma.rcode, mb.rcode) != (NXDOMAIN, YXDOMAIN):
        return False, "not reference NXDOMAIN / subject YXDOMAIN"
    if (ma.flags | mb.flags) & W.TC:
        return False, "TC set"
    aa, sa = _sets(ma), _sets(mb)
    if aa[0] != sa[0]:
        return False, "answer sections differ"
    if sa[1]:
        return False, "subject's YXDOMAIN has an authority section"
    # Knot's NXDOMAIN: the SOA; with DO also its RRSIG and the NSEC/NSEC3 proof (with RRSIGs)
    # for the name its substitution gave up on.
    soas = [k for k in aa[1] if k[1] == SOA]
    proof = all(k[1] in (NSEC, NSEC3) or (k[1] == RRSIG and k[3] in (SOA, NSEC, NSEC3))
                for k in aa[1] if k[1] != SOA)
    if len(soas) != 1 or not proof:
        return False, "reference's authority is not just the SOA (and its DNSSEC proof)"
    end, loops = _chain_end(_qname(ma), ma.sections[0])
    if loops:
        return False, "CNAME loop in the answer"
    for owner, t, _c, _ttl, target in ma.sections[0]:
        if t != DNAME:
            continue
        owner, target = owner.lower(), target.lower()
        if owner == end or not _is_suffix(end, owner):
            continue
        soa_owner = soas[0][0].lower()
        if not _is_suffix(owner, soa_owner):
            continue
        newlen = len(end) - len(owner) + len(target)
        if newlen > 255:
            return True, "%d-octet name under DNAME %s (%d octets) -> %d-octet target: " \
                "%d - %d + %d = %d octets > 255" % (
                    len(end), W.name_text(owner), len(owner), len(target),
                    len(end), len(owner), len(target), newlen)
        return False, "DNAME substitution is %d octets, no overflow" % newlen
    return False, "no DNAME above the (chain's) name in the answer"


def yxdomain_truncated_candidate(transport, ma, mb, diffs):
    """Reference NXDOMAIN with TC over UDP (its NXDOMAIN plus DNSSEC proof did not fit), subject
    YXDOMAIN that fit: only the TCP pair can show the RFC 6672 shape."""
    return (transport == "udp" and usable(ma) and usable(mb)
            and (ma.rcode, mb.rcode) == (NXDOMAIN, YXDOMAIN)
            and bool(ma.flags & W.TC) and not mb.flags & W.TC
            and _fields(diffs) <= {"rcode", "flags"})


def accept_yxdomain_truncated(ma, mb, ta, tb, tcp_diffs):
    """ma/mb: UDP responses, ta/tb: TCP responses, tcp_diffs: compare_msgs(ta, tb)."""
    if not (usable(ta) and usable(tb)):
        return False, "no TCP responses"
    if (ta.flags | tb.flags) & W.TC:
        return False, "TC over TCP"
    if ma.flag_names() - {"TC"} != mb.flag_names() or (ma.opt is None) != (mb.opt is None):
        return False, "UDP flags other than TC or OPT presence differ"
    if ma.rcode != ta.rcode or mb.rcode != tb.rcode:
        return False, "UDP and TCP RCODEs differ"
    if _sets(mb) != _sets(tb):
        return False, "subject's UDP response is not its whole (TCP) response"
    ok, why = accept_yxdomain(ta, tb, tcp_diffs)
    if not ok:
        return False, "over TCP: " + why
    return True, "reference TC over UDP; over TCP: " + why


# --------------------------------------------------------------------------
# 3. rrsig-query
def _only_rrsigs_at(section_map, qname):
    return all(k[1] == RRSIG and k[0].lower() == qname for k in section_map)


def accept_rrsig(qtype, transport, ma, mb, diffs, tb, limit):
    """tb: the subject's TCP response (needed only when the subject set TC)."""
    if qtype != RRSIG:
        return False, "qtype is not RRSIG"
    if not (usable(ma) and usable(mb)):
        return False, "no response"
    if ma.rcode != mb.rcode or ma.question != mb.question or \
            (ma.opt is None) != (mb.opt is None):
        return False, "rcode/question/OPT differ"
    if (ma.flags & ~W.TC) != (mb.flags & ~W.TC):
        return False, "flags other than TC differ"
    if ma.flags & W.TC:
        return False, "reference set TC"
    qname = _qname(ma)
    full = mb
    if mb.flags & W.TC:
        if transport != "udp":
            return False, "TC over TCP"
        if not usable(tb) or tb.flags & W.TC or tb.rcode != mb.rcode or \
                (tb.flags & ~W.TC) != (mb.flags & ~W.TC):
            return False, "subject set TC and its TCP response does not match"
        if tb.size <= limit:
            return False, "subject set TC but its full response (%d bytes) fits %d" % (
                tb.size, limit)
        # the truncated response may carry nothing beyond the full one
        for i, s in enumerate(_sets(mb)):
            if _subset_of(s, _sets(tb)[i], True) is not None:
                return False, "subject's TC response has data not in its TCP response"
        full = tb
    ra, rf = _sets(ma), _sets(full)
    if ra[1] != rf[1] or ra[2] != rf[2]:
        return False, "authority/additional differ"
    if not _only_rrsigs_at(rf[0], qname) or not rf[0]:
        return False, "subject's answer is not only RRSIGs at the qname"
    for k, v in ra[0].items():
        if rf[0].get(k) != v:
            return False, "reference's %s is not in the subject's answer" % _key_text(k)
    extra = sorted(set(rf[0]) - set(ra[0]))
    covers = ",".join(_type_text(k[3]) for k in extra)
    return True, "subject adds RRSIG(%s)%s" % (
        covers, "; TC: full answer is %d bytes > %d" % (tb.size, limit)
        if full is tb else "")
