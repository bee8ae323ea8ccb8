#!/usr/bin/python3
"""Differential test for recursive resolvers: a SUBJECT resolver against
Unbound, both iterating from the same root hints over a DNS hierarchy built
on loopback inside a fresh network namespace.

  resdiff.py --auth globe --subject globe              # globe resolver vs Unbound
  resdiff.py --auth nsd --subject unbound              # harness self-test: 0 differences
  resdiff.py --auth knot --subject cmd \\
      --subject-cmd "/path/to/resolver --listen {listen} --root-hints {hints}"

Run as root.  The script creates the namespace `globe-resdiff-<pid>`, brings
its loopback up and runs itself again inside it (`ip netns exec`); when that
run ends, however it ends, it kills every process left in the namespace (by
PID) and deletes the namespace.  Inside, every server listens on its own
127.x.y.z address, port 53 (see hierarchy.py for the map); the reference
Unbound listens on 127.0.0.54, the subject on 127.0.0.53, and the checks start
fresh subjects on 127.0.0.60 and up.

The comparison sends every question of hierarchy.QUERIES to both resolvers,
then all of them again (answers from the cache), and compares the RCODE and
the answer section as a set of RRsets (owner, type, rdata; names
case-insensitive).  TTLs are not compared; each answer TTL must be at most
the TTL the record has in its zone (a DNAME's for a synthesized CNAME).
Every differing question is printed with both answers, then the summary

    resolver-diff: N questions, M differences

Then the checks that go beyond comparison run against fresh subjects:
poisoning (a wrong-ID response and out-of-bailiwick additional records must
not be believed), cache (a repeat causes no upstream query, TTLs count down,
a negative answer is kept until the SOA MINIMUM runs out, not after) and, with
--trace-check, the order of a `dig +trace`.  Summary:

    resolver-checks: K checks, F failed

Exit status: 0 when there is no difference and no failed check, 1 otherwise,
2 on a harness error (a server did not start, or the reference does not
answer the way the hierarchy is built to, which means the test is broken).
"""

import argparse
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import dns.exception      # noqa: E402
import dns.message        # noqa: E402
import dns.name           # noqa: E402
import dns.query          # noqa: E402
import dns.rcode          # noqa: E402
import dns.rdata          # noqa: E402
import dns.rdataclass     # noqa: E402
import dns.rdatatype      # noqa: E402
import dns.zone           # noqa: E402

import hierarchy as H     # noqa: E402
import processes as P     # noqa: E402
import pyauth             # noqa: E402

INNER_ENV = "GLOBE_RESDIFF_NETNS"
NETNS_PREFIX = "globe-resdiff-"
REFERENCE_ADDRESS = "127.0.0.54"
SUBJECT_ADDRESS = "127.0.0.53"
CHECK_ADDRESS_BASE = 60             # fresh subjects for the checks: 127.0.0.60...
EDNS_PAYLOAD = 1232
RETRY_AFTER = 1.5                   # seconds before a stub asks again (Linux: 5, dig: 5; 1.5 keeps runs short)
DEFAULT_GLOBE = os.path.join(REPO, "target", "release", "globe")
DEFAULT_TRACE_CMD = "{globe} dig +trace -p 53 +root-hints={hints} www.example.com"


class HarnessError(Exception):
    """The test itself is broken (not the subject)."""


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--auth", choices=("globe", "nsd", "knot"), default="globe",
                   help="which authoritative server serves the hierarchy (default globe)")
    p.add_argument("--globe", default=DEFAULT_GLOBE,
                   help="the globe binary (default target/release/globe)")
    p.add_argument("--subject", choices=("globe", "unbound", "cmd"), default="globe",
                   help="the resolver under test: globe (`{globe} resolver --listen {listen} "
                        "--root-hints {hints}`), unbound (the reference configuration: a "
                        "self-test) or cmd (--subject-cmd)")
    p.add_argument("--subject-cmd",
                   help="argv template of the subject; {listen} = ADDR:53, {address}, {port}, "
                        "{hints} = root hints file, {dir} = its own directory")
    p.add_argument("--reference", choices=("unbound",), default="unbound")
    p.add_argument("--trace-check", action="store_true",
                   help="also run `globe dig +trace` (--trace-cmd) and check the order of the "
                        "servers it went through")
    p.add_argument("--trace-cmd", default=DEFAULT_TRACE_CMD,
                   help="argv template for the trace check; {globe}, {hints}, {resolver} (the "
                        "address of an Unbound started for it) (default %(default)r)")
    p.add_argument("--no-checks", action="store_true",
                   help="no poisoning and cache checks (--trace-check still runs if given)")
    p.add_argument("--no-compare", action="store_true", help="only the checks")
    p.add_argument("--check-reference", action="store_true",
                   help="run the checks against the reference too (tests the checks)")
    p.add_argument("--only", metavar="SUBSTR", help="only questions whose name contains SUBSTR")
    p.add_argument("--timeout", type=float, default=8.0,
                   help="seconds to wait for a resolver's answer (default 8)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (zones, configs, logs)")
    a = p.parse_args(argv)
    if a.subject == "cmd" and not a.subject_cmd:
        p.error("--subject cmd needs --subject-cmd")
    a.globe = os.path.abspath(a.globe)      # the auth servers run in their own directories
    if a.subject == "globe":
        a.subject_cmd = "%s resolver --listen {listen} --root-hints {hints}" % a.globe
    return a


# --------------------------------------------------------------------------
# the namespace wrapper (outside)

def outer(argv):
    """Create the namespace, run the harness inside it, always clean up."""
    if os.geteuid() != 0:
        print("resdiff: needs root (ip netns)", file=sys.stderr)
        return 2
    if shutil.which("ip") is None:
        print("resdiff: `ip` (iproute2) not found", file=sys.stderr)
        return 2
    netns = "%s%d" % (NETNS_PREFIX, os.getpid())
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    child = None
    rc = 2
    try:
        _clean_stale_namespaces()
        subprocess.run(["ip", "netns", "add", netns], check=True)
        subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)
        env = dict(os.environ, **{INNER_ENV: netns})
        child = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable,
                                  os.path.abspath(__file__)] + argv, env=env,
                                 preexec_fn=P._child_setup)
        rc = child.wait()
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 2
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)          # by PID
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    except subprocess.CalledProcessError as e:
        print("resdiff: %s" % e, file=sys.stderr)
        rc = 2
    finally:
        _clean_namespace(netns)
    return rc


def _clean_stale_namespaces():
    """Remove the namespaces of earlier runs that were killed before they
    could clean up (their harness PID, in the name, is gone)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        suffix = name[len(NETNS_PREFIX):]
        if name.startswith(NETNS_PREFIX) and suffix.isdigit() and \
                not os.path.exists("/proc/%s" % suffix):
            print("resdiff: removing stale namespace %s" % name, file=sys.stderr)
            _clean_namespace(name)


def _namespace_pids(netns):
    r = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
    return [int(x) for x in r.stdout.split() if x.isdigit()]


def _clean_namespace(netns):
    """Kill what is left in NETNS (all of it was started by this run), by PID,
    and delete the namespace."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    if netns not in [line.split()[0] for line in listing.splitlines() if line.split()]:
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        pids = _namespace_pids(netns)
        if not pids:
            break
        print("resdiff: %s %d leftover process(es) in %s: %s"
              % ("terminating" if sig == signal.SIGTERM else "killing", len(pids), netns,
                 " ".join(map(str, pids))), file=sys.stderr)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _namespace_pids(netns):
            time.sleep(0.05)
    subprocess.run(["ip", "netns", "del", netns])


# --------------------------------------------------------------------------
# asking a resolver

class Answer:
    """What a resolver said: RCODE and answer RRsets, or a timeout."""

    def __init__(self, message=None, error=None, tcp=False):
        self.message = message
        self.error = error
        self.tcp = tcp
        self.rcode = dns.rcode.to_text(message.rcode()) if message is not None else error
        # (owner lower-case, type text) -> (ttl, frozenset of canonical rdata, [rdata])
        self.rrsets = {}
        if message is not None:
            for rrset in message.answer:
                key = (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype))
                old = self.rrsets.get(key)
                rdatas = list(rrset) + (old[2] if old else [])
                ttl = max(rrset.ttl, old[0]) if old else rrset.ttl
                self.rrsets[key] = (ttl, frozenset(_canonical(rd) for rd in rdatas), rdatas)

    def same(self, other):
        if self.rcode != other.rcode:
            return False
        if set(self.rrsets) != set(other.rrsets):
            return False
        return all(self.rrsets[k][1] == other.rrsets[k][1] for k in self.rrsets)

    def addresses(self):
        return {rd.address for (n, t), (_, _, rds) in self.rrsets.items() if t == "A"
                for rd in rds}

    def ttl(self, owner, rtype):
        v = self.rrsets.get((owner.lower(), rtype))
        return v[0] if v else None

    def lines(self):
        if self.message is None:
            return ["(%s)" % self.error]
        out = ["%s%s" % (self.rcode, " (over TCP)" if self.tcp else "")]
        for (name, rtype), (ttl, _, rds) in sorted(self.rrsets.items()):
            for rd in sorted(rds, key=lambda r: r.to_text()):
                text = rd.to_text()
                if len(text) > 70:
                    text = text[:67] + "..."
                out.append("%s %d %s %s" % (name, ttl, rtype, text))
        if len(out) == 1:
            out.append("(no answer records)")
        return out


def _canonical(rd):
    # RFC 4034 6.2 canonical form: names inside rdata lower-cased (for the
    # types that have them), no compression.
    return (rd.rdtype, rd.to_digestable())


def ask(address, qname, qtype, timeout):
    """Ask like a stub: UDP (TCP after TC), asking again every RETRY_AFTER
    seconds until TIMEOUT.  A resolver may drop a client's question it took
    long to answer, expecting the retry (Unbound's discard-timeout, 1.9 s)."""
    q = dns.message.make_query(qname, qtype, use_edns=0, payload=EDNS_PAYLOAD)  # RD=1
    started = time.monotonic()
    deadline = started + timeout
    answer = None
    while answer is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            answer = Answer(error="TIMEOUT after %.1f s" % timeout)
            break
        q.id = random.randint(0, 0xFFFF)
        try:
            r, tcp = dns.query.udp_with_fallback(q, address, port=P.PORT,
                                                 timeout=min(RETRY_AFTER, remaining))
            answer = Answer(r, tcp=tcp)
        except dns.exception.Timeout:
            continue
        except (OSError, dns.exception.DNSException) as e:
            answer = Answer(error="ERROR %s" % e.__class__.__name__)
    answer.seconds = time.monotonic() - started
    return answer


# --------------------------------------------------------------------------
# what the zones say: the TTL bound and the expected answers

class ZoneData:
    """Authoritative data of every zone (no glue, no delegation NS)."""

    def __init__(self):
        self.ttls = {}              # (owner lower, type) -> max TTL in any zone
        self.dnames = []            # (owner name, ttl)
        for origin in H.ZONES:
            zone = dns.zone.from_text(H.zone_text(origin), origin=origin, relativize=False)
            cuts = [n for n, node in zone.nodes.items()
                    if n != zone.origin and node.get_rdataset(dns.rdataclass.IN,
                                                              dns.rdatatype.NS)]
            for name, node in zone.nodes.items():
                if any(name.is_subdomain(c) for c in cuts):
                    continue                            # delegation NS or glue
                for rds in node.rdatasets:
                    key = (name.to_text().lower(), dns.rdatatype.to_text(rds.rdtype))
                    self.ttls[key] = max(self.ttls.get(key, 0), rds.ttl)
                    if rds.rdtype == dns.rdatatype.DNAME:
                        self.dnames.append((name, rds.ttl))

    def ttl_bound(self, owner, rtype):
        t = self.ttls.get((owner, rtype))
        if t is not None:
            return t
        if rtype == "CNAME":                            # synthesized from a DNAME?
            name = dns.name.from_text(owner)
            for dname, ttl in self.dnames:
                if name.is_subdomain(dname) and name != dname:
                    return ttl
        return None

    def ttl_problems(self, answer):
        out = []
        for (owner, rtype), (ttl, _, _) in answer.rrsets.items():
            bound = self.ttl_bound(owner, rtype)
            if bound is None:
                out.append("%s %s is in no zone" % (owner, rtype))
            elif ttl > bound:
                out.append("%s %s TTL %d > zone TTL %d" % (owner, rtype, ttl, bound))
        return out


def expectation_problems(q, answer):
    """How ANSWER falls short of what the hierarchy is built to answer to Q."""
    out = []
    if answer.rcode != q.rcode:
        out.append("rcode %s, built for %s" % (answer.rcode, q.rcode))
    for want in q.contains:
        parts = want.split(None, 2)
        owner, rtype = parts[0].lower(), parts[1]
        got = answer.rrsets.get((owner, rtype))
        if got is None:
            out.append("no %s %s" % (owner, rtype))
        elif len(parts) == 3:
            rd = dns.rdata.from_text("IN", rtype, parts[2])
            if _canonical(rd) not in got[1]:
                out.append("no %s" % want)
    if q.empty and answer.rrsets:
        out.append("answer records where none were expected")
    return out


# --------------------------------------------------------------------------
# the run (inside the namespace)

class Run:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="globe-resdiff-", dir="/tmp")
        self.zone_paths, self.hints = H.write(os.path.join(self.dir, "zones"))
        self.zones = ZoneData()
        self.auth = []
        self.python = []
        self.resolvers = []
        self.next_check_address = CHECK_ADDRESS_BASE

    # -- servers ----------------------------------------------------------
    def start_authorities(self):
        a = self.args
        if a.auth == "globe" and not os.access(a.globe, os.X_OK):
            raise HarnessError("globe binary %s not found (cargo build --release -p globe)"
                               % a.globe)
        self.blackholes = [pyauth.Blackhole(H.BLACKHOLE).start()]
        self.evil = pyauth.EvilAuthority(H.EVIL, "evil.com.", H.zone_text("evil.com."),
                                         H.POISON, H.POISON_WRONG_ID).start()
        self.counter = pyauth.Authority(H.COUNT, "count.com.", H.zone_text("count.com.")).start()
        self.python = self.blackholes + [self.evil, self.counter]
        for address, origins in H.AUTH_SERVERS.items():
            server = P.AuthServer(a.auth, address, {o: self.zone_paths[o] for o in origins},
                                  os.path.join(self.dir, "auth-%s" % address), globe=a.globe)
            self.auth.append(server.start())
        deadline = time.monotonic() + P.Process.start_timeout
        for server in self.auth:
            server.wait(deadline)

    def start_resolver(self, role, kind, address):
        cmd = self.args.subject_cmd if kind == "cmd" else None
        r = P.make_resolver(kind, address, self.hints,
                            os.path.join(self.dir, "%s-%s" % (role, address)), cmd=cmd)
        r.role = role
        self.resolvers.append(r)
        r.start()
        try:
            r.wait(time.monotonic() + P.Process.start_timeout)
        except RuntimeError as e:
            raise HarnessError(str(e))
        return r

    def subject_kind(self):
        return "unbound" if self.args.subject == "unbound" else "cmd"

    def fresh_subject(self, role="subject"):
        address = "127.0.0.%d" % self.next_check_address
        self.next_check_address += 1
        kind = self.subject_kind() if role == "subject" else self.args.reference
        return self.start_resolver("%s-check" % role, kind, address)

    def stop_resolver(self, r):
        r.stop()
        if r in self.resolvers:
            self.resolvers.remove(r)

    def upstream_total(self):
        """Queries received by every authoritative server that can count them
        (the Python ones always, globe auth through its metrics)."""
        total = sum(s.received for s in self.python)
        for server in self.auth:
            n = server.queries_answered()
            if n is not None:
                total += n
        return total

    def counts_everywhere(self):
        return self.args.auth == "globe"

    def close(self):
        for r in list(self.resolvers):
            r.stop()
        for s in self.auth:
            s.stop()
        for s in self.python:
            s.stop()
        P.stop_all()
        if self.args.keep:
            print("resdiff: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- the comparison ----------------------------------------------------
    def compare(self):
        a = self.args
        reference = self.start_resolver("reference", a.reference, REFERENCE_ADDRESS)
        subject = self.start_resolver("subject", self.subject_kind(), SUBJECT_ADDRESS)
        print("resdiff: reference %s, subject %s (%s)"
              % (reference.describe(), subject.describe(), " ".join(subject.argv)))
        queries = [q for q in H.QUERIES if not a.only or a.only in q.qname]
        questions = 0
        differences = []
        broken = []
        started = time.monotonic()
        # Asked one resolver after the other, so that the queries reaching
        # the never-answering servers can be told apart (coverage line).
        blackholed = {"reference": 0, "subject": 0}
        slowest = {"reference": [], "subject": []}

        def ask_counting(role, resolver, q):
            before = sum(b.received for b in self.blackholes)
            answer = ask(resolver.address, q.qname, q.qtype, a.timeout)
            blackholed[role] += sum(b.received for b in self.blackholes) - before
            slowest[role].append((answer.seconds, q.qname, q.qtype))
            return answer

        for run_pass in (1, 2):
            for q in queries:
                ra = ask_counting("reference", reference, q)
                sa = ask_counting("subject", subject, q)
                questions += 1
                problems = expectation_problems(q, ra)
                if problems:
                    broken.append((q, run_pass, ra, problems))
                why = []
                if ra.rcode != sa.rcode:
                    why.append("rcode %s != %s" % (ra.rcode, sa.rcode))
                if not ra.same(sa) and ra.rcode == sa.rcode:
                    why.append("answer differs")
                why += ["reference: %s" % p for p in self.zones.ttl_problems(ra)]
                why += ["subject: %s" % p for p in self.zones.ttl_problems(sa)]
                if why:
                    differences.append((q, run_pass, ra, sa, why))
        self.stop_resolver(subject)
        self.stop_resolver(reference)

        for q, run_pass, ra, sa, why in differences:
            print("\nDIFF %s %s  [%s] (%s)" % (q.qname, q.qtype, q.features,
                                                "first ask" if run_pass == 1 else "repeat"))
            print("  why: %s" % "; ".join(why))
            print("  reference:")
            for line in ra.lines():
                print("    " + line)
            print("  subject:")
            for line in sa.lines():
                print("    " + line)
        print("\ncoverage: queries to the never-answering servers: reference %d, subject %d"
              "%s" % (blackholed["reference"], blackholed["subject"],
                      "" if blackholed["subject"] else
                      " (the subject picked the working server first: not exercised this run)"))
        for role in ("reference", "subject"):
            print("slowest (%s): %s" % (role, ", ".join(
                "%s %s %.2f s" % (n, t, sec) for sec, n, t in sorted(slowest[role])[-3:][::-1])))
        print("resolver-diff: %d questions, %d differences (%.1f s)"
              % (questions, len(differences), time.monotonic() - started))
        if broken:
            print("\nresdiff: HARNESS ERROR: the reference does not answer as the hierarchy "
                  "is built to:")
            for q, run_pass, ra, problems in broken:
                print("  %s %s (pass %d): %s" % (q.qname, q.qtype, run_pass, "; ".join(problems)))
                for line in ra.lines():
                    print("    " + line)
            raise HarnessError("hierarchy broken")
        return len(differences)

    # -- the checks ---------------------------------------------------------
    def checks(self, role):
        """Run every check against fresh resolvers of ROLE; return the failures."""
        names = [] if self.args.no_checks else ["poisoning", "cache"]
        if self.args.trace_check and role == "subject":       # no resolver involved: once
            names.append("trace")
        failed = 0
        for name in names:
            started = time.monotonic()
            try:
                notes = getattr(self, "check_" + name)(role)
                print("check %-10s %-9s ok (%.1f s)%s" % (name, role, time.monotonic() - started,
                                                        "".join("\n    " + n for n in notes)))
            except CheckFailed as e:
                failed += 1
                print("check %-10s %-9s FAILED: %s" % (name, role, e))
        return len(names), failed

    def check_poisoning(self, role):
        """Wrong-ID responses and out-of-bailiwick records must not be believed."""
        notes = []
        r = self.fresh_subject(role)
        try:
            t = self.args.timeout
            evil = ask(r.address, "www.evil.com.", "A", t)
            expect(evil.rcode == "NOERROR", "www.evil.com A: %s" % " | ".join(evil.lines()))
            got = evil.addresses()
            expect(H.POISON_WRONG_ID not in got,
                   "took the wrong-ID response: www.evil.com A %s" % sorted(got))
            expect(got == {"127.0.7.10"}, "www.evil.com A %s, want 127.0.7.10" % sorted(got))
            if self.evil.wrong_id_sent == 0:
                notes.append("note: the subject asked evil.com over TCP only; no wrong-ID "
                             "response was sent")
            for name, want in (("ns1.example.com.", H.EXAMPLE_COM),
                               ("ns.example.net.", H.EXAMPLE_NET),
                               ("www.example.com.", "127.10.0.1")):
                ans = ask(r.address, name, "A", t)
                got = ans.addresses()
                expect(H.POISON not in got, "poisoned: %s A %s (planted by evil.com)"
                       % (name, sorted(got)))
                expect(want in got, "%s A: %s, want %s" % (name, " | ".join(ans.lines()), want))
            expect(not self.evil.victim_questions,
                   "asked evil.com's server about %s: it believed `example.com NS ns.evil.com`"
                   % self.evil.victim_questions)
            notes.append("wrong-ID responses sent %d; no 127.6.6.6 or 127.6.6.7 believed"
                         % self.evil.wrong_id_sent)
        finally:
            self.stop_resolver(r)
        return notes

    def check_cache(self, role):
        """A repeat is answered from the cache (no upstream query), TTLs count
        down, a negative answer lives for exactly the SOA MINIMUM."""
        notes = []
        r = self.fresh_subject(role)
        c = self.counter
        t = self.args.timeout
        positive, negative = "ttl.count.com.", "nx.count.com."
        try:
            t0 = time.monotonic()
            first = ask(r.address, positive, "A", t)
            expect(first.rcode == "NOERROR" and first.ttl(positive, "A") is not None,
                   "%s A: %s" % (positive, " | ".join(first.lines())))
            ttl0 = first.ttl(positive, "A")
            expect(ttl0 <= H.COUNT_POSITIVE_TTL, "TTL %d > zone TTL %d"
                   % (ttl0, H.COUNT_POSITIVE_TTL))
            neg = ask(r.address, negative, "A", t)
            t_negative = time.monotonic()
            expect(neg.rcode == "NXDOMAIN", "%s A: %s" % (negative, " | ".join(neg.lines())))
            expect(c.count(positive) >= 1 and c.count(negative) >= 1,
                   "the first questions did not reach count.com's server (%s)" % c.snapshot())

            time.sleep(0.5)              # let any background fetch of the first asks end
            before_p, before_n = c.count(positive), c.count(negative)
            before_all = self.upstream_total()
            again = ask(r.address, positive, "A", t)
            again_n = ask(r.address, negative, "A", t)
            expect(again.same(first), "repeat of %s A differs: %s" % (positive,
                                                                     " | ".join(again.lines())))
            expect(again_n.rcode == "NXDOMAIN", "repeat of %s A: %s"
                   % (negative, " | ".join(again_n.lines())))
            expect(c.count(positive) == before_p,
                   "repeat of %s A went upstream (%d more queries)"
                   % (positive, c.count(positive) - before_p))
            expect(c.count(negative) == before_n,
                   "repeat of %s A within the negative TTL went upstream" % negative)
            after_all = self.upstream_total()
            expect(after_all == before_all, "the repeats caused %d upstream queries"
                   % (after_all - before_all))
            notes.append("repeat: 0 upstream queries (%s)"
                         % ("counted on every authoritative server"
                            if self.counts_everywhere() else
                            "counted on the Python servers; NSD/Knot do not count"))

            _sleep_until(t0 + 2.2)
            later = ask(r.address, positive, "A", t)
            ttl2 = later.ttl(positive, "A")
            elapsed = time.monotonic() - t0
            expect(ttl2 is not None, "%s A after 2 s: %s" % (positive, " | ".join(later.lines())))
            expect(ttl0 - elapsed - 1.5 <= ttl2 <= ttl0 - elapsed + 1.5 and ttl2 < ttl0,
                   "TTL %d then %d after %.1f s: not counted down" % (ttl0, ttl2, elapsed))
            expect(c.count(positive) == before_p, "%s A went upstream after 2 s" % positive)
            notes.append("TTL %d, %.1f s later %d" % (ttl0, elapsed, ttl2))
            within = ask(r.address, negative, "A", t)
            expect(within.rcode == "NXDOMAIN" and c.count(negative) == before_n,
                   "%s A %.1f s after the NXDOMAIN (negative TTL %d): %s, %d upstream"
                   % (negative, time.monotonic() - t_negative, H.COUNT_NEGATIVE_TTL,
                      within.rcode, c.count(negative) - before_n))

            _sleep_until(t_negative + H.COUNT_NEGATIVE_TTL + 1.0)
            expired = ask(r.address, negative, "A", t)
            expect(expired.rcode == "NXDOMAIN", "%s A after the negative TTL: %s"
                   % (negative, " | ".join(expired.lines())))
            expect(c.count(negative) > before_n,
                   "%s A %.1f s after the NXDOMAIN (negative TTL %d s) did not go upstream"
                   % (negative, time.monotonic() - t_negative, H.COUNT_NEGATIVE_TTL))
            notes.append("NXDOMAIN cached within %d s, asked again after" % H.COUNT_NEGATIVE_TTL)
        finally:
            self.stop_resolver(r)
        return notes

    def check_trace(self, role):
        """`dig +trace` goes root -> com -> example.com, in that order."""
        values = {"globe": self.args.globe, "hints": self.hints}
        helper = None
        if "{resolver}" in self.args.trace_cmd:
            # for tools that look NS addresses up through a resolver (BIND's dig)
            helper = self.fresh_subject("reference")
            values["resolver"] = helper.address
        argv = []
        for tok in shlex.split(self.args.trace_cmd):
            for k, v in values.items():
                tok = tok.replace("{%s}" % k, v)
            argv.append(tok)
        try:
            return self._trace(argv)
        finally:
            if helper is not None:
                self.stop_resolver(helper)

    def _trace(self, argv):
        if not os.access(argv[0], os.X_OK) and shutil.which(argv[0]) is None:
            raise CheckFailed("%s not found" % argv[0])
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                                 preexec_fn=P._child_setup)
        except subprocess.TimeoutExpired:
            raise CheckFailed("%s took more than 30 s" % " ".join(argv))
        text = out.stdout
        with open(os.path.join(self.dir, "trace.txt"), "w") as f:      # for --keep
            f.write("$ %s\n%s%s" % (" ".join(argv), text, out.stderr))
        expect(out.returncode == 0, "%s exited %d: %s%s" % (" ".join(argv), out.returncode,
                                                            out.stderr[-500:], text[-500:]))
        # The delegations as the trace prints them, then the answer.
        steps = [("root NS", r"^\.\s+\d+\s+(IN\s+)?NS\s"),
                 ("com NS", r"^com\.\s+\d+\s+(IN\s+)?NS\s"),
                 ("example.com NS", r"^example\.com\.\s+\d+\s+(IN\s+)?NS\s"),
                 ("answer", r"^www\.example\.com\.\s+\d+\s+(IN\s+)?CNAME\s+web\.example\.net\.")]
        positions = []
        for label, pattern in steps:
            m = re.search(pattern, text, re.M | re.I)
            expect(m is not None, "no %s line in the trace:\n%s" % (label, text))
            positions.append((m.start(), label))
        expect(positions == sorted(positions),
               "out of order: %s\n%s" % (" < ".join(l for _, l in sorted(positions)), text))
        # The servers it got them from, where it names them: root, then com, then example.com.
        firsts = []
        for label, addresses, names in H.TRACE_STEPS:
            hits = [m.start() for a in addresses
                    for m in re.finditer(r"(?<![\d.])%s(?![\d])" % re.escape(a), text)]
            firsts.append((min(hits) if hits else None, label))
        named = [f for f in firsts if f[0] is not None]
        expect(len(named) in (0, len(firsts)),
               "the trace names servers of %s but not of %s"
               % ([l for p, l in firsts if p is not None], [l for p, l in firsts if p is None]))
        if named:
            expect(named == sorted(named), "servers out of order: %s"
                   % " < ".join(l for _, l in sorted(named)))
        return ["%s; servers %s" % (" < ".join(l for _, l in positions),
                                   "named in order root < com < example.com" if named
                                   else "not named")]


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def _sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def inner(args):
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    started = time.monotonic()
    run = Run(args)
    try:
        run.start_authorities()
        print("resdiff: %d authoritative servers (%s) and %d Python ones in netns %s, "
              "zones in %s" % (len(run.auth), args.auth, len(run.python), os.environ.get(INNER_ENV),
                               run.dir))
        differences = 0
        if not args.no_compare:
            differences = run.compare()
        total = failed = 0
        if not args.no_checks or args.trace_check:
            roles = ["subject"] + (["reference"] if args.check_reference else [])
            for role in roles:
                n, f = run.checks(role)
                total += n
                failed += f
            print("resolver-checks: %d checks, %d failed" % (total, failed))
        print("resdiff: %.1f s" % (time.monotonic() - started))
        return 1 if differences or failed else 0
    except (HarnessError, RuntimeError) as e:
        print("resdiff: HARNESS ERROR: %s" % e, file=sys.stderr)
        return 2
    finally:
        run.close()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    netns = os.environ.get(INNER_ENV)
    if not netns or not netns.startswith(NETNS_PREFIX):
        return outer(argv)
    return inner(args)


if __name__ == "__main__":
    sys.exit(main())
