//! Choosing targets: a rule's filter chain run over its pool, as NS1's filter chains do.
//!
//! Every candidate has a rank (lower is better; equal ranks are ties). The chain starts with the
//! pool's healthy targets, all tied, in pool order; when none is healthy, the fallback pool's healthy
//! targets; when none of those either, every target of the pool (fail open: an answer that may work
//! beats none). Then each filter in turn:
//!
//! - `geo`: keeps the targets listed for the client's country, else for its continent, else the
//!   `default` list — the first of these that keeps at least one candidate; if none does, nothing
//!   changes (so a region whose targets are all down is served by the rest);
//! - `pop`: keeps the targets mapped to the PoP that received the query, if any is a candidate;
//! - `nearest`: orders each group of ties by great-circle distance from the client (targets at the
//!   same place stay tied);
//! - `weighted`: orders each group of ties by a weighted random draw without replacement (a target's
//!   chance to come first is its weight over the group's), breaking every tie.
//!
//! Finally `first` keeps the first N. A filter never empties the list, so the answer has a target
//! whenever one is healthy. The selection also says whether it depended on the client's location,
//! which decides the ECS scope of the answer (0 when it did not).

use super::health::HealthView;
use super::places::Location;
use super::{Filter, Rule, Target, TargetId};
use rand::{Rng, RngCore};

/// The most targets a pool (or fallback pool) may hold: candidates live on the stack.
pub const MAX_POOL_TARGETS: usize = 32;

/// The targets chosen for one query, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    targets: [TargetId; MAX_POOL_TARGETS],
    len: usize,
    /// Whether another client location could have changed the result (a `geo` or `nearest` filter
    /// chose among two or more candidates).
    pub depends_on_location: bool,
    /// Which pool the candidates came from.
    pub origin: PoolOrigin,
}

/// Where the candidates of a selection came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOrigin {
    /// The healthy targets of the pool.
    Pool,
    /// The healthy targets of the fallback pool: the whole pool was down.
    Fallback,
    /// Every target of the pool, healthy or not: nothing was up.
    FailOpen,
}

/// A small, fast generator (SplitMix64, Steele, Lea and Flood 2014) for the weighted filter; the
/// server seeds one per query from its own generator, tests seed it with a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

#[derive(Clone, Copy, Debug)]
struct Candidate {
    target: TargetId,
    rank: u32,
}

/// A fixed-capacity list of candidates.
struct Candidates {
    items: [Candidate; MAX_POOL_TARGETS],
    len: usize,
}

impl Selection {
    /// The chosen targets, best first.
    pub fn targets(&self) -> &[TargetId] {
        &self.targets[..self.len]
    }
}

/// Runs `rule`'s chain. `targets` is the steering's target table (indexed by [`TargetId`]), `client`
/// where the client is (if known), `pop` the id of the PoP that received the query.
pub fn select<H: HealthView + ?Sized, R: RngCore + ?Sized>(
    rule: &Rule,
    targets: &[Target],
    client: Option<&Location>,
    pop: Option<&str>,
    health: &H,
    rng: &mut R,
) -> Selection {
    let mut origin = PoolOrigin::Pool;
    let mut candidates = Candidates::healthy(&rule.pool, health);
    if candidates.len == 0 {
        candidates = Candidates::healthy(&rule.fallback, health);
        origin = PoolOrigin::Fallback;
    }
    if candidates.len == 0 {
        candidates = Candidates::all(&rule.pool);
        origin = PoolOrigin::FailOpen;
    }
    let mut depends_on_location = false;
    for filter in &rule.chain {
        let before = candidates.len;
        match filter {
            Filter::Geo => {
                let lists = [
                    client
                        .and_then(|c| c.country)
                        .and_then(|country| rule.geo.countries.get(&country)),
                    client
                        .and_then(|c| c.continent)
                        .and_then(|continent| rule.geo.continents.get(&continent)),
                    Some(&rule.geo.default),
                ];
                for list in lists.into_iter().flatten() {
                    if candidates.keep_listed(list) {
                        break;
                    }
                }
                depends_on_location |= before > 1
                    && client.is_some()
                    && !(rule.geo.countries.is_empty() && rule.geo.continents.is_empty());
            }
            Filter::Pop => {
                if let Some(list) = pop.and_then(|pop| rule.pop_targets(pop)) {
                    candidates.keep_listed(list);
                }
            }
            Filter::Nearest => {
                if let Some(point) = client.and_then(Location::point) {
                    candidates.order_ties_by(|target| {
                        targets
                            .get(target.index())
                            .and_then(|t| t.location.point())
                            .map_or(f64::NEG_INFINITY, |p| p.closeness(point))
                    });
                    depends_on_location |= before > 1;
                }
            }
            Filter::Weighted => candidates.shuffle_ties(targets, rng),
        }
    }
    let len = match rule.first {
        Some(first) => candidates.len.min(first.max(1)),
        None => candidates.len,
    };
    let mut chosen = [TargetId(0); MAX_POOL_TARGETS];
    for (slot, candidate) in chosen.iter_mut().zip(&candidates.items[..len]) {
        *slot = candidate.target;
    }
    Selection {
        targets: chosen,
        len,
        depends_on_location,
        origin,
    }
}

impl Candidates {
    fn empty() -> Candidates {
        Candidates {
            items: [Candidate {
                target: TargetId(0),
                rank: 0,
            }; MAX_POOL_TARGETS],
            len: 0,
        }
    }

    fn push(&mut self, target: TargetId) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Candidate { target, rank: 0 };
            self.len += 1;
        }
    }

    fn healthy<H: HealthView + ?Sized>(pool: &[TargetId], health: &H) -> Candidates {
        let mut candidates = Candidates::empty();
        for &target in pool.iter().filter(|&&t| health.is_up(t)) {
            candidates.push(target);
        }
        candidates
    }

    fn all(pool: &[TargetId]) -> Candidates {
        let mut candidates = Candidates::empty();
        for &target in pool {
            candidates.push(target);
        }
        candidates
    }

    fn as_slice(&self) -> &[Candidate] {
        &self.items[..self.len]
    }

    /// Keeps the candidates in `list` (in their current order) if that keeps any; returns whether it
    /// did.
    fn keep_listed(&mut self, list: &[TargetId]) -> bool {
        if !self.as_slice().iter().any(|c| list.contains(&c.target)) {
            return false;
        }
        let mut kept = 0;
        for i in 0..self.len {
            if list.contains(&self.items[i].target) {
                self.items[kept] = self.items[i];
                kept += 1;
            }
        }
        self.len = kept;
        true
    }

    /// Orders each group of ties by `score`, highest first; equal scores stay tied. An insertion
    /// sort: pools are small, and it is stable, so targets equally far keep their order.
    fn order_ties_by(&mut self, score: impl Fn(TargetId) -> f64) {
        let len = self.len;
        let mut scores = [0f64; MAX_POOL_TARGETS];
        for (slot, candidate) in scores.iter_mut().zip(&self.items[..len]) {
            *slot = score(candidate.target);
        }
        let before = |a: (u32, f64), b: (u32, f64)| a.0 < b.0 || (a.0 == b.0 && a.1 > b.1);
        for i in 1..len {
            let (candidate, score) = (self.items[i], scores[i]);
            let mut j = i;
            while j > 0
                && before(
                    (candidate.rank, score),
                    (self.items[j - 1].rank, scores[j - 1]),
                )
            {
                self.items[j] = self.items[j - 1];
                scores[j] = scores[j - 1];
                j -= 1;
            }
            self.items[j] = candidate;
            scores[j] = score;
        }
        // New ranks: ties are the same old rank at the same distance.
        let mut ranks = [0u32; MAX_POOL_TARGETS];
        for i in 1..len {
            let same = (self.items[i].rank, scores[i].to_bits())
                == (self.items[i - 1].rank, scores[i - 1].to_bits());
            ranks[i] = if same { ranks[i - 1] } else { i as u32 };
        }
        for (candidate, rank) in self.items[..len].iter_mut().zip(ranks) {
            candidate.rank = rank;
        }
    }

    /// Orders each group of ties by a weighted draw without replacement; every rank becomes distinct.
    fn shuffle_ties<R: RngCore + ?Sized>(&mut self, targets: &[Target], rng: &mut R) {
        let weight = |target: TargetId| {
            targets
                .get(target.index())
                .map_or(0, |t| u64::from(t.weight))
        };
        let mut start = 0;
        while start < self.len {
            let rank = self.items[start].rank;
            let end = (start..self.len)
                .find(|&i| self.items[i].rank != rank)
                .unwrap_or(self.len);
            let mut total: u64 = self.items[start..end]
                .iter()
                .map(|c| weight(c.target))
                .sum();
            for position in start..end {
                if total == 0 {
                    break;
                }
                let mut draw = rng.gen_range(0..total);
                let mut pick = position;
                for i in position..end {
                    let w = weight(self.items[i].target);
                    if draw < w {
                        pick = i;
                        break;
                    }
                    draw -= w;
                }
                total -= weight(self.items[pick].target);
                self.items.swap(position, pick);
            }
            start = end;
        }
        for (i, candidate) in self.items[..self.len].iter_mut().enumerate() {
            candidate.rank = i as u32;
        }
    }
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }
}

impl RngCore for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steering::places::{airport, Continent, Country};
    use crate::steering::Rule;

    /// Targets at FRA, IAD, SJC, GRU, NRT, SYD (ids 0..6), then a backup at AMS (6).
    fn world() -> Vec<Target> {
        ["FRA", "IAD", "SJC", "GRU", "NRT", "SYD", "AMS"]
            .iter()
            .enumerate()
            .map(|(i, code)| {
                Target::new(
                    TargetId(i as u16),
                    code.to_lowercase(),
                    Location::of_airport(&airport(code).expect("known airport")),
                    vec![format!("192.0.2.{}", i + 1).parse().expect("ip")],
                    1,
                    None,
                )
            })
            .collect()
    }

    fn rule(chain: &[Filter], first: Option<usize>) -> Rule {
        let mut rule = Rule::new(
            "www.example.test.".parse().expect("name"),
            (0..6).map(TargetId).collect(),
        );
        rule.chain = chain.to_vec();
        rule.first = first;
        rule
    }

    fn at(code: &str) -> Location {
        Location::of_airport(&airport(code).expect("known airport"))
    }

    fn ids(selection: &Selection) -> Vec<u16> {
        selection.targets().iter().map(|t| t.0).collect()
    }

    const ALL_UP: [bool; 7] = [true; 7];

    #[test]
    fn nearest_orders_by_distance() {
        let targets = world();
        let rule = rule(&[Filter::Nearest], None);
        let mut rng = SplitMix64::new(1);
        // From Paris: FRA, IAD, then SJC/GRU..., SYD last.
        let selection = select(
            &rule,
            &targets,
            Some(&at("CDG")),
            None,
            &ALL_UP[..],
            &mut rng,
        );
        assert_eq!(ids(&selection)[0], 0);
        assert_eq!(*ids(&selection).last().expect("six"), 5);
        assert!(selection.depends_on_location);
        for (client, expected) in [
            ("MUC", 0),
            ("BOS", 1),
            ("LAX", 2),
            ("EZE", 3),
            ("HND", 4),
            ("MEL", 5),
        ] {
            let selection = select(
                &rule,
                &targets,
                Some(&at(client)),
                None,
                &ALL_UP[..],
                &mut rng,
            );
            assert_eq!(selection.targets()[0].0, expected, "from {client}");
        }
        // Without a location nothing is reordered and the answer does not depend on the client.
        let selection = select(&rule, &targets, None, None, &ALL_UP[..], &mut rng);
        assert_eq!(ids(&selection), vec![0, 1, 2, 3, 4, 5]);
        assert!(!selection.depends_on_location);
    }

    #[test]
    fn unhealthy_targets_are_skipped_then_fallback_then_fail_open() {
        let targets = world();
        let mut rule = rule(&[Filter::Nearest], Some(1));
        let mut rng = SplitMix64::new(1);
        let mut health = [true; 7];
        health[0] = false;
        // FRA down: a Paris client gets IAD, the next nearest.
        let selection = select(
            &rule,
            &targets,
            Some(&at("CDG")),
            None,
            &health[..],
            &mut rng,
        );
        assert_eq!(ids(&selection), vec![1]);
        assert_eq!(selection.origin, PoolOrigin::Pool);
        // All down, no fallback: fail open with the nearest of all.
        let down = [false; 7];
        let selection = select(&rule, &targets, Some(&at("CDG")), None, &down[..], &mut rng);
        assert_eq!(ids(&selection), vec![0]);
        assert_eq!(selection.origin, PoolOrigin::FailOpen);
        // All of the pool down with a healthy fallback: the fallback.
        rule.fallback = vec![TargetId(6)];
        let mut only_backup = [false; 7];
        only_backup[6] = true;
        let selection = select(
            &rule,
            &targets,
            Some(&at("NRT")),
            None,
            &only_backup[..],
            &mut rng,
        );
        assert_eq!(ids(&selection), vec![6]);
        assert_eq!(selection.origin, PoolOrigin::Fallback);
        // Fallback down too: fail open on the pool.
        let selection = select(&rule, &targets, Some(&at("NRT")), None, &down[..], &mut rng);
        assert_eq!(ids(&selection), vec![4]);
        assert_eq!(selection.origin, PoolOrigin::FailOpen);
    }

    #[test]
    fn never_empty_while_one_target_is_up() {
        let targets = world();
        let mut rng = SplitMix64::new(7);
        let mut rule = rule(
            &[Filter::Geo, Filter::Pop, Filter::Nearest, Filter::Weighted],
            Some(2),
        );
        rule.geo.countries.insert(
            Country::parse("DE").expect("code"),
            vec![TargetId(0), TargetId(6)],
        );
        rule.geo.default = vec![TargetId(1)];
        rule.pops = vec![("fra".to_string(), vec![TargetId(0)])];
        for up in 0..6 {
            let mut health = [false; 7];
            health[up] = true;
            for client in ["FRA", "JFK", "SYD"] {
                let selection = select(
                    &rule,
                    &targets,
                    Some(&at(client)),
                    Some("FRA"),
                    &health[..],
                    &mut rng,
                );
                assert_eq!(ids(&selection), vec![up as u16], "{client}, {up} up");
            }
        }
    }

    #[test]
    fn geo_overrides_country_then_continent_then_default() {
        let targets = world();
        let mut rng = SplitMix64::new(1);
        let mut rule = rule(&[Filter::Geo, Filter::Nearest], Some(1));
        // Send France to IAD (a contrived override), Europe to SJC, the rest to NRT by default.
        rule.geo
            .countries
            .insert(Country::parse("FR").expect("code"), vec![TargetId(1)]);
        rule.geo
            .continents
            .insert(Continent::Europe, vec![TargetId(2)]);
        rule.geo.default = vec![TargetId(4)];
        let pick = |client: &str, health: &[bool], rng: &mut SplitMix64| {
            ids(&select(
                &rule,
                &targets,
                Some(&at(client)),
                None,
                health,
                rng,
            ))
        };
        assert_eq!(pick("CDG", &ALL_UP, &mut rng), vec![1]);
        assert_eq!(pick("MUC", &ALL_UP, &mut rng), vec![2]);
        assert_eq!(pick("GIG", &ALL_UP, &mut rng), vec![4]);
        // France's target down: the continent's list applies.
        let mut health = ALL_UP;
        health[1] = false;
        assert_eq!(pick("CDG", &health, &mut rng), vec![2]);
        // Every listed target down: geo keeps all, nearest decides.
        health[2] = false;
        health[4] = false;
        assert_eq!(pick("CDG", &health, &mut rng), vec![0]);
    }

    #[test]
    fn pop_policy_uses_the_receiving_pop_and_not_the_client() {
        let targets = world();
        let mut rng = SplitMix64::new(1);
        let mut rule = rule(&[Filter::Pop, Filter::Nearest], Some(1));
        rule.pops = vec![
            ("fra".to_string(), vec![TargetId(0)]),
            ("nrt".to_string(), vec![TargetId(4)]),
        ];
        let pick = |pop: Option<&str>, client: &str, rng: &mut SplitMix64| {
            select(&rule, &targets, Some(&at(client)), pop, &ALL_UP[..], rng)
        };
        let selection = pick(Some("FRA"), "SYD", &mut rng);
        assert_eq!(ids(&selection), vec![0]);
        // One candidate left before nearest: the answer does not depend on the client.
        assert!(!selection.depends_on_location);
        assert_eq!(ids(&pick(Some("nrt"), "CDG", &mut rng)), vec![4]);
        // A PoP without a mapping falls through to nearest.
        assert_eq!(ids(&pick(Some("GRU"), "SYD", &mut rng)), vec![5]);
        assert_eq!(ids(&pick(None, "LAX", &mut rng)), vec![2]);
    }

    #[test]
    fn weighted_follows_the_weights_within_bounds() {
        let mut targets = world();
        targets[0].weight = 1;
        targets[1].weight = 3;
        targets[2].weight = 0;
        let mut rule = rule(&[Filter::Weighted], Some(1));
        rule.pool = vec![TargetId(0), TargetId(1), TargetId(2)];
        let mut rng = SplitMix64::new(42);
        let rounds = 40_000;
        let mut counts = [0u32; 3];
        for _ in 0..rounds {
            let selection = select(&rule, &targets, None, None, &ALL_UP[..], &mut rng);
            counts[selection.targets()[0].index()] += 1;
        }
        // Expected 25% / 75% / 0%; 40,000 draws put 5 standard deviations at about 1.1%.
        let share = |n: u32| f64::from(n) / f64::from(rounds);
        assert!((share(counts[0]) - 0.25).abs() < 0.011, "{counts:?}");
        assert!((share(counts[1]) - 0.75).abs() < 0.011, "{counts:?}");
        assert_eq!(counts[2], 0);
        // Without `first` all come back, the zero-weight target last.
        rule.first = None;
        let selection = select(&rule, &targets, None, None, &ALL_UP[..], &mut rng);
        assert_eq!(selection.targets().len(), 3);
        assert_eq!(selection.targets()[2], TargetId(2));
    }

    #[test]
    fn weighted_breaks_only_ties_left_by_nearest() {
        // Two targets at FRA and one at NRT: from Paris the two FRA targets share first place.
        let mut targets = world();
        targets[1].location = at("FRA");
        let mut rule = rule(&[Filter::Nearest, Filter::Weighted], Some(1));
        rule.pool = vec![TargetId(0), TargetId(1), TargetId(4)];
        let mut rng = SplitMix64::new(3);
        let mut counts = [0u32; 5];
        for _ in 0..2_000 {
            let selection = select(
                &rule,
                &targets,
                Some(&at("CDG")),
                None,
                &ALL_UP[..],
                &mut rng,
            );
            counts[selection.targets()[0].index()] += 1;
        }
        assert_eq!(counts[4], 0);
        assert!(counts[0] > 850 && counts[1] > 850, "{counts:?}");
    }

    #[test]
    fn first_n_truncates() {
        let targets = world();
        let mut rng = SplitMix64::new(1);
        let rule = rule(&[Filter::Nearest], Some(2));
        let selection = select(
            &rule,
            &targets,
            Some(&at("HND")),
            None,
            &ALL_UP[..],
            &mut rng,
        );
        assert_eq!(ids(&selection), vec![4, 5]);
    }
}
