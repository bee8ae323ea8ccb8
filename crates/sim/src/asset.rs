//! [`AsSet`]: a set of ASes of one graph as a bitset over dense indices, the per-AS flag the policies
//! use (ROV adopters, ASPA adopters, ...). 55,809 ASes take 7 KB, so a sweep builds one per trial.

use crate::graph::Graph;

/// A set of AS indices of one graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsSet {
    words: Vec<u64>,
    capacity: usize,
}

/// An ASN that the graph does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownAsn(pub u32);

impl AsSet {
    /// The empty set for a graph of `capacity` ASes.
    pub fn empty(capacity: usize) -> AsSet {
        AsSet {
            words: vec![0; capacity.div_ceil(64)],
            capacity,
        }
    }

    /// The empty set for `graph`.
    pub fn for_graph(graph: &Graph) -> AsSet {
        AsSet::empty(graph.len())
    }

    /// Every AS of `graph`.
    pub fn all(graph: &Graph) -> AsSet {
        let mut set = AsSet::for_graph(graph);
        for index in 0..graph.len() as u32 {
            set.insert(index);
        }
        set
    }

    /// The set of these ASNs of `graph`; the first unknown ASN is an error.
    pub fn from_asns(
        graph: &Graph,
        asns: impl IntoIterator<Item = u32>,
    ) -> Result<AsSet, UnknownAsn> {
        let mut set = AsSet::for_graph(graph);
        for asn in asns {
            set.insert(graph.index(asn).ok_or(UnknownAsn(asn))?);
        }
        Ok(set)
    }

    /// How many indices the set is for (the graph's AS count).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// True when `index` is in the set (false past the capacity).
    #[inline]
    pub fn contains(&self, index: u32) -> bool {
        self.words
            .get(index as usize / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Adds `index` (ignored past the capacity).
    pub fn insert(&mut self, index: u32) {
        if (index as usize) < self.capacity {
            self.words[index as usize / 64] |= 1 << (index % 64);
        }
    }

    /// Removes `index`.
    pub fn remove(&mut self, index: u32) {
        if let Some(word) = self.words.get_mut(index as usize / 64) {
            *word &= !(1 << (index % 64));
        }
    }

    /// Removes every index, keeping the allocation.
    pub fn clear(&mut self) {
        self.words.fill(0);
    }

    /// Number of indices in the set.
    pub fn len(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// True when some index is in the set (the engine skips a policy nobody adopts).
    pub(crate) fn any(&self) -> bool {
        !self.is_empty()
    }
}

impl std::fmt::Display for UnknownAsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AS{} is not in the topology", self.0)
    }
}

impl std::error::Error for UnknownAsn {}
