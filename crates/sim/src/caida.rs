//! Loader for CAIDA AS-relationship files (<https://www.caida.org/catalog/datasets/as-relationships/>).
//!
//! Both serials, one link per line, `#` lines are comments:
//!
//! ```text
//! serial-1:  <provider-as>|<customer-as>|-1        <peer-as>|<peer-as>|0
//! serial-2:  <provider-as>|<customer-as>|-1|<source>   (the fourth column, e.g. "bgp", is ignored)
//! ```
//!
//! Two header comments are kept: `# input clique: AS AS ...` (the tier-1 clique) and
//! `# IXP ASes: AS AS ...`. The input may be plain text or bzip2-compressed (recognised by the `BZh`
//! magic), as CAIDA ships it. This module is the crate's only I/O: [`load`] opens a path, everything
//! else takes a reader or bytes.

use crate::graph::{Graph, GraphBuilder, GraphError, Link};
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Why a relationship file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// Reading (or decompressing) failed.
    Io(std::io::Error),
    /// A line that is not a link (1-based line number, what was wrong).
    Syntax {
        /// Line number, from 1.
        line: usize,
        /// What was wrong with it.
        problem: LineProblem,
    },
    /// The links do not make a graph (line numbers of the offending links).
    Graph {
        /// Line of the first link involved.
        line: usize,
        /// Line of the second, for a conflict.
        other_line: Option<usize>,
        /// The graph builder's error.
        error: GraphError,
    },
}

/// What was wrong with one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Fewer than three `|`-separated fields.
    MissingField,
    /// A field that is not an AS number (the text).
    BadAsn(String),
    /// A relationship other than `-1` or `0` (the text).
    BadRelationship(String),
    /// An ASN in a header list that is not a number.
    BadHeaderAsn(String),
    /// Not valid UTF-8.
    NotText,
}

/// Loads a file, plain or `.bz2`.
pub fn load(path: impl AsRef<Path>) -> Result<Graph, LoadError> {
    let file = std::fs::File::open(path).map_err(LoadError::Io)?;
    read(BufReader::new(file))
}

/// Reads a relationship file from `reader`, decompressing it when it starts with the bzip2 magic.
pub fn read(mut reader: impl BufRead) -> Result<Graph, LoadError> {
    let head = reader.fill_buf().map_err(LoadError::Io)?;
    if head.starts_with(b"BZh") {
        let decoder = bzip2::read::MultiBzDecoder::new(reader);
        parse(BufReader::with_capacity(1 << 16, decoder))
    } else {
        parse(reader)
    }
}

/// Parses uncompressed relationship text.
pub fn parse(mut reader: impl BufRead) -> Result<Graph, LoadError> {
    let mut builder = GraphBuilder::new();
    let mut link_lines: Vec<u32> = Vec::new();
    let mut buffer = Vec::new();
    let mut line_number = 0usize;
    loop {
        buffer.clear();
        if reader
            .read_until(b'\n', &mut buffer)
            .map_err(LoadError::Io)?
            == 0
        {
            break;
        }
        line_number += 1;
        let syntax = |problem| LoadError::Syntax {
            line: line_number,
            problem,
        };
        let text = std::str::from_utf8(&buffer).map_err(|_| syntax(LineProblem::NotText))?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(comment) = text.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(list) = comment.strip_prefix("input clique:") {
                builder.clique(header_asns(list).map_err(syntax)?);
            } else if let Some(list) = comment.strip_prefix("IXP ASes:") {
                builder.ixps(header_asns(list).map_err(syntax)?);
            }
            continue;
        }
        let (a, b, link) = parse_link(text).map_err(syntax)?;
        builder.link(a, b, link);
        link_lines.push(line_number as u32);
    }
    let line_of = |link: usize| link_lines.get(link).map_or(0, |&line| line as usize);
    builder.build().map_err(|error| match error {
        GraphError::SelfLink { link, .. } => LoadError::Graph {
            line: line_of(link),
            other_line: None,
            error,
        },
        GraphError::Conflict { first, second, .. } => LoadError::Graph {
            line: line_of(first),
            other_line: Some(line_of(second)),
            error,
        },
        GraphError::TooLarge => LoadError::Graph {
            line: line_number,
            other_line: None,
            error,
        },
    })
}

/// One link line: `a|b|rel` with an optional fourth (source) field.
fn parse_link(text: &str) -> Result<(u32, u32, Link), LineProblem> {
    let mut fields = text.split('|');
    let (Some(a), Some(b), Some(relationship)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(LineProblem::MissingField);
    };
    let asn = |field: &str| {
        field
            .trim()
            .parse::<u32>()
            .map_err(|_| LineProblem::BadAsn(field.to_string()))
    };
    let link = match relationship.trim() {
        "-1" => Link::ProviderCustomer,
        "0" => Link::Peer,
        other => return Err(LineProblem::BadRelationship(other.to_string())),
    };
    Ok((asn(a)?, asn(b)?, link))
}

/// The space-separated ASNs of a header list.
fn header_asns(list: &str) -> Result<Vec<u32>, LineProblem> {
    list.split_whitespace()
        .map(|field| {
            field
                .parse()
                .map_err(|_| LineProblem::BadHeaderAsn(field.to_string()))
        })
        .collect()
}

/// Reads everything from a reader into a graph; a convenience for in-memory bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Graph, LoadError> {
    read(BufReader::new(bytes))
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(error) => write!(f, "reading relationships: {error}"),
            LoadError::Syntax { line, problem } => write!(f, "line {line}: {problem}"),
            LoadError::Graph {
                line,
                other_line: Some(other),
                error,
            } => write!(f, "lines {line} and {other}: {error}"),
            LoadError::Graph { line, error, .. } => write!(f, "line {line}: {error}"),
        }
    }
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::MissingField => write!(f, "expected provider|customer|-1 or peer|peer|0"),
            LineProblem::BadAsn(text) => write!(f, "not an AS number: {text:?}"),
            LineProblem::BadRelationship(text) => {
                write!(f, "relationship {text:?} is neither -1 nor 0")
            }
            LineProblem::BadHeaderAsn(text) => write!(f, "header ASN {text:?} is not a number"),
            LineProblem::NotText => write!(f, "not UTF-8 text"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io(error) => Some(error),
            LoadError::Graph { error, .. } => Some(error),
            LoadError::Syntax { .. } => None,
        }
    }
}
