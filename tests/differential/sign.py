#!/usr/bin/python3
"""Signs zone files with Knot's own signer, for the DNSSEC differential runs.

    sign.py nsec|nsec3|nsec3-optout ZONEDIR      sign the zones of a gen_zones.py dir in place

Knot 3.2 has no offline signer (kzonesign came later), so this starts a private
knotd with automatic signing (one ECDSA P-256 key pair per zone, generated into
a temporary KASP database), waits until every zone is signed, and flushes the
signed zones into the directory with `knotc zone-flush +outdir`. knotd listens
on no address; it is a direct child, stopped by its PID (SIGTERM, then SIGKILL).

Keys, signatures and NSEC3 salts are new on every run. That is deterministic
enough: both servers of a differential run serve the same signed file.

Modes:
  nsec           NSEC chain (RFC 4034)
  nsec3          NSEC3 chain, 5 extra iterations, an 8-octet salt (RFC 5155)
  nsec3-optout   the same with opt-out: insecure delegations get no NSEC3
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the repo

KNOTD = os.environ.get("KNOTD", "/usr/sbin/knotd")
KNOTC = os.environ.get("KNOTC", "/usr/sbin/knotc")
MODES = ("nsec", "nsec3", "nsec3-optout")

POLICY = {
    "nsec": "",
    "nsec3": "    nsec3: on\n    nsec3-iterations: 5\n    nsec3-salt-length: 8\n",
    "nsec3-optout": "    nsec3: on\n    nsec3-iterations: 5\n    nsec3-salt-length: 8\n"
                    "    nsec3-opt-out: on\n",
}


def _child_setup():
    # Die with the harness (PR_SET_PDEATHSIG), as servers.py does.
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def _config(work, zones, mode):
    text = (
        "server:\n"
        "    rundir: \"%(w)s\"\n"
        "    background-workers: 1\n"
        "database:\n"
        "    storage: \"%(w)s\"\n"
        "log:\n"
        "  - target: stderr\n"
        "    any: error\n"
        "policy:\n"
        "  - id: test\n"
        "    algorithm: ecdsap256sha256\n"
        "    ksk-lifetime: 0\n"
        "    zsk-lifetime: 0\n"
        "    cds-cdnskey-publish: none\n"
        "%(policy)s"
        "template:\n"
        "  - id: default\n"
        "    storage: \"%(w)s\"\n"
        "    semantic-checks: off\n"
        "    dnssec-signing: on\n"
        "    dnssec-policy: test\n"
        "    zonefile-sync: -1\n"
        "    journal-content: none\n"
        "zone:\n"
    ) % {"w": work, "policy": POLICY[mode]}
    for origin, path in zones:
        text += "  - domain: \"%s\"\n    file: \"%s\"\n" % (origin, os.path.basename(path))
    conf = os.path.join(work, "knot.conf")
    with open(conf, "w") as f:
        f.write(text)
    return conf


def _knotc(conf, sock, *args):
    return subprocess.run([KNOTC, "-c", conf, "-s", sock, "-t", "30"] + list(args),
                          capture_output=True, text=True, timeout=60)


def sign(zones, mode, timeout=60.0):
    """zones: [(origin, path)]; replaces each file with its signed version."""
    if mode not in MODES:
        raise ValueError("unknown signing mode %r (one of %s)" % (mode, ", ".join(MODES)))
    work = tempfile.mkdtemp(prefix="globe-diff-sign-", dir="/tmp")
    proc = None
    try:
        for _, path in zones:
            shutil.copy(path, os.path.join(work, os.path.basename(path)))
        conf = _config(work, zones, mode)
        sock = os.path.join(work, "knot.sock")
        err = open(os.path.join(work, "stderr.log"), "wb")
        proc = subprocess.Popen([KNOTD, "-c", conf, "-s", sock], cwd=work,
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                preexec_fn=_child_setup, close_fds=True)
        err.close()
        outdir = os.path.join(work, "signed")
        os.mkdir(outdir)
        deadline = time.monotonic() + timeout
        pending = [origin for origin, _ in zones]
        while pending:
            if proc.poll() is not None:
                raise RuntimeError("knotd exited with status %s" % proc.returncode)
            if time.monotonic() > deadline:
                raise RuntimeError("zones not signed within %.0fs: %s" % (timeout, pending))
            origin = pending[0]
            # Signed once the apex SOA has its RRSIG.
            r = _knotc(conf, sock, "zone-read", origin, "@", "RRSIG")
            if r.returncode == 0 and " SOA " in r.stdout:
                pending.pop(0)
            else:
                time.sleep(0.1)
        for origin, path in zones:
            r = _knotc(conf, sock, "-b", "zone-flush", origin, "+outdir", outdir)
            if r.returncode != 0:
                raise RuntimeError("knotc zone-flush %s: %s%s" % (origin, r.stdout, r.stderr))
            # knotd names the flushed file after the zone's file (or, failing that, the zone).
            names = [os.path.basename(path), origin + "zone"]
            found = [os.path.join(outdir, n) for n in names
                     if os.path.exists(os.path.join(outdir, n))]
            if not found:
                raise RuntimeError("knotc zone-flush wrote none of %s in %s: %s"
                                   % (names, outdir, os.listdir(outdir)))
            signed = found[0]
            shutil.copy(signed, path)
    except Exception as e:
        log = os.path.join(work, "stderr.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                e.args = (str(e) + "\n" + f.read()[-2000:],)
        raise
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)        # by PID, our own child
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)
    return zones


def main(argv=None):
    import argparse
    import gen_zones
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("zonedir")
    a = ap.parse_args(argv)
    for origin, path in sign(gen_zones.load_manifest(a.zonedir), a.mode):
        print("%s %s" % (origin, path))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
