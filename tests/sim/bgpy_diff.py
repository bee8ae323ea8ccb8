#!/usr/bin/env python3
"""Differential test of `globe sim` against BGPy 13.0.13: every AS's chosen route must be identical.

For each case the same AS graph and scenario go through BGPy (its SimulationEngine, Scenario and policy
classes, imported, not copied) and through `globe sim catchment|hijack|leak --routes`; then, for every
AS and every prefix, the presence of a route, its next-hop AS and its full AS path are compared. Cases:

1. BGPy's own engine-test configurations (`bgpy.tests.engine_tests.engine_test_configs`) whose scenario is
   ValidPrefix, PrefixHijack, SubprefixHijack, ForgedOriginPrefixHijack or AccidentalRouteLeak, whose
   policies are BGP, ROV, ASPA or OnlyToCustomers (or their *Full variants) and that run the scenario's
   minimum number of rounds. The others are printed as skipped, with the reason.
2. Seeded random hierarchical AS graphs of 200-400 ASes (tier-1 clique, transit layers, stubs, peer links,
   no provider-customer cycle), each under: valid prefix from 1 origin and from 3 origins (anycast),
   prefix hijack and subprefix hijack, each without ROV and with ~30 % random ROV adopters; valid prefix
   from 3 origins in a provider-customer chain; forged-origin hijack without and with ~30 % ASPA adopters;
   route leak without defence and with ~30 % ASPA or OTC (RFC 9234 roles) adopters.
3. Opt-in (--caida FILE): six such cases on a real CAIDA graph (BGPy takes seconds per propagation).

Prefixes: BGPy announces 1.2.0.0/16 (and 1.2.3.0/24 for a subprefix hijack); globe is given --prefix
1.2.0.0/16 and announces its first half, 1.2.0.0/17, as the subprefix. Routes are matched by role
(prefix / subprefix), not by the literal subprefix. The ROV, ASPA and roles adopters given to globe are
exactly the ASes BGPy ran ROV / ASPA / OnlyToCustomers on (BGPy makes the victim an adopter of the
AdoptPolicyCls, and its ASPA class also does ROV). Both install one ROA, (1.2.0.0/16, maxLength 16,
victim); valid-prefix cases are given to globe without adopters (every route is RPKI-valid, so they
change nothing in BGPy either). See tests/sim/README.md for what is skipped and why.

Run from the repository root, after `cargo build --release -p globe`:

    tests/sim/bgpy_diff.py [--globe PATH] [--bgpy-python PATH] [--graphs 40] [--seed 1]
                           [--only engine|random] [--kinds valid,prefix,subprefix,forged,leak]
                           [--caida FILE] [--show 5] [--keep DIR] [-v]

BGPy must be installed in a venv (python3 -m venv V && V/bin/pip install bgpy-pkg==13.0.13). Run by a
python without BGPy, the script re-executes itself with --bgpy-python (default $BGPY_PYTHON, else
/tmp/bgpy-venv/bin/python). The globe binary defaults to target/release/globe, then target/debug/globe.
Exit status: 0 when every compared route is identical, 1 on any difference or failed globe run, 2 on
setup errors. The last line is `N cases, M AS-routes compared, D differences (T s)`.
"""

import argparse
import bz2
import csv
import importlib.util
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BGPY_PYTHON = os.environ.get("BGPY_PYTHON", "/tmp/bgpy-venv/bin/python")

# The prefix given to globe; BGPy's are fixed by its Prefixes enum (PREFIX 1.2.0.0/16, SUBPREFIX
# 1.2.3.0/24). globe's subprefix is the first half of its prefix.
GLOBE_PREFIX = "1.2.0.0/16"
PREFIX, SUBPREFIX = "prefix", "subprefix"  # the roles routes are compared by
KINDS = ("valid", "prefix", "subprefix", "forged", "leak")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--globe", help="globe binary (default target/release/globe, then target/debug/globe)")
    ap.add_argument("--bgpy-python", default=DEFAULT_BGPY_PYTHON,
                    help="python of a venv with bgpy-pkg==13.0.13 (default $BGPY_PYTHON or %(default)s)")
    ap.add_argument("--graphs", type=int, default=40, help="random graphs (default %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random graphs (default %(default)s)")
    ap.add_argument("--only", choices=("engine", "random"), help="run only one of the two case families")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="scenario kinds to run, comma-separated (default %(default)s)")
    ap.add_argument("--show", type=int, default=5, help="differences printed in detail (default %(default)s)")
    ap.add_argument("--caida", metavar="FILE",
                    help="also run six cases on this CAIDA as-rel file (opt-in: ~40 s with BGPy on the "
                         "2016 graph)")
    ap.add_argument("--keep", help="keep the CAIDA and route files of every case in this directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the globe command of every case")
    return ap.parse_args()


def ensure_bgpy(args):
    """Re-execute under --bgpy-python when this interpreter cannot import bgpy."""
    if importlib.util.find_spec("bgpy") is not None:
        return
    python = args.bgpy_python
    if os.environ.get("BGPY_DIFF_REEXEC") or not os.path.exists(python):
        die(f"BGPy is not importable here and --bgpy-python {python} does not provide it "
            "(python3 -m venv V && V/bin/pip install bgpy-pkg==13.0.13)")
    env = dict(os.environ, BGPY_DIFF_REEXEC="1")
    os.execve(python, [python, os.path.abspath(__file__), *sys.argv[1:]], env)


def find_globe(path):
    candidates = [path] if path else [os.path.join(ROOT, "target", "release", "globe"),
                                      os.path.join(ROOT, "target", "debug", "globe")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    die(f"no globe binary ({', '.join(candidates)}); cargo build --release -p globe")


def die(message):
    print(f"bgpy_diff: {message}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------------------------------
# Cases


class Case:
    """One graph + one scenario, as the two simulators are given it."""

    def __init__(self, name, graph, kind, victims, attacker=None, adopt="BGP", adopters=frozenset(),
                 conf=None):
        self.name = name
        self.graph = graph            # Graph (links), shared between cases of the same random graph
        self.kind = kind              # "valid", "prefix", "subprefix", "forged" (forged origin) or "leak"
        self.victims = tuple(sorted(victims))
        self.attacker = attacker      # the hijacker, or the leaker
        self.adopt = adopt            # random cases: BGPy AdoptPolicyCls, "BGP", "ROV", "ASPA" or "OTC"
        self.adopters = frozenset(adopters)  # random cases: BGPy override_adopting_asns
        self.conf = conf              # engine-test cases: BGPy's EngineTestConfig


class Graph:
    """An AS graph as provider->customer and peer links (ASN pairs)."""

    def __init__(self, name, p2c, p2p, extra_asns=(), serial=1, source=None):
        self.name = name
        self.serial = serial
        self.source = source  # a CAIDA file globe reads as it is (--caida), instead of write_caida
        self.p2c = sorted(set(p2c))
        self.p2p = sorted({(min(a, b), max(a, b)) for a, b in p2p})
        asns = {a for link in self.p2c + self.p2p for a in link}
        self.asns = sorted(asns | set(extra_asns))
        self._bgpy = None  # BGPy's SimulationEngine on this graph, built once (random graphs)

    def write_caida(self, path):
        """CAIDA as-rel: provider|customer|-1 and peer|peer|0; serial-2 (a 4th, source, field) when
        self.serial == 2, so both of globe's formats are read."""
        tail = "|bgp" if self.serial == 2 else ""
        with open(path, "w") as f:
            f.write(f"# {self.name}: {len(self.asns)} ASes, {len(self.p2c)} p2c, {len(self.p2p)} p2p\n")
            for p, c in self.p2c:
                f.write(f"{p}|{c}|-1{tail}\n")
            for a, b in self.p2p:
                f.write(f"{a}|{b}|0{tail}\n")

    def leaker_candidates(self):
        """ASes with a provider and at least two providers and peers."""
        providers, peers = {}, {}
        for p, c in self.p2c:
            providers[c] = providers.get(c, 0) + 1
        for a, b in self.p2p:
            peers[a] = peers.get(a, 0) + 1
            peers[b] = peers.get(b, 0) + 1
        return [a for a in self.asns if providers.get(a, 0) and providers.get(a, 0) + peers.get(a, 0) >= 2]

    def info(self):
        from bgpy.as_graphs import ASGraphInfo
        from bgpy.as_graphs.base.links import CustomerProviderLink, PeerLink
        return ASGraphInfo(
            customer_provider_links=frozenset(CustomerProviderLink(provider_asn=p, customer_asn=c)
                                              for p, c in self.p2c),
            peer_links=frozenset(PeerLink(a, b) for a, b in self.p2p))


def read_caida(path):
    """A Graph from a CAIDA as-rel file (serial-1 or serial-2, plain or bzip2)."""
    opener = bz2.open if path.endswith(".bz2") else open
    p2c, p2p = [], []
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b, rel = line.strip().split("|")[:3]
            (p2c if rel == "-1" else p2p).append((int(a), int(b)))
    return Graph(os.path.basename(path), p2c, p2p, source=os.path.abspath(path))


def caida_cases(path, seed):
    """Six cases on a real CAIDA graph (opt-in, --caida): BGPy needs seconds per propagation there."""
    graph = read_caida(path)
    rng = random.Random(seed)
    with_provider = sorted({c for _, c in graph.p2c})

    def adopters(*exclude):
        pool = [a for a in graph.asns if a not in exclude]
        return frozenset(rng.sample(pool, round(0.3 * len(pool))))

    origin = rng.choice(with_provider)
    origins = set(rng.sample(with_provider, 3))
    v1, a1, v2, a2, v3, a3, v4 = rng.sample(with_provider, 7)
    leaker = rng.choice([a for a in graph.leaker_candidates() if a != v4])
    return [
        Case(f"{graph.name} valid-1", graph, "valid", {origin}),
        Case(f"{graph.name} valid-3", graph, "valid", origins),
        Case(f"{graph.name} prefix-hijack rov30", graph, "prefix", {v1}, a1, "ROV", adopters(v1, a1)),
        Case(f"{graph.name} subprefix-hijack rov30", graph, "subprefix", {v2}, a2, "ROV", adopters(v2, a2)),
        Case(f"{graph.name} forged-origin aspa30", graph, "forged", {v3}, a3, "ASPA", adopters(v3, a3)),
        Case(f"{graph.name} route-leak", graph, "leak", {v4}, leaker),
    ]


def graph_from_info(name, info):
    """A Graph from one of BGPy's ASGraphInfo objects (its engine-test topologies)."""
    p2c = [(link.provider_asn, link.customer_asn) for link in info.customer_provider_links]
    p2p = [tuple(link.asns) for link in info.peer_links]
    return Graph(name, p2c, p2p, extra_asns=info.unlinked_asns)


def random_graph(seed):
    """A valley-free-valid hierarchical AS graph of 200-400 ASes, deterministic in `seed`.

    Tier-1 ASes form a full peer clique; 2-3 transit layers each buy transit from 1-3 ASes of the layers
    above or from an earlier AS of their own layer (so ranks vary and there is no provider-customer
    cycle); stubs buy from 1-3 transit or tier-1 ASes. Peer links join transit ASes of the same or
    adjacent layers, a few stubs, and a few arbitrary pairs. ASNs are a random sample, so the lowest-ASN
    tie-break is not correlated with position. Every third graph also has a two-AS island without a
    provider (no routes there).
    """
    rng = random.Random(seed)
    n = rng.randint(200, 400)
    n_tier1 = rng.randint(3, 8)
    n_layers = rng.randint(2, 3)
    n_transit = rng.randint(n // 8, n // 4)
    asns = rng.sample(range(1, 65000), n + 2)
    island = asns[n:]
    asns = asns[:n]
    tier1 = asns[:n_tier1]
    transit_all = asns[n_tier1:n_tier1 + n_transit]
    stubs = asns[n_tier1 + n_transit:]
    # split transit into layers, top first
    cuts = sorted(rng.sample(range(1, n_transit), n_layers - 1))
    layers = [transit_all[a:b] for a, b in zip([0] + cuts, cuts + [n_transit])]

    p2c, p2p = set(), set()
    linked = set()

    def link(a, b):
        key = (min(a, b), max(a, b))
        if a == b or key in linked:
            return False
        linked.add(key)
        return True

    for i, a in enumerate(tier1):
        for b in tier1[i + 1:]:
            if link(a, b):
                p2p.add((a, b))
    above = list(tier1)
    for layer in layers:
        for j, asn in enumerate(layer):
            # providers: ASes of the layers above, or earlier ASes of this layer (a DAG)
            pool = above + layer[:j]
            for p in rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 2, 3)))):
                if link(p, asn):
                    p2c.add((p, asn))
        above = above + layer
    upstreams = transit_all + tier1
    for asn in stubs:
        for p in rng.sample(upstreams, rng.choice((1, 1, 1, 2, 2, 3))):
            if link(p, asn):
                p2c.add((p, asn))
    # peering between transit ASes of the same or adjacent layers
    for li, layer in enumerate(layers):
        pool = layer + (layers[li + 1] if li + 1 < len(layers) else [])
        for _ in range(len(layer)):
            a, b = rng.sample(pool, 2) if len(pool) >= 2 else (None, None)
            if a is not None and link(a, b):
                p2p.add((a, b))
    # tier-1s peering with a few transit ASes, stubs peering with transit ASes and each other
    for _ in range(n_tier1):
        a, b = rng.choice(tier1), rng.choice(transit_all)
        if link(a, b):
            p2p.add((a, b))
    for _ in range(len(stubs) // 10):
        a = rng.choice(stubs)
        b = rng.choice(stubs + transit_all)
        if link(a, b):
            p2p.add((a, b))
    # a few peer links between any two ASes (a stub with a tier-1, an AS with its indirect customer)
    everyone = tier1 + transit_all + stubs
    for _ in range(n // 25):
        a, b = rng.sample(everyone, 2)
        if link(a, b):
            p2p.add((a, b))
    if seed % 3 == 0:
        p2p.add(tuple(sorted(island)))
    return Graph(f"random-{seed}", p2c, p2p, serial=1 + seed % 2)


def random_cases(n_graphs, seed):
    """Fourteen cases per random graph: valid prefix (1 and 3 random origins), prefix and subprefix
    hijack, each without ROV and with ~30 % ROV adopters; valid prefix from 3 origins in a
    provider-customer chain; forged-origin hijack without and with ~30 % ASPA adopters; route leak
    without defence, with ~30 % ASPA and with ~30 % OTC (RFC 9234 roles) adopters."""
    cases = []
    for g in range(n_graphs):
        gseed = seed * 1000 + g
        graph = random_graph(gseed)
        rng = random.Random(gseed + 7)
        with_provider = sorted({c for _, c in graph.p2c})

        def add(label, kind, victims, attacker=None, adopt="BGP"):
            adopters = frozenset()
            if adopt != "BGP":  # BGPy's random adoption leaves out victims and attackers too
                pool = [a for a in graph.asns if a not in victims and a != attacker]
                adopters = frozenset(rng.sample(pool, round(0.3 * len(pool))))
            tag = {"BGP": "", "ROV": " rov30", "ASPA": " aspa30", "OTC": " otc30"}[adopt]
            cases.append(Case(f"{graph.name} {label}{tag}", graph, kind, victims, attacker, adopt, adopters))

        for adopt in ("BGP", "ROV"):
            add("valid-1", "valid", {rng.choice(with_provider)}, adopt=adopt)
            add("valid-3", "valid", set(rng.sample(graph.asns, 3)), adopt=adopt)
            for kind in ("prefix", "subprefix"):
                victim, attacker = rng.sample(with_provider, 2)
                add(f"{kind}-hijack", kind, {victim}, attacker, adopt)
        # three anycast origins in a provider-customer chain: an origin also hears the others
        middle = rng.choice(sorted({p for p, _ in graph.p2c} & set(with_provider)))
        chain = {middle, rng.choice([p for p, c in graph.p2c if c == middle]),
                 rng.choice([c for p, c in graph.p2c if p == middle])}
        add("valid-3-chain", "valid", chain)
        for adopt in ("BGP", "ASPA"):
            victim, attacker = rng.sample(with_provider, 2)
            add("forged-origin", "forged", {victim}, attacker, adopt)
        # leakers as globe picks them at random: a provider and >= 2 providers and peers
        leakers = graph.leaker_candidates()
        for adopt in ("BGP", "ASPA", "OTC"):
            leaker = rng.choice(leakers)
            victim = rng.choice([a for a in with_provider if a != leaker])
            add("route-leak", "leak", {victim}, leaker, adopt)
    return cases


# BGPy policy classes globe models (BGPFull variants: same Loc-RIB after one round, see README)
SUPPORTED_POLICIES = {"BGP", "BGPFull", "ROV", "ROVFull", "ASPA", "ASPAFull", "OnlyToCustomers",
                      "OnlyToCustomersFull"}
SCENARIO_KINDS = {"ValidPrefix": "valid", "PrefixHijack": "prefix", "SubprefixHijack": "subprefix",
                  "ForgedOriginPrefixHijack": "forged", "AccidentalRouteLeak": "leak"}

# Why globe cannot run a BGPy scenario or policy class (skipped engine-test configs)
SKIP_REASONS = {
    "NonRoutedPrefixHijack": "non-routed prefix (AS0 ROA, no victim announcement): not modelled",
    "NonRoutedSuperprefixHijack": "superprefix of a non-routed prefix: globe announces a prefix "
                                  "and at most its first half",
    "NonRoutedSuperprefixPrefixHijack": "superprefix and prefix of a non-routed prefix: not modelled",
    "SuperprefixPrefixHijack": "attacker also announces a superprefix: not modelled",
    "FirstASNStrippingPrefixHijack": "neighbour spoofing (first-ASN stripping) path forgery: not modelled",
    "ShortestPathPrefixHijack": "shortest-path attacker (forged path chosen per defence): not modelled",
    "WithdrawalToPopulatedRIBsInScenario": "withdrawals over several rounds: globe computes one "
                                           "converged state",
    "WithdrawalToPopulatedRIBsInThenBetterAnnScenario": "withdrawals over several rounds: globe computes "
                                                        "one converged state",
    "WithdrawalValidPrefixScenario": "withdrawals over several rounds: globe computes one converged state",
    "InvalidAnnPostWithdrawalScenario": "withdrawals over several rounds: globe computes one converged "
                                        "state",
    "PeerROV": "ROV on peer-learned routes only: not modelled",
    "PeerROVFull": "ROV on peer-learned routes only: not modelled",
    "BGPSec": "BGPsec: not modelled",
    "PathEnd": "path-end validation: not modelled",
    "PathEndFull": "path-end validation: not modelled",
    "ROVPPV1Lite": "ROV++ (blackhole announcements): not modelled",
    "RoSTFull": "RoST: not modelled",
    "BGPFullIgnoreInvalid": "withdrawal-handling test policy: not modelled",
    "BGPFullSuppressWithdrawals": "withdrawal-suppressing attacker: not modelled",
}
LEAKER_OTC = ("the leaker adopts OTC: BGPy's OnlyToCustomers never adds OTC on ingress from a provider or "
              "peer (RFC 9234 section 5 does, and so does globe's --roles), so the leaked route differs")
VICTIM_ASPA = ("victim publishes no ASPA record in BGPy (AdoptPolicyCls is BGP and Scenario.get_policy_cls "
               "gives victims AdoptPolicyCls before hardcoded_asn_cls_dict), while globe's victim always "
               "publishes one (attack.rs)")


def engine_cases():
    """BGPy's engine-test configs globe can run, and (name, reason) for the others."""
    from bgpy.tests.engine_tests.engine_test_configs import engine_test_configs
    cases, skipped = [], []
    for conf in engine_test_configs:
        sc = conf.scenario_config
        scen = sc.ScenarioCls.__name__
        policies = {sc.BasePolicyCls, sc.AdoptPolicyCls, *sc.hardcoded_asn_cls_dict.values(),
                    *sc.hardcoded_base_asn_cls_dict.values()}
        if sc.AttackerBasePolicyCls:
            policies.add(sc.AttackerBasePolicyCls)
        bad = sorted(p.__name__ for p in policies if p.__name__ not in SUPPORTED_POLICIES)
        attackers = sorted(sc.override_attacker_asns or ())
        kind = SCENARIO_KINDS.get(scen)
        if kind is None:
            skipped.append((conf.name, f"{scen}: {SKIP_REASONS.get(scen, 'not modelled')}"))
        elif bad:
            skipped.append((conf.name, "; ".join(f"{b}: {SKIP_REASONS.get(b, 'not modelled')}"
                                                  for b in bad)))
        elif sc.propagation_rounds != sc.ScenarioCls.min_propagation_rounds:
            skipped.append((conf.name, f"{sc.propagation_rounds} propagation rounds"))
        elif kind != "valid" and len(attackers) != 1:
            skipped.append((conf.name, f"{len(attackers)} attackers: globe takes one"))
        elif len(sc.override_victim_asns) != 1 and kind != "valid":
            skipped.append((conf.name, "several victims of a hijack: globe takes one"))
        else:
            case = Case(conf.name, graph_from_info(conf.name, conf.as_graph_info), kind,
                        sc.override_victim_asns, attackers[0] if kind != "valid" else None, conf=conf)
            _, _, policies_by_asn = bgpy_setup(case)
            aspa = {a for a, p in policies_by_asn.items() if p.startswith("ASPA")}
            otc = {a for a, p in policies_by_asn.items() if p.startswith("OnlyToCustomers")}
            if aspa and not set(case.victims) <= aspa:
                skipped.append((conf.name, VICTIM_ASPA))
            elif kind == "leak" and case.attacker in otc:
                skipped.append((conf.name, LEAKER_OTC))
            else:
                cases.append(case)
    return cases, skipped


# --------------------------------------------------------------------------------------------------
# BGPy side


def bgpy_setup(case):
    """BGPy engine and scenario set up for the case (seeded, not run), and {asn: policy class name}."""
    from bgpy.as_graphs import CAIDAASGraph
    from bgpy.simulation_engine import ASPA, BGP, ROV, OnlyToCustomers, SimulationEngine
    from bgpy.simulation_framework import (AccidentalRouteLeak, ForgedOriginPrefixHijack, PrefixHijack,
                                           ScenarioConfig, SubprefixHijack, ValidPrefix)

    if case.conf is not None:
        conf = case.conf
        sc = conf.scenario_config
        graph = conf.ASGraphCls(as_graph_info=conf.as_graph_info, BasePolicyCls=sc.BasePolicyCls)
        engine = conf.SimulationEngineCls(graph)
    else:
        cls = {"valid": ValidPrefix, "prefix": PrefixHijack, "subprefix": SubprefixHijack,
               "forged": ForgedOriginPrefixHijack, "leak": AccidentalRouteLeak}[case.kind]
        sc = ScenarioConfig(
            ScenarioCls=cls,
            BasePolicyCls=BGP,
            AdoptPolicyCls={"BGP": BGP, "ROV": ROV, "ASPA": ASPA, "OTC": OnlyToCustomers}[case.adopt],
            num_victims=len(case.victims),
            override_victim_asns=frozenset(case.victims),
            override_attacker_asns=frozenset({case.attacker} if case.attacker else ()),
            override_adopting_asns=case.adopters,
        )
        if case.graph._bgpy is None:  # one BGPy graph per random graph; setup() resets its policies
            graph = CAIDAASGraph(as_graph_info=case.graph.info(), BasePolicyCls=BGP,
                                 store_customer_cone_size=False)
            case.graph._bgpy = SimulationEngine(graph)
        engine = case.graph._bgpy
    # The scenario's constructor also loads its ROAs into BGPy's global ROA checker.
    scenario = sc.ScenarioCls(scenario_config=sc, engine=engine)
    scenario.setup_engine(engine)
    policies = {as_obj.asn: type(as_obj.policy).__name__ for as_obj in engine.as_graph}
    return engine, scenario, policies


def run_bgpy(case):
    """Propagate in BGPy; returns {(asn, role): (next_hop, path)} and the adopters, {"rov": ASNs,
    "aspa": ASNs, "roles": ASNs} (OTC adopters are given to globe as RFC 9234 role adopters)."""
    from bgpy.shared.enums import Prefixes
    from bgpy.simulation_engine import ASPA, ROV, OnlyToCustomers

    engine, scenario, policies = bgpy_setup(case)
    unsupported = set(policies.values()) - SUPPORTED_POLICIES
    assert not unsupported, f"{case.name}: BGPy runs {sorted(unsupported)}"
    # as BGPy's EngineRunner: the leak scenario re-seeds the engine after round 0 in this hook
    for round_ in range(scenario.scenario_config.propagation_rounds):
        engine.run(propagation_round=round_, scenario=scenario)
        for hook in (scenario.pre_aggregation_hook, scenario.post_propagation_hook):
            hook(engine=engine, propagation_round=round_, trial=0, percent_adopt=0)

    roles = {Prefixes.PREFIX.value: PREFIX, Prefixes.SUBPREFIX.value: SUBPREFIX}
    routes, adopters = {}, {"rov": set(), "aspa": set(), "roles": set()}
    for as_obj in engine.as_graph:
        policy = as_obj.policy
        for name, cls in (("rov", ROV), ("aspa", ASPA), ("roles", OnlyToCustomers)):
            if isinstance(policy, cls):  # BGPy's ASPA class is a ROV subclass: it does both
                adopters[name].add(as_obj.asn)
        for prefix, ann in policy.local_rib.items():
            routes[(as_obj.asn, roles[prefix])] = (ann.next_hop_asn, tuple(ann.as_path))
    return routes, adopters


# --------------------------------------------------------------------------------------------------
# globe side


def globe_command(globe, case, topology, out, adopters):
    command = {"valid": "catchment", "leak": "leak"}.get(case.kind, "hijack")
    cmd = [globe, "sim", command, "--topology", topology, "--no-geo", "--prefix", GLOBE_PREFIX]
    if case.kind == "valid":
        for origin in case.victims:
            cmd += ["--origin", str(origin)]
        # every route of a valid prefix is RPKI-valid: ROV adopters change nothing (BGPy runs them)
    else:
        (victim,) = case.victims
        cmd += ["--victim", str(victim), "--leaker" if case.kind == "leak" else "--attacker",
                str(case.attacker)]
        if case.kind == "subprefix":
            cmd.append("--subprefix")
        if case.kind == "forged":
            cmd.append("--forged-origin")
        for name, asns in sorted(adopters.items()):
            if asns:
                cmd += [f"--{name}", ",".join(map(str, sorted(asns)))]
    return cmd + ["--routes", out]


def run_globe(globe, case, workdir, adopters, verbose):
    """Run globe; returns ({(asn, role): (next_hop, path)}, error or None)."""
    topology = case.graph.source or os.path.join(workdir, "as-rel.txt")
    if not os.path.exists(topology):
        case.graph.write_caida(topology)
    out = os.path.join(workdir, safe(case.name) + ".routes.csv")
    cmd = globe_command(globe, case, topology, out, adopters)
    if verbose:
        print("   ", " ".join(cmd))
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return None, f"globe exited {res.returncode}: {res.stderr.strip()[:500]}"
    routes = {}
    with open(out, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["asn", "prefix", "next_hop", "path"]:
            return None, f"unexpected --routes header {reader.fieldnames}"
        for row in reader:
            role = PREFIX if row["prefix"] == GLOBE_PREFIX else SUBPREFIX
            key = (int(row["asn"]), role)
            if key in routes:
                return None, f"two rows for AS{key[0]} {role}"
            routes[key] = (int(row["next_hop"]), tuple(int(a) for a in row["path"].split()))
    return routes, None


def safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


# --------------------------------------------------------------------------------------------------


def compare(case, bgpy, globe):
    """Differences as (asn, role, bgpy route or None, globe route or None)."""
    diffs = []
    for key in sorted(set(bgpy) | set(globe)):
        b, g = bgpy.get(key), globe.get(key)
        if b != g:
            diffs.append((describe_case(case), key[0], key[1], b, g))
    return diffs


def describe_case(case):
    who = f"origins {','.join(map(str, case.victims))}" if case.kind == "valid" else \
        f"victim {case.victims[0]}, {'leaker' if case.kind == 'leak' else 'attacker'} {case.attacker}"
    return f"{case.name} ({who})"


def describe(route):
    if route is None:
        return "no route"
    next_hop, path = route
    return f"next hop {next_hop}, path {' '.join(map(str, path))}"


def main():
    start = time.monotonic()
    args = parse_args()
    ensure_bgpy(args)
    globe = find_globe(args.globe)
    from importlib.metadata import version

    cases, skipped = [], []
    if args.only != "random":
        cases, skipped = engine_cases()
    n_engine = len(cases)
    if args.only != "engine":
        cases += random_cases(args.graphs, args.seed)
    if args.caida:
        cases += caida_cases(args.caida, args.seed)
    kinds = set(args.kinds.split(","))
    if not kinds <= set(KINDS):
        die(f"--kinds: unknown {','.join(sorted(kinds - set(KINDS)))} (known: {','.join(KINDS)})")
    filtered = n_engine - sum(1 for c in cases[:n_engine] if c.kind in kinds)
    n_engine -= filtered
    cases = [c for c in cases if c.kind in kinds]

    print(f"bgpy_diff: BGPy {version('bgpy-pkg')}, globe {globe}")
    if args.only != "random":
        print(f"BGPy engine-test configs: {n_engine} run, {len(skipped)} skipped"
              + (f", {filtered} left out by --kinds" if filtered else ""))
        for name, reason in skipped:
            print(f"  skip {name}: {reason}")

    keep = args.keep
    tmp = tempfile.mkdtemp(prefix="bgpy-diff-")
    base = keep or tmp
    os.makedirs(base, exist_ok=True)
    all_diffs, failures, compared = [], [], 0
    try:
        for case in cases:
            workdir = os.path.join(base, safe(case.graph.name))
            os.makedirs(workdir, exist_ok=True)
            t = time.monotonic()
            bgpy_routes, adopters = run_bgpy(case)
            globe_routes, err = run_globe(globe, case, workdir, adopters, args.verbose)
            ms = (time.monotonic() - t) * 1000
            if err:
                failures.append((case.name, err))
                print(f"FAIL {case.name}: {err}")
                continue
            diffs = compare(case, bgpy_routes, globe_routes)
            n = len(set(bgpy_routes) | set(globe_routes))
            compared += n
            all_diffs += diffs
            status = "ok  " if not diffs else "DIFF"
            extra = f", {len(diffs)} differ" if diffs else ""
            defences = "".join(f", {len(asns)} {name.upper()}" for name, asns in adopters.items() if asns)
            print(f"{status} {case.name}: {len(case.graph.asns)} ASes{defences}, "
                  f"{n} AS-routes{extra} ({ms:.0f} ms)")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)

    if all_diffs:
        print(f"\nfirst {min(args.show, len(all_diffs))} of {len(all_diffs)} differences:")
        for name, asn, role, b, g in all_diffs[:args.show]:
            print(f"  {name}: AS{asn} {role}\n    BGPy:  {describe(b)}\n    globe: {describe(g)}")
        print("(re-run with --keep DIR -v for the graph files and globe commands)")
    for name, err in failures[:args.show]:
        print(f"failed case {name}: {err}")
    elapsed = time.monotonic() - start
    print(f"{len(cases)} cases, {compared} AS-routes compared, {len(all_diffs)} differences"
          + (f", {len(failures)} failed cases" if failures else "") + f" ({elapsed:.1f} s)")
    return 1 if all_diffs or failures else 0


if __name__ == "__main__":
    sys.exit(main())
