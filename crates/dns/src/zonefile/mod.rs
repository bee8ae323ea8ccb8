//! The RFC 1035 §5 master file format: a streaming parser from zone file text to [`Record`]s.
//!
//! It handles `$ORIGIN`, `$TTL` (RFC 2308 §4) and `$INCLUDE`, parentheses, comments, quoted strings,
//! escapes, `@`, relative names, omitted owners, TTLs and classes, TTL units, `TYPEnnn`, `CLASSnnn` and
//! RFC 3597 `\#` generic RDATA (through [`parse_rdata`]). The first error stops the parse and says
//! where it is (`file:line:column`) and what was expected.
//!
//! # Defaults for omitted fields
//!
//! - **Owner**: a line that starts with a blank repeats the previous record's owner.
//! - **Class**: the class of the previous record, else `IN`.
//! - **TTL**: the last `$TTL` if one was seen (RFC 2308 §4); else the previous record's TTL (RFC 1035
//!   §5.1); else, for an SOA record, its MINIMUM field, as BIND and Knot do; else it is an error.
//! - **Origin**: the caller's, then each `$ORIGIN`. With neither, an absolute SOA owner becomes the
//!   origin; any relative name (or `@`) before an origin is known is an error.
//!
//! `$INCLUDE file [origin]` reads `file` (relative to the including file's directory) through a
//! [`FileSource`], so the parser itself does no I/O and tests can serve files from memory. The included
//! file starts with the given origin (or the current one) and no previous owner; when it ends, the
//! including file's origin and previous owner come back (RFC 1035 §5.1), while `$TTL`, the last TTL and
//! the last class carry on. Includes nest at most [`MAX_INCLUDE_DEPTH`] deep by default.
//!
//! The lexer works on bytes and borrows tokens from the text, and names are built on the stack, so an
//! A record costs one allocation (its owner name): about a million records per 0.2–0.5 s in release.

pub(crate) mod lexer;

use crate::message::Record;
use crate::name::{Name, NameError};
use crate::presentation::{self, parse_rdata, RdataErrorKind, Token};
use crate::rdata::RData;
use crate::types::{Class, RType};
use lexer::{LexError, LexErrorKind, Lexer, Position};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How deep `$INCLUDE`s may nest by default: enough for any real layout, and a file that includes
/// itself fails quickly instead of exhausting memory.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// The largest TTL a record may have (RFC 2181 §8: the top bit must be clear).
pub const MAX_TTL: u32 = 0x7fff_ffff;

/// Where a record or error is: the file label, the 1-based line and the 1-based byte column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file as given (or as resolved for an `$INCLUDE`), or the label given with the text.
    pub file: Arc<str>,
    /// The line, from 1.
    pub line: u32,
    /// The byte column, from 1.
    pub column: u32,
}

impl fmt::Display for Location {
    /// `file:line:column`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Reads the files that the parser is asked for: the zone file itself and its `$INCLUDE`s.
pub trait FileSource {
    /// Returns the whole contents of `path`.
    fn read(&mut self, path: &Path) -> io::Result<Vec<u8>>;
}

/// Reads files from the file system with [`std::fs::read`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FileSystem;

impl FileSource for FileSystem {
    fn read(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

impl<F: FnMut(&Path) -> io::Result<Vec<u8>>> FileSource for F {
    fn read(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        self(path)
    }
}

/// A master file parser: its settings and the source of files.
///
/// ```
/// use globe_dns::zonefile::ZoneFileParser;
/// let text = "$ORIGIN example.\n$TTL 1h\n@ SOA ns host 1 2 3 4 5\n  NS ns\nns A 192.0.2.1\n";
/// let records = ZoneFileParser::new().parse_bytes(text.as_bytes(), "example.zone")?;
/// assert_eq!(records.len(), 3);
/// assert_eq!(records[2].to_string(), "ns.example.\t3600\tIN\tA\t192.0.2.1");
/// # Ok::<(), globe_dns::zonefile::ZoneFileError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ZoneFileParser<S = FileSystem> {
    source: S,
    origin: Option<Name>,
    max_include_depth: usize,
}

impl ZoneFileParser<FileSystem> {
    /// A parser that reads files from the file system, with no origin.
    pub fn new() -> ZoneFileParser<FileSystem> {
        ZoneFileParser::with_source(FileSystem)
    }
}

impl Default for ZoneFileParser<FileSystem> {
    fn default() -> Self {
        ZoneFileParser::new()
    }
}

/// The parser's state that carries from record to record.
struct State {
    /// The current origin.
    origin: Option<Name>,
    /// The last `$TTL`.
    default_ttl: Option<u32>,
    /// The previous record's TTL.
    last_ttl: Option<u32>,
    /// The previous record's class.
    last_class: Option<Class>,
    /// The previous record's owner in wire form, empty when there is none. Kept as bytes so that
    /// remembering it costs no allocation.
    last_owner: Vec<u8>,
}

/// A failure inside an entry: the index of the token at fault (the token count when something is
/// missing at the end) and what went wrong.
struct Fault {
    index: usize,
    kind: ZoneFileErrorKind,
}

impl Fault {
    fn new(index: usize, kind: ZoneFileErrorKind) -> Fault {
        Fault { index, kind }
    }
}

/// The file being read.
struct Frame<'p> {
    path: &'p Path,
    location: Location,
    depth: usize,
}

impl<S: FileSource> ZoneFileParser<S> {
    /// A parser that reads files through `source`.
    pub fn with_source(source: S) -> ZoneFileParser<S> {
        ZoneFileParser {
            source,
            origin: None,
            max_include_depth: MAX_INCLUDE_DEPTH,
        }
    }

    /// Sets the origin that relative names start from, until a `$ORIGIN` changes it.
    pub fn with_origin(mut self, origin: Option<Name>) -> ZoneFileParser<S> {
        self.origin = origin;
        self
    }

    /// Sets how deep `$INCLUDE`s may nest; 0 forbids them (for zone text from untrusted sources).
    pub fn with_max_include_depth(mut self, depth: usize) -> ZoneFileParser<S> {
        self.max_include_depth = depth;
        self
    }

    /// Reads the zone file at `path`, giving each record and where it starts to `sink`.
    pub fn read_file(
        &mut self,
        path: &Path,
        mut sink: impl FnMut(Record, &Location),
    ) -> Result<(), ZoneFileError> {
        let label = path.display().to_string();
        let text = self.source.read(path).map_err(|error| ZoneFileError {
            file: label.clone(),
            line: 0,
            column: 0,
            kind: ZoneFileErrorKind::Io {
                path: label.clone(),
                message: error.to_string(),
            },
        })?;
        self.read_root(&text, path, label, &mut sink)
    }

    /// Reads zone file text, giving each record and where it starts to `sink`. `file_label` names the
    /// text in locations and errors, and its directory is where relative `$INCLUDE`s are looked for.
    pub fn read_bytes(
        &mut self,
        text: &[u8],
        file_label: &str,
        mut sink: impl FnMut(Record, &Location),
    ) -> Result<(), ZoneFileError> {
        self.read_root(
            text,
            Path::new(file_label),
            file_label.to_string(),
            &mut sink,
        )
    }

    /// Reads the zone file at `path` into a list of records.
    pub fn parse_file(&mut self, path: &Path) -> Result<Vec<Record>, ZoneFileError> {
        let mut records = Vec::new();
        self.read_file(path, |record, _| records.push(record))?;
        Ok(records)
    }

    /// Reads the zone file at `path` into a list of records with where each starts.
    pub fn parse_file_located(
        &mut self,
        path: &Path,
    ) -> Result<Vec<(Record, Location)>, ZoneFileError> {
        let mut records = Vec::new();
        self.read_file(path, |record, location| {
            records.push((record, location.clone()))
        })?;
        Ok(records)
    }

    /// Reads zone file text into a list of records (see [`read_bytes`](Self::read_bytes)).
    pub fn parse_bytes(
        &mut self,
        text: &[u8],
        file_label: &str,
    ) -> Result<Vec<Record>, ZoneFileError> {
        let mut records = Vec::new();
        self.read_bytes(text, file_label, |record, _| records.push(record))?;
        Ok(records)
    }

    /// Reads zone file text into a list of records with where each starts.
    pub fn parse_bytes_located(
        &mut self,
        text: &[u8],
        file_label: &str,
    ) -> Result<Vec<(Record, Location)>, ZoneFileError> {
        let mut records = Vec::new();
        self.read_bytes(text, file_label, |record, location| {
            records.push((record, location.clone()))
        })?;
        Ok(records)
    }

    fn read_root(
        &mut self,
        text: &[u8],
        path: &Path,
        label: String,
        sink: &mut dyn FnMut(Record, &Location),
    ) -> Result<(), ZoneFileError> {
        let mut state = State {
            origin: self.origin.clone(),
            default_ttl: None,
            last_ttl: None,
            last_class: None,
            last_owner: Vec::with_capacity(64),
        };
        let frame = Frame {
            path,
            location: Location {
                file: label.into(),
                line: 0,
                column: 0,
            },
            depth: 0,
        };
        self.read_text(text, frame, &mut state, sink)
    }

    /// Parses one file's text.
    fn read_text(
        &mut self,
        text: &[u8],
        mut frame: Frame<'_>,
        state: &mut State,
        sink: &mut dyn FnMut(Record, &Location),
    ) -> Result<(), ZoneFileError> {
        let mut lexer = Lexer::new(text);
        let mut tokens: Vec<Token<'_>> = Vec::with_capacity(16);
        let mut positions: Vec<Position> = Vec::with_capacity(16);
        loop {
            let blank_owner = match lexer.next_entry(&mut tokens, &mut positions) {
                Ok(Some(blank_owner)) => blank_owner,
                Ok(None) => return Ok(()),
                Err(error) => return Err(lex_error(&frame.location.file, error)),
            };
            let fault_at = |fault: Fault| {
                let position = fault_position(&tokens, &positions, fault.index);
                ZoneFileError::at(&frame.location.file, position, fault.kind)
            };
            let first = tokens[0];
            if !blank_owner && !first.quoted && first.text.first() == Some(&b'$') {
                self.directive(&tokens, &frame, state, sink, &fault_at)?;
                continue;
            }
            let record = entry_record(state, blank_owner, &tokens).map_err(fault_at)?;
            frame.location.line = positions[0].line;
            frame.location.column = positions[0].column;
            sink(record, &frame.location);
        }
    }

    /// Carries out `$ORIGIN`, `$TTL` or `$INCLUDE`.
    fn directive(
        &mut self,
        tokens: &[Token<'_>],
        frame: &Frame<'_>,
        state: &mut State,
        sink: &mut dyn FnMut(Record, &Location),
        fault_at: &dyn Fn(Fault) -> ZoneFileError,
    ) -> Result<(), ZoneFileError> {
        let word = tokens[0].text;
        let directive = if word.eq_ignore_ascii_case(b"$ORIGIN") {
            "$ORIGIN"
        } else if word.eq_ignore_ascii_case(b"$TTL") {
            "$TTL"
        } else if word.eq_ignore_ascii_case(b"$INCLUDE") {
            "$INCLUDE"
        } else {
            return Err(fault_at(Fault::new(
                0,
                ZoneFileErrorKind::UnknownDirective(lossy(word)),
            )));
        };
        let (expected, most) = match directive {
            "$ORIGIN" => ("a domain name", 2),
            "$TTL" => ("a TTL", 2),
            _ => ("a file name", 3),
        };
        if tokens.len() < 2 {
            return Err(fault_at(Fault::new(
                1,
                ZoneFileErrorKind::MissingArgument {
                    directive,
                    expected,
                },
            )));
        }
        if let Some(extra) = tokens.get(most) {
            return Err(fault_at(Fault::new(
                most,
                ZoneFileErrorKind::ExtraArgument {
                    directive,
                    found: lossy(extra.text),
                },
            )));
        }
        match directive {
            "$ORIGIN" => {
                let origin =
                    name_field(tokens[1].text, state.origin.as_ref(), 1).map_err(fault_at)?;
                state.origin = Some(origin);
            }
            "$TTL" => state.default_ttl = Some(ttl_field(tokens[1].text, 1).map_err(fault_at)?),
            _ => self.include(tokens, frame, state, sink, fault_at)?,
        }
        Ok(())
    }

    /// Reads the file of an `$INCLUDE file [origin]` entry.
    fn include(
        &mut self,
        tokens: &[Token<'_>],
        frame: &Frame<'_>,
        state: &mut State,
        sink: &mut dyn FnMut(Record, &Location),
        fault_at: &dyn Fn(Fault) -> ZoneFileError,
    ) -> Result<(), ZoneFileError> {
        if frame.depth >= self.max_include_depth {
            return Err(fault_at(Fault::new(
                0,
                ZoneFileErrorKind::IncludeTooDeep(self.max_include_depth),
            )));
        }
        let mut file_name = Vec::with_capacity(tokens[1].text.len());
        let bad_file_name = || {
            fault_at(Fault::new(
                1,
                ZoneFileErrorKind::BadFileName(lossy(tokens[1].text)),
            ))
        };
        presentation::unescape(tokens[1].text, &mut file_name).map_err(|_| bad_file_name())?;
        let file_name = String::from_utf8(file_name).map_err(|_| bad_file_name())?;
        let file_name = Path::new(&file_name);
        let path: PathBuf = if file_name.is_absolute() {
            file_name.to_path_buf()
        } else {
            frame.path.parent().unwrap_or(Path::new("")).join(file_name)
        };
        let origin = match tokens.get(2) {
            Some(token) => {
                Some(name_field(token.text, state.origin.as_ref(), 2).map_err(fault_at)?)
            }
            None => state.origin.clone(),
        };
        let label = path.display().to_string();
        let text = self.source.read(&path).map_err(|error| {
            fault_at(Fault::new(
                1,
                ZoneFileErrorKind::Io {
                    path: label.clone(),
                    message: error.to_string(),
                },
            ))
        })?;
        let saved_origin = std::mem::replace(&mut state.origin, origin);
        let saved_owner = std::mem::take(&mut state.last_owner);
        let inner = Frame {
            path: &path,
            location: Location {
                file: label.into(),
                line: 0,
                column: 0,
            },
            depth: frame.depth + 1,
        };
        // An error inside the included file is reported where it is, not at the `$INCLUDE`.
        let result = self.read_text(&text, inner, state, sink);
        state.origin = saved_origin;
        state.last_owner = saved_owner;
        result
    }
}

/// Parses one record entry: `[owner] [TTL] [class] type RDATA`, TTL and class in either order.
fn entry_record(
    state: &mut State,
    blank_owner: bool,
    tokens: &[Token<'_>],
) -> Result<Record, Fault> {
    let (owner, mut index) = if blank_owner {
        if state.last_owner.is_empty() {
            return Err(Fault::new(0, ZoneFileErrorKind::NoPreviousOwner));
        }
        let owner = Name::from_wire(&state.last_owner).map_err(|error| {
            Fault::new(
                0,
                ZoneFileErrorKind::BadName {
                    found: String::new(),
                    error,
                },
            )
        })?;
        (owner, 0)
    } else {
        (name_field(tokens[0].text, state.origin.as_ref(), 0)?, 1)
    };
    let mut ttl = None;
    let mut class = None;
    let rtype = loop {
        let Some(token) = tokens.get(index) else {
            return Err(Fault::new(index, ZoneFileErrorKind::MissingType));
        };
        let text = token.text;
        if ttl.is_none() && text.first().is_some_and(u8::is_ascii_digit) {
            ttl = Some(ttl_field(text, index)?);
        } else if let (None, Some(found)) = (class, class_mnemonic(text)) {
            class = Some(found);
        } else {
            let rtype = std::str::from_utf8(text)
                .ok()
                .and_then(RType::from_mnemonic)
                .ok_or_else(|| Fault::new(index, ZoneFileErrorKind::ExpectedType(lossy(text))))?;
            break rtype;
        }
        index += 1;
    };
    if rtype.is_meta() {
        return Err(Fault::new(index, ZoneFileErrorKind::MetaType(rtype)));
    }
    if rtype == RType::SOA && state.origin.is_none() {
        state.origin = Some(owner.clone());
    }
    let rdata_start = index + 1;
    let data =
        parse_rdata(rtype, &tokens[rdata_start..], state.origin.as_ref()).map_err(|error| {
            Fault::new(
                rdata_start + error.index,
                ZoneFileErrorKind::Rdata {
                    rtype,
                    error: error.kind,
                },
            )
        })?;
    let ttl = match (ttl, state.default_ttl.or(state.last_ttl), &data) {
        (Some(ttl), _, _) | (None, Some(ttl), _) => ttl,
        (None, None, RData::Soa(soa)) => soa.minimum.min(MAX_TTL),
        (None, None, _) => return Err(Fault::new(index, ZoneFileErrorKind::NoTtl)),
    };
    let class = class.or(state.last_class).unwrap_or(Class::IN);
    state.last_ttl = Some(ttl);
    state.last_class = Some(class);
    state.last_owner.clear();
    state.last_owner.extend_from_slice(owner.as_wire());
    Ok(Record {
        name: owner,
        class,
        ttl,
        data,
    })
}

/// A class mnemonic that may appear in a zone: `IN`, `CH`/`CHAOS`, `HS` or `CLASSnnn` (RFC 3597 §5).
/// `ANY` and `NONE` are query and update classes, so they are not recognised here.
fn class_mnemonic(text: &[u8]) -> Option<Class> {
    if text.eq_ignore_ascii_case(b"IN") {
        return Some(Class::IN);
    }
    if text.eq_ignore_ascii_case(b"CH") || text.eq_ignore_ascii_case(b"CHAOS") {
        return Some(Class::CH);
    }
    if text.eq_ignore_ascii_case(b"HS") {
        return Some(Class::HS);
    }
    let (prefix, digits) = text.split_at_checked(5)?;
    if !prefix.eq_ignore_ascii_case(b"CLASS") || digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let mut value: u32 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(digit - b'0');
    }
    u16::try_from(value).ok().map(Class)
}

/// Parses a name field; relative names need an origin.
fn name_field(text: &[u8], origin: Option<&Name>, index: usize) -> Result<Name, Fault> {
    presentation::parse_name(text, origin).map_err(|error| {
        let kind = match error {
            NameError::Relative => ZoneFileErrorKind::NoOrigin(lossy(text)),
            error => ZoneFileErrorKind::BadName {
                found: lossy(text),
                error,
            },
        };
        Fault::new(index, kind)
    })
}

/// Parses a record's or `$TTL`'s TTL, which must fit RFC 2181 §8.
fn ttl_field(text: &[u8], index: usize) -> Result<u32, Fault> {
    let ttl = presentation::parse_ttl(text)
        .ok_or_else(|| Fault::new(index, ZoneFileErrorKind::BadTtl(lossy(text))))?;
    if ttl > MAX_TTL {
        return Err(Fault::new(index, ZoneFileErrorKind::TtlTooLarge(ttl)));
    }
    Ok(ttl)
}

fn lossy(text: &[u8]) -> String {
    String::from_utf8_lossy(text).into_owned()
}

/// Where token `index` starts, or where the entry ends when `index` is past the last token.
fn fault_position(tokens: &[Token<'_>], positions: &[Position], index: usize) -> Position {
    if let Some(position) = positions.get(index) {
        return *position;
    }
    match (tokens.last(), positions.last()) {
        (Some(token), Some(position)) => {
            let width = token.text.len() + if token.quoted { 2 } else { 0 };
            Position {
                line: position.line,
                column: position
                    .column
                    .saturating_add(u32::try_from(width).unwrap_or(u32::MAX)),
            }
        }
        _ => Position { line: 0, column: 0 },
    }
}

fn lex_error(file: &str, error: LexError) -> ZoneFileError {
    let kind = match error.kind {
        LexErrorKind::UnterminatedString => ZoneFileErrorKind::UnterminatedString,
        LexErrorKind::UnclosedParenthesis => ZoneFileErrorKind::UnclosedParenthesis,
        LexErrorKind::UnexpectedCloseParenthesis => ZoneFileErrorKind::UnexpectedCloseParenthesis,
        LexErrorKind::NestedParenthesis => ZoneFileErrorKind::NestedParenthesis,
    };
    ZoneFileError::at(file, error.position, kind)
}

/// Reads the zone file at `path` from the file system, starting from `origin` if given.
pub fn parse_file(path: &Path, origin: Option<Name>) -> Result<Vec<Record>, ZoneFileError> {
    ZoneFileParser::new().with_origin(origin).parse_file(path)
}

/// Reads zone file text, starting from `origin` if given. `file_label` names it in errors, and its
/// directory is where relative `$INCLUDE`s are read from the file system.
pub fn parse_str(
    text: impl AsRef<[u8]>,
    origin: Option<Name>,
    file_label: &str,
) -> Result<Vec<Record>, ZoneFileError> {
    ZoneFileParser::new()
        .with_origin(origin)
        .parse_bytes(text.as_ref(), file_label)
}

/// A zone file error and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneFileError {
    /// The file, as given or as resolved for an `$INCLUDE`.
    pub file: String,
    /// The line, from 1; 0 when the error is about the whole file (it could not be read).
    pub line: u32,
    /// The byte column, from 1; 0 with line 0.
    pub column: u32,
    /// What went wrong.
    pub kind: ZoneFileErrorKind,
}

impl ZoneFileError {
    fn at(file: &str, position: Position, kind: ZoneFileErrorKind) -> ZoneFileError {
        ZoneFileError {
            file: file.to_string(),
            line: position.line,
            column: position.column,
            kind,
        }
    }
}

/// What was wrong in a zone file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneFileErrorKind {
    /// A `"` is not closed on its line.
    UnterminatedString,
    /// A `(` is not closed by the end of the file.
    UnclosedParenthesis,
    /// A `)` has no `(` before it.
    UnexpectedCloseParenthesis,
    /// A `(` appears inside parentheses.
    NestedParenthesis,
    /// A line starts with a blank (omitted owner) but there is no previous owner.
    NoPreviousOwner,
    /// A relative name (or `@`) appears while no origin is known.
    NoOrigin(String),
    /// A domain name is malformed.
    BadName {
        /// The text.
        found: String,
        /// Why it is not a name.
        error: NameError,
    },
    /// A TTL is malformed.
    BadTtl(String),
    /// A TTL is above 2147483647 (RFC 2181 §8).
    TtlTooLarge(u32),
    /// A record has no TTL and there is nothing to take one from.
    NoTtl,
    /// A token is neither a TTL, a class nor a record type.
    ExpectedType(String),
    /// The entry ends before its record type.
    MissingType,
    /// The type is a meta type or QTYPE (OPT, ANY, AXFR...), which cannot be in a zone.
    MetaType(RType),
    /// The RDATA is wrong for its type.
    Rdata {
        /// The record type.
        rtype: RType,
        /// What was wrong.
        error: RdataErrorKind,
    },
    /// A `$` word that is not a known directive.
    UnknownDirective(String),
    /// A directive lacks its argument.
    MissingArgument {
        /// The directive.
        directive: &'static str,
        /// What it needs.
        expected: &'static str,
    },
    /// A directive has too many arguments.
    ExtraArgument {
        /// The directive.
        directive: &'static str,
        /// The first extra argument.
        found: String,
    },
    /// An `$INCLUDE` file name is malformed (bad escape, not UTF-8).
    BadFileName(String),
    /// `$INCLUDE`s nest deeper than the limit (0: includes are disabled).
    IncludeTooDeep(usize),
    /// A file could not be read.
    Io {
        /// The file.
        path: String,
        /// The system's error message.
        message: String,
    },
}

impl fmt::Display for ZoneFileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZoneFileErrorKind::UnterminatedString => {
                f.write_str(LexErrorKind::UnterminatedString.message())
            }
            ZoneFileErrorKind::UnclosedParenthesis => {
                f.write_str(LexErrorKind::UnclosedParenthesis.message())
            }
            ZoneFileErrorKind::UnexpectedCloseParenthesis => {
                f.write_str(LexErrorKind::UnexpectedCloseParenthesis.message())
            }
            ZoneFileErrorKind::NestedParenthesis => {
                f.write_str(LexErrorKind::NestedParenthesis.message())
            }
            ZoneFileErrorKind::NoPreviousOwner => f.write_str(
                "the line starts with a blank, so the owner is the previous record's, but there is none",
            ),
            ZoneFileErrorKind::NoOrigin(found) => write!(
                f,
                "relative name `{found}` but no origin is known, expected $ORIGIN or an absolute name"
            ),
            ZoneFileErrorKind::BadName { found, error } => {
                write!(f, "bad domain name `{found}`: {error}")
            }
            ZoneFileErrorKind::BadTtl(found) => write!(
                f,
                "expected a TTL (seconds, or with units as in 1h30m), found `{found}`"
            ),
            ZoneFileErrorKind::TtlTooLarge(ttl) => {
                write!(f, "TTL {ttl} is above {MAX_TTL} (RFC 2181 §8)")
            }
            ZoneFileErrorKind::NoTtl => f.write_str(
                "no TTL, expected one on the record, a $TTL before it, or an earlier record's",
            ),
            ZoneFileErrorKind::ExpectedType(found) => {
                write!(f, "expected a TTL, class or record type, found `{found}`")
            }
            ZoneFileErrorKind::MissingType => {
                f.write_str("expected a record type, found end of line")
            }
            ZoneFileErrorKind::MetaType(rtype) => {
                write!(f, "type {rtype} cannot appear in a zone file")
            }
            ZoneFileErrorKind::Rdata { rtype, error } => write!(f, "bad {rtype} data: {error}"),
            ZoneFileErrorKind::UnknownDirective(found) => write!(
                f,
                "unknown directive `{found}`, expected $ORIGIN, $TTL or $INCLUDE"
            ),
            ZoneFileErrorKind::MissingArgument {
                directive,
                expected,
            } => write!(f, "expected {expected} after {directive}, found end of line"),
            ZoneFileErrorKind::ExtraArgument { directive, found } => write!(
                f,
                "expected end of line after the {directive} arguments, found `{found}`"
            ),
            ZoneFileErrorKind::BadFileName(found) => {
                write!(f, "bad file name `{found}`, expected UTF-8 text")
            }
            ZoneFileErrorKind::IncludeTooDeep(0) => f.write_str("$INCLUDE is not allowed here"),
            ZoneFileErrorKind::IncludeTooDeep(limit) => {
                write!(f, "$INCLUDE nested more than {limit} files deep")
            }
            ZoneFileErrorKind::Io { path, message } => write!(f, "cannot read {path}: {message}"),
        }
    }
}

impl fmt::Display for ZoneFileError {
    /// `file:line:column: message`, or `file: message` for an error about the whole file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.kind)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.kind
            )
        }
    }
}

impl std::error::Error for ZoneFileError {}

#[cfg(test)]
mod tests;
