//! Structural facts about an AS graph: provider–customer cycles (Tarjan's strongly connected components
//! on the provider→customer graph), connected components, customer-cone sizes, and the propagation
//! ranks the engine walks.
//!
//! Ranks follow BGPy: an AS with no customers has rank 0, any other AS one more than its highest-ranked
//! customer. A provider–customer cycle has no such ranking, so ranks are computed on the condensation:
//! the ASes of one cycle share a rank, and the engine repeats that rank until nothing changes.

use crate::graph::{Adjacency, Graph};

/// The propagation order: ASes grouped by rank, lowest rank first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ranks {
    /// AS indices sorted by rank.
    order: Vec<u32>,
    /// `order[bounds[r]..bounds[r + 1]]` are the ASes of rank `r`.
    bounds: Vec<u32>,
    /// Ranks that hold a provider–customer cycle.
    cyclic: Vec<bool>,
}

/// Connected components of the graph with every link undirected.
#[derive(Clone, Debug)]
pub struct Components {
    /// The component of each AS index.
    pub of: Vec<u32>,
    /// Size of each component, by component number; the largest is [`Components::giant`].
    pub sizes: Vec<u32>,
}

impl Ranks {
    pub(crate) fn compute(count: usize, customers: &Adjacency) -> Ranks {
        let scc = tarjan(count, |index| customers.of(index));
        // Tarjan emits a component only after every component reachable from it (its customers').
        let mut component_rank = vec![0u32; scc.count as usize];
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); scc.count as usize];
        for index in 0..count as u32 {
            members[scc.of[index as usize] as usize].push(index);
        }
        let mut cyclic_component = vec![false; scc.count as usize];
        for component in 0..scc.count as usize {
            let mut rank = 0;
            for &index in &members[component] {
                for &customer in customers.of(index) {
                    let other = scc.of[customer as usize] as usize;
                    if other != component {
                        rank = rank.max(component_rank[other] + 1);
                    }
                }
            }
            component_rank[component] = rank;
            cyclic_component[component] = members[component].len() > 1;
        }
        let rank_of = |index: u32| component_rank[scc.of[index as usize] as usize];
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_by_key(|&index| (rank_of(index), index));
        let rank_count = order.last().map_or(0, |&index| rank_of(index) as usize + 1);
        let mut bounds = vec![0u32; rank_count + 1];
        let mut cyclic = vec![false; rank_count];
        for &index in &order {
            let rank = rank_of(index) as usize;
            bounds[rank + 1] += 1;
            cyclic[rank] |= cyclic_component[scc.of[index as usize] as usize];
        }
        for rank in 0..rank_count {
            bounds[rank + 1] += bounds[rank];
        }
        Ranks {
            order,
            bounds,
            cyclic,
        }
    }

    /// Number of ranks.
    pub(crate) fn count(&self) -> usize {
        self.cyclic.len()
    }

    /// The ASes of rank `rank`.
    pub(crate) fn members(&self, rank: usize) -> &[u32] {
        &self.order[self.bounds[rank] as usize..self.bounds[rank + 1] as usize]
    }

    /// True when rank `rank` holds a cycle and must be repeated to a fixed point.
    pub(crate) fn is_cyclic(&self, rank: usize) -> bool {
        self.cyclic[rank]
    }

    pub(crate) fn has_cycles(&self) -> bool {
        self.cyclic.iter().any(|&cyclic| cyclic)
    }
}

/// The provider–customer cycles: each strongly connected component of more than one AS on the
/// provider→customer graph, as sorted ASNs. A valley-free world has none; CAIDA's inference avoids them,
/// hand-made or merged topologies may not.
pub fn provider_customer_cycles(graph: &Graph) -> Vec<Vec<u32>> {
    let customers = graph.customer_adjacency();
    let scc = tarjan(graph.len(), |index| customers.of(index));
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); scc.count as usize];
    for (index, &component) in scc.of.iter().enumerate() {
        members[component as usize].push(graph.asn(index as u32));
    }
    let mut cycles: Vec<Vec<u32>> = members.into_iter().filter(|m| m.len() > 1).collect();
    cycles.sort();
    cycles
}

/// Connected components (links undirected), by union–find.
pub fn components(graph: &Graph) -> Components {
    let count = graph.len();
    let mut parent: Vec<u32> = (0..count as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let grand = parent[parent[x as usize] as usize];
            parent[x as usize] = grand;
            x = grand;
        }
        x
    }
    for index in 0..count as u32 {
        for &other in graph.customers(index).iter().chain(graph.peers(index)) {
            let (a, b) = (find(&mut parent, index), find(&mut parent, other));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let mut number = vec![u32::MAX; count];
    let mut of = vec![0u32; count];
    let mut sizes = Vec::new();
    for index in 0..count as u32 {
        let root = find(&mut parent, index) as usize;
        if number[root] == u32::MAX {
            number[root] = sizes.len() as u32;
            sizes.push(0);
        }
        of[index as usize] = number[root];
        sizes[number[root] as usize] += 1;
    }
    Components { of, sizes }
}

impl Components {
    /// The number of the largest component (the lowest-numbered among equals), `None` for no ASes.
    pub fn giant(&self) -> Option<u32> {
        (0..self.sizes.len() as u32).max_by_key(|&c| (self.sizes[c as usize], u32::MAX - c))
    }

    /// Number of components.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }
}

/// The customer-cone size of every AS (by index): the ASes reachable from it over provider→customer
/// links, itself included (CAIDA's "customer cone"). One breadth-first search per AS that has customers,
/// with a generation-stamped visited array so nothing is cleared between searches.
pub fn customer_cone_sizes(graph: &Graph) -> Vec<u32> {
    let count = graph.len();
    let mut sizes = vec![1u32; count];
    let mut stamp = vec![u32::MAX; count];
    let mut queue: Vec<u32> = Vec::new();
    for root in 0..count as u32 {
        if graph.customers(root).is_empty() {
            continue;
        }
        queue.clear();
        queue.push(root);
        stamp[root as usize] = root;
        let mut head = 0;
        while let Some(&index) = queue.get(head) {
            head += 1;
            for &customer in graph.customers(index) {
                if stamp[customer as usize] != root {
                    stamp[customer as usize] = root;
                    queue.push(customer);
                }
            }
        }
        sizes[root as usize] = queue.len() as u32;
    }
    sizes
}

/// Strongly connected components: the component of each node and how many there are, numbered in the
/// order Tarjan's algorithm completes them (a component after every component it reaches).
struct Scc {
    of: Vec<u32>,
    count: u32,
}

/// Tarjan's algorithm, iterative (the graph is deep enough that recursion could overflow the stack).
fn tarjan<'a>(count: usize, successors: impl Fn(u32) -> &'a [u32]) -> Scc {
    const UNSEEN: u32 = u32::MAX;
    let mut order = vec![UNSEEN; count];
    let mut low = vec![0u32; count];
    let mut on_stack = vec![false; count];
    let mut stack: Vec<u32> = Vec::new();
    let mut calls: Vec<(u32, u32)> = Vec::new();
    let mut of = vec![0u32; count];
    let mut next_order = 0u32;
    let mut components = 0u32;
    for root in 0..count as u32 {
        if order[root as usize] != UNSEEN {
            continue;
        }
        order[root as usize] = next_order;
        low[root as usize] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        calls.push((root, 0));
        while let Some(&mut (node, ref mut edge)) = calls.last_mut() {
            let next = successors(node);
            if let Some(&successor) = next.get(*edge as usize) {
                *edge += 1;
                let s = successor as usize;
                if order[s] == UNSEEN {
                    order[s] = next_order;
                    low[s] = next_order;
                    next_order += 1;
                    stack.push(successor);
                    on_stack[s] = true;
                    calls.push((successor, 0));
                } else if on_stack[s] {
                    low[node as usize] = low[node as usize].min(order[s]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[node as usize]);
            }
            if low[node as usize] == order[node as usize] {
                while let Some(member) = stack.pop() {
                    on_stack[member as usize] = false;
                    of[member as usize] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    Scc {
        of,
        count: components,
    }
}
