#!/usr/bin/python3
"""Start and stop the server processes of the resolver differential test:
authoritative servers (globe auth, NSD or Knot), one per address, and
resolvers (Unbound, or any command).

They run inside the harness's network namespace on fixed loopback addresses,
port 53.  Each is a direct child, started with PR_SET_PDEATHSIG (it dies with
the harness), and stopped by its PID only: SIGTERM, then SIGKILL after a
grace period.  `stop_all()` stops whatever is still running; the harness
calls it from `finally` and from atexit.  No pkill/killall.

The configurations follow the anchors in /work/shared/anchors
(`unbound.conf.in`, `nsd.conf.in`, `knot.conf.in`), with the addresses and
directories of this run filled in.
"""

import atexit
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "differential"))

import dns.exception      # noqa: E402
import dns.message        # noqa: E402
import dns.query          # noqa: E402
import dns.rcode          # noqa: E402
import dns.rdatatype      # noqa: E402

# The differential harness's helpers: PR_SET_PDEATHSIG in the child, reading
# and trimming the anchor configurations.
from servers import _child_setup, _anchor, _strip_comments   # noqa: E402

UNBOUND = os.environ.get("UNBOUND", "/usr/sbin/unbound")
NSD = os.environ.get("NSD", "/usr/sbin/nsd")
KNOTD = os.environ.get("KNOTD", "/usr/sbin/knotd")
PORT = 53
# Unbound's log level (the anchor's is 0); raise it to see why it answered as it did.
UNBOUND_VERBOSITY = int(os.environ.get("GLOBE_RESDIFF_UNBOUND_VERBOSITY", "0"))
METRICS_PORT = 9153

_RUNNING = []


def stop_all():
    for p in list(_RUNNING):
        try:
            p.stop()
        except Exception as e:       # best effort at exit
            print("warning: stopping %s failed: %s" % (p.name, e), file=sys.stderr)


atexit.register(stop_all)


class Process:
    """One server process in its own directory, listening on ADDRESS:53."""

    start_timeout = 20.0

    def __init__(self, name, address, directory):
        self.name = name
        self.address = address
        self.port = PORT
        self.dir = directory
        self.proc = None
        self.argv = None
        os.makedirs(directory, exist_ok=True)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def launch(self, argv, cwd=None):
        self.argv = argv
        out = open(os.path.join(self.dir, "stdout.log"), "wb")
        err = open(os.path.join(self.dir, "stderr.log"), "wb")
        try:
            self.proc = subprocess.Popen(argv, cwd=cwd or self.dir, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err,
                                         preexec_fn=_child_setup, close_fds=True)
        finally:
            out.close()
            err.close()
        _RUNNING.append(self)
        return self

    def log_tail(self, n=20):
        out = []
        for fn in ("stdout.log", "stderr.log", "nsd.log"):
            p = os.path.join(self.dir, fn)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    lines = f.read().splitlines()[-n:]
                if lines:
                    out.append("--- %s %s ---" % (self.name, fn))
                    out.extend(lines)
        return "\n".join(out)

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError("%s (argv %s) exited with status %s\n%s"
                               % (self.name, " ".join(self.argv), self.proc.returncode,
                                  self.log_tail()))

    def wait_ready(self, probe, deadline):
        """Wait until PROBE() is true; raise when the process dies or time runs out."""
        while True:
            self.check_alive()
            if probe():
                return
            if time.monotonic() > deadline:
                raise RuntimeError("%s (argv %s) not ready in time\n%s"
                                   % (self.name, " ".join(self.argv), self.log_tail()))
            time.sleep(0.05)

    def stop(self, grace=5.0):
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)        # our own child, by PID
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                p.kill()                             # SIGKILL, same PID
                p.wait(timeout=grace)
            except ProcessLookupError:
                pass
        if self in _RUNNING:
            _RUNNING.remove(self)

    def describe(self):
        return "%s pid %s on %s:%d" % (self.name, self.pid, self.address, self.port)


def _soa_answered(address, origin):
    q = dns.message.make_query(origin, dns.rdatatype.SOA)
    q.flags = 0
    try:
        r = dns.query.udp(q, address, port=PORT, timeout=0.3)
    except (dns.exception.Timeout, OSError):
        return False
    return r.rcode() == dns.rcode.NOERROR and bool(r.answer)


# --------------------------------------------------------------------------
# authoritative servers

class AuthServer(Process):
    """An authoritative server for ORIGINS (origin -> zone file) on ADDRESS."""

    def __init__(self, kind, address, zones, directory, globe=None):
        super().__init__("%s@%s" % (kind, address), address, directory)
        self.kind = kind
        self.globe = globe
        self.metrics = None
        # each server reads its own copy of the zone files
        self.zones = {}
        for origin, src in zones.items():
            dst = os.path.join(directory, os.path.basename(src))
            shutil.copyfile(src, dst)
            self.zones[origin] = dst

    def start(self):
        argv = getattr(self, "_argv_" + self.kind)()
        return self.launch(argv)

    def wait(self, deadline):
        for origin in self.zones:
            self.wait_ready(lambda: _soa_answered(self.address, origin), deadline)

    def _argv_globe(self):
        argv = [self.globe, "auth", "--listen", "%s:%d" % (self.address, PORT),
                "--no-rrl", "--threads", "1",
                "--control", os.path.join(self.dir, "globe.sock"),
                "--metrics", "%s:%d" % (self.address, METRICS_PORT)]
        self.metrics = (self.address, METRICS_PORT)
        for origin, path in self.zones.items():
            argv += ["--zone", "%s=%s" % (origin, path)]
        return argv

    def _argv_nsd(self):
        anchor = _anchor("nsd.conf.in")
        if anchor is None:
            raise RuntimeError("anchor nsd.conf.in not found")
        head = _strip_comments(anchor.split("\nzone:")[0])
        head = head.replace("@DIR@", self.dir).replace("@PORT@", str(PORT))
        lines = []
        for line in head.splitlines():
            if line.strip().startswith("ip-address:"):
                line = line.split("ip-address:")[0] + "ip-address: %s@%d" % (self.address, PORT)
            lines.append(line)
        text = "\n".join(lines) + "\n"
        for origin, path in self.zones.items():
            text += 'zone:\n    name: "%s"\n    zonefile: "%s"\n' % (origin, path)
        conf = os.path.join(self.dir, "nsd.conf")
        with open(conf, "w") as f:
            f.write(text)
        return [NSD, "-d", "-c", conf]

    def _argv_knot(self):
        anchor = _anchor("knot.conf.in")
        if anchor is None:
            raise RuntimeError("anchor knot.conf.in not found")
        head = _strip_comments(anchor.split("\nzone:")[0])
        head = head.replace("@DIR@", self.dir).replace("@PORT@", str(PORT))
        lines = []
        for line in head.splitlines():
            if line.strip().startswith("listen:"):
                line = line.split("listen:")[0] + "listen: %s@%d" % (self.address, PORT)
            lines.append(line)
        text = "\n".join(lines) + "\nzone:\n"
        for origin, path in self.zones.items():
            text += '  - domain: "%s"\n    storage: "%s"\n    file: "%s"\n' % (
                origin, os.path.dirname(path), os.path.basename(path))
        conf = os.path.join(self.dir, "knot.conf")
        with open(conf, "w") as f:
            f.write(text)
        return [KNOTD, "-c", conf, "-s", os.path.join(self.dir, "knot.sock")]

    def queries_answered(self):
        """Total of globe_auth_queries_total (globe only; None otherwise)."""
        if self.metrics is None:
            return None
        import urllib.request
        url = "http://%s:%d/metrics" % self.metrics
        with urllib.request.urlopen(url, timeout=2) as f:
            text = f.read().decode()
        total = 0
        for line in text.splitlines():
            if line.startswith("globe_auth_queries_total"):
                total += int(float(line.rsplit(None, 1)[1]))
        return total


# --------------------------------------------------------------------------
# resolvers

class Resolver(Process):
    """A recursive resolver on ADDRESS:53 iterating from HINTS."""

    def __init__(self, name, address, hints, directory):
        super().__init__(name, address, directory)
        self.hints = hints

    def wait(self, deadline):
        # Ready when it answers anything (any RCODE) to a priming-like query.
        def probe():
            q = dns.message.make_query(".", dns.rdatatype.NS)
            try:
                dns.query.udp(q, self.address, port=PORT, timeout=0.5)
                return True
            except (dns.exception.Timeout, OSError):
                return False
        self.wait_ready(probe, deadline)


def unbound_config(address, hints, directory):
    """The anchor's Unbound configuration for ADDRESS:53 and HINTS."""
    anchor = _anchor("unbound.conf.in")
    if anchor is None:
        raise RuntimeError("anchor unbound.conf.in not found")
    text = _strip_comments(anchor)
    text = text.replace("@HINTS@", hints).replace("@PORT@", str(PORT))
    out = []
    for line in text.splitlines():
        if line.strip().startswith("interface:"):
            line = line.split("interface:")[0] + "interface: %s@%d" % (address, PORT)
        if line.strip().startswith("verbosity:"):
            continue                      # set below (GLOBE_RESDIFF_UNBOUND_VERBOSITY)
        out.append(line)
        if line.strip() == "server:":
            # Only where files go and where logs go (stderr) are added to the
            # anchor; QNAME minimisation is Unbound's default, stated here.
            out += ['    directory: "%s"' % directory,
                    "    verbosity: %d" % UNBOUND_VERBOSITY,
                    '    logfile: ""',
                    "    use-syslog: no",
                    "    qname-minimisation: yes"]
    return "\n".join(out) + "\n"


class UnboundResolver(Resolver):
    def start(self):
        conf = os.path.join(self.dir, "unbound.conf")
        with open(conf, "w") as f:
            f.write(unbound_config(self.address, self.hints, self.dir))
        return self.launch([UNBOUND, "-d", "-c", conf])


class CmdResolver(Resolver):
    """Any command; placeholders {listen} (ADDR:53), {address}, {port}, {hints}, {dir}."""

    def __init__(self, name, template, address, hints, directory):
        super().__init__(name, address, hints, directory)
        self.template = template

    def start(self):
        values = {"listen": "%s:%d" % (self.address, PORT), "address": self.address,
                  "port": str(PORT), "hints": self.hints, "dir": self.dir}
        argv = []
        for tok in shlex.split(self.template):
            for k, v in values.items():
                tok = tok.replace("{%s}" % k, v)
            argv.append(tok)
        # relative paths (target/release/globe) are relative to where the
        # harness was started
        return self.launch(argv, cwd=os.getcwd())


def make_resolver(kind, address, hints, directory, cmd=None):
    if kind == "unbound":
        return UnboundResolver("unbound@%s" % address, address, hints, directory)
    if kind == "cmd":
        if not cmd:
            raise ValueError("--subject cmd needs --subject-cmd")
        return CmdResolver("cmd@%s" % address, cmd, address, hints, directory)
    raise ValueError("unknown resolver kind %r" % kind)
