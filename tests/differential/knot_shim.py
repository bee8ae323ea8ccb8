#!/usr/bin/python3
"""Stand-in for globe's command line, backed by knotd -- a self-test of the
harness's "cmd" server kind (knot vs this shim must give 0 differences).

    knot_shim.py auth --listen 127.0.0.1:PORT --zone FILE [--zone FILE ...]
                 [--threads N] [--no-rrl]

Each zone's origin is read from the $ORIGIN line of its file.  The config is
written to $GLOBE_DIFF_DIR (the server's temp dir, set by the harness) and the shim then exec()s knotd, so the PID the harness started is knotd's.
"""

import argparse
import os
import sys


def origin_of(path):
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s.upper().startswith("$ORIGIN"):
                return s.split()[1]
    sys.exit("knot_shim: no $ORIGIN in %s" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["auth"])
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--zone", action="append", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-rrl", action="store_true")
    a = ap.parse_args()
    d = os.environ.get("GLOBE_DIFF_DIR") or os.getcwd()
    listens = []
    for l in a.listen:
        host, port = l.rsplit(":", 1)
        listens.append("%s@%s" % (host.strip("[]"), port))
    conf = ["server:", '    rundir: "%s"' % d,
            "    listen: [ %s ]" % ", ".join(listens),
            "    udp-workers: %d" % a.threads, "    tcp-workers: 1",
            "    background-workers: 1",
            "database:", '    storage: "%s"' % d,
            "log:", "  - target: stderr", "    any: error",
            "template:", "  - id: default", "    semantic-checks: off",
            "zone:"]
    for z in a.zone:
        conf += ['  - domain: "%s"' % origin_of(z), '    file: "%s"' % os.path.abspath(z)]
    path = os.path.join(d, "shim-knot.conf")
    with open(path, "w") as f:
        f.write("\n".join(conf) + "\n")
    knotd = os.environ.get("KNOTD", "/usr/sbin/knotd")
    os.execv(knotd, [knotd, "-c", path, "-s", os.path.join(d, "shim-knot.sock")])


if __name__ == "__main__":
    main()
