#!/usr/bin/env bash
# The whole test suite, as CI runs it (README, .ci/run): installs what it needs, then runs every check.
# Exits non-zero on the first failure. Run from anywhere inside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing test dependencies (Debian packages)"
packages=(knot knot-dnsutils nsd unbound dnsperf bind9-dnsutils python3-dnspython python3-venv iproute2
          bird2 frr gobgpd exabgp bgpdump)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts packaged daemons where it can; the tests start their own on loopback ports.
for svc in knot nsd unbound bird frr; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
for tool in knotd nsd unbound kdig dig dnsperf bird birdc gobgpd exabgp bgpdump /usr/lib/frr/bgpd; do command -v "$tool" >/dev/null || { echo "missing $tool"; exit 1; }; done
/usr/bin/python3 -c 'import dns.message' || { echo "dnspython missing for /usr/bin/python3"; exit 1; }

echo "== installing BGPy 13.0.13 (pip, in a venv outside the repository) for the simulator differential"
bgpy_venv="${BGPY_VENV:-/tmp/globe-bgpy-venv}"
if ! "$bgpy_venv/bin/python" -c 'import bgpy' 2>/dev/null; then
  rm -rf "$bgpy_venv"
  /usr/bin/python3 -m venv "$bgpy_venv"
  "$bgpy_venv/bin/pip" install -q --disable-pip-version-check bgpy-pkg==13.0.13
fi
"$bgpy_venv/bin/python" -c 'import bgpy' || { echo "BGPy missing in $bgpy_venv"; exit 1; }

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== unit, property and integration tests"
cargo test --workspace --locked

echo "== differential tests against Knot (and the real root zone)"
cargo build --release --locked -p globe
globe="$(pwd)/target/release/globe"
/usr/bin/python3 tests/differential/compare.py --reference knot --subject cmd \
  --subject-cmd "$globe auth --listen 127.0.0.1:{port} --threads 1 --no-rrl {zone_args} --control {dir}/globe.sock"
/usr/bin/python3 tests/differential/compare.py --reference knot --subject cmd \
  --root-zone ../shared/data/dns/root.zone \
  --subject-cmd "$globe auth --listen 127.0.0.1:{port} --threads 1 --no-rrl {zone_args} --control {dir}/globe.sock"

echo "== DNSSEC differential tests against Knot: DO=1 on zones signed by knotd (NSEC, NSEC3, opt-out), the root"
/usr/bin/python3 tests/differential/test_accept.py
for signing in nsec nsec3 nsec3-optout; do
  /usr/bin/python3 tests/differential/compare.py --reference knot --subject cmd --do --sign "$signing" \
    --subject-cmd "$globe auth --listen 127.0.0.1:{port} --threads 1 --no-rrl {zone_args} --control {dir}/globe.sock"
done
/usr/bin/python3 tests/differential/compare.py --reference knot --subject cmd --do \
  --root-zone ../shared/data/dns/root.zone \
  --subject-cmd "$globe auth --listen 127.0.0.1:{port} --threads 1 --no-rrl {zone_args} --control {dir}/globe.sock"

echo "== resolver differential tests against Unbound (a DNS hierarchy on loopback in a netns, served by globe auth, then NSD)"
/usr/bin/python3 tests/resolver/resdiff.py --auth globe --subject globe --globe "$globe" --trace-check
/usr/bin/python3 tests/resolver/resdiff.py --auth nsd --subject globe --globe "$globe"

echo "== simulator differential against BGPy: its engine tests, random graphs, the real 2016 CAIDA graph"
"$bgpy_venv/bin/python" tests/sim/bgpy_diff.py --globe "$globe"
"$bgpy_venv/bin/python" tests/sim/bgpy_diff.py --globe "$globe" --only random --graphs 0 \
  --caida ../shared/data/caida/20161101.as-rel.txt.bz2

echo "== all tests passed"
