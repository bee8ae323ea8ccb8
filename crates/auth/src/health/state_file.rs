//! The external state file, like gdnsd's extfile: a central monitor writes it (or copies it to every
//! PoP) to force targets up or down whatever their own checks say.
//!
//! ```text
//! # target   state
//! fra        DOWN      # draining for maintenance
//! iad        UP
//! sjc        NONE      # the checks decide (same as no line)
//! ```
//!
//! One target per line: its id, then `UP`, `DOWN` or `NONE` (any case), separated by blanks. `#`
//! starts a comment; blank lines are ignored. A file with any error is rejected whole, with the
//! line number, and the server keeps the states it had: half a file is worse than the previous one.
//! Ids that name no target are allowed (one file may drive PoPs that have different targets).

use super::State;
use std::collections::HashMap;
use std::fmt;

/// The largest state file read (about 20,000 lines); a bigger one is an error, not a memory hazard.
pub const MAX_STATE_FILE_BYTES: u64 = 1 << 20;

/// The targets a state file forces, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForcedStates {
    states: HashMap<String, State>,
}

impl ForcedStates {
    /// The state forced on `id`, if any.
    pub fn get(&self, id: &str) -> Option<State> {
        self.states.get(id).copied()
    }

    /// The ids forced.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.states.keys().map(String::as_str)
    }

    /// How many targets are forced.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether nothing is forced.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// Why a state file was rejected: the line (from 1) and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateFileError {
    /// The line, counting from 1.
    pub line: usize,
    /// What was wrong.
    pub kind: StateFileErrorKind,
}

/// What was wrong with a state file line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateFileErrorKind {
    /// An id without a state.
    MissingState,
    /// A state other than `UP`, `DOWN` or `NONE`.
    UnknownState(String),
    /// More than two fields.
    ExtraField(String),
    /// The same id a second time.
    Duplicate {
        /// The line that named it first.
        first: usize,
    },
}

/// Parses a state file's text.
pub fn parse(text: &str) -> Result<ForcedStates, StateFileError> {
    let mut states = HashMap::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let error = |kind| StateFileError { line: number, kind };
        let content = line.split_once('#').map_or(line, |(before, _)| before);
        let mut fields = content.split_whitespace();
        let Some(id) = fields.next() else {
            continue;
        };
        let state = fields
            .next()
            .ok_or_else(|| error(StateFileErrorKind::MissingState))?;
        if let Some(extra) = fields.next() {
            return Err(error(StateFileErrorKind::ExtraField(extra.to_string())));
        }
        let state = if state.eq_ignore_ascii_case("UP") {
            Some(State::Up)
        } else if state.eq_ignore_ascii_case("DOWN") {
            Some(State::Down)
        } else if state.eq_ignore_ascii_case("NONE") {
            None
        } else {
            return Err(error(StateFileErrorKind::UnknownState(state.to_string())));
        };
        if let Some(first) = seen.insert(id, number) {
            return Err(error(StateFileErrorKind::Duplicate { first }));
        }
        if let Some(state) = state {
            states.insert(id.to_string(), state);
        }
    }
    Ok(ForcedStates { states })
}

impl fmt::Display for StateFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

impl fmt::Display for StateFileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateFileErrorKind::MissingState => {
                f.write_str("an id needs a state (UP, DOWN or NONE)")
            }
            StateFileErrorKind::UnknownState(state) => {
                write!(f, "unknown state {state:?} (UP, DOWN or NONE)")
            }
            StateFileErrorKind::ExtraField(field) => {
                write!(f, "unexpected {field:?} after the state")
            }
            StateFileErrorKind::Duplicate { first } => {
                write!(f, "target already given on line {first}")
            }
        }
    }
}

impl std::error::Error for StateFileError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_states_comments_and_blank_lines() {
        let forced = parse(
            "# written by the central monitor\n\nfra DOWN # maintenance\n  iad\tup\nsjc NONE\nnrt Down",
        )
        .expect("valid");
        assert_eq!(forced.get("fra"), Some(State::Down));
        assert_eq!(forced.get("iad"), Some(State::Up));
        assert_eq!(forced.get("sjc"), None, "NONE forces nothing");
        assert_eq!(forced.get("nrt"), Some(State::Down));
        assert_eq!(forced.len(), 3);
        assert!(parse("").expect("empty is valid").is_empty());
    }

    #[test]
    fn errors_carry_line_numbers() {
        let cases: [(&str, usize, StateFileErrorKind); 4] = [
            ("fra UP\niad\n", 2, StateFileErrorKind::MissingState),
            (
                "# x\n\nfra UPP\n",
                3,
                StateFileErrorKind::UnknownState("UPP".into()),
            ),
            (
                "fra UP now\n",
                1,
                StateFileErrorKind::ExtraField("now".into()),
            ),
            (
                "fra UP\niad UP\nfra NONE\n",
                3,
                StateFileErrorKind::Duplicate { first: 1 },
            ),
        ];
        for (text, line, kind) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error, StateFileError { line, kind }, "{text:?}");
        }
        let error = parse("a UP\nb maybe\n").expect_err("bad state");
        assert_eq!(
            error.to_string(),
            "line 2: unknown state \"maybe\" (UP, DOWN or NONE)"
        );
    }
}
