#!/bin/sh
# BIND's `dig +trace` for resdiff.py's trace check, which tests the check itself:
#   resdiff.py --auth nsd --subject unbound --trace-check --trace-cmd "tests/resolver/bind-dig-trace.sh {resolver}"
# BIND's dig looks the NS names up through /etc/resolv.conf, so this points it at RESOLVER (an Unbound
# started for the check) in a private mount namespace, then traces from a root server of the hierarchy.
set -eu
resolver="$1"
conf=$(mktemp /tmp/globe-resdiff-resolv.XXXXXX)
echo "nameserver $resolver" > "$conf"
exec unshare -m sh -c "mount --bind '$conf' /etc/resolv.conf && rm -f '$conf' && exec dig +trace +nodnssec @127.0.1.1 www.example.com"
