//! The byte-level tokenizer for master files (RFC 1035 §5.1): it splits the text into entries (one
//! line, or several joined by parentheses), each a list of tokens with their line and column.
//!
//! It knows blanks, `;` comments, `(` and `)`, and `"` quoted strings; a `\` keeps the next byte from
//! being special, and escapes are otherwise left in the token text for the field parsers, which know
//! whether the field is a name (where `\.` matters) or a character string.

use crate::presentation::Token;

/// Where a token starts: 1-based line and byte column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    /// The line, from 1.
    pub line: u32,
    /// The byte column, from 1.
    pub column: u32,
}

/// What the lexer could not make sense of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LexErrorKind {
    /// A `"` with no closing `"` on the same line.
    UnterminatedString,
    /// A `(` still open at the end of the text.
    UnclosedParenthesis,
    /// A `)` with no `(` before it.
    UnexpectedCloseParenthesis,
    /// A `(` inside parentheses.
    NestedParenthesis,
}

impl LexErrorKind {
    /// What went wrong and what was expected instead.
    pub fn message(self) -> &'static str {
        match self {
            LexErrorKind::UnterminatedString => {
                "unterminated quoted string, expected `\"` before the end of the line"
            }
            LexErrorKind::UnclosedParenthesis => {
                "`(` is never closed, expected `)` before the end of the file"
            }
            LexErrorKind::UnexpectedCloseParenthesis => "`)` without an opening `(`",
            LexErrorKind::NestedParenthesis => "nested `(`, expected `)` first",
        }
    }
}

/// A lexer error and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    /// What went wrong.
    pub kind: LexErrorKind,
    /// The offending `"` or parenthesis.
    pub position: Position,
}

/// Bytes that end an unquoted token.
const DELIMITER: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let delimiters = b" \t\r\n;()\"";
    while i < delimiters.len() {
        table[delimiters[i] as usize] = true;
        i += 1;
    }
    table
};

/// Splits master file text into entries.
pub(crate) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn position(&self, pos: usize) -> Position {
        Position {
            line: self.line,
            column: u32::try_from(pos - self.line_start + 1).unwrap_or(u32::MAX),
        }
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Reads the next entry into `tokens` and `positions` (cleared first). Returns `None` at the end of
    /// the text, else whether the entry's first line starts with a blank (so the owner is omitted).
    pub fn next_entry(
        &mut self,
        tokens: &mut Vec<Token<'a>>,
        positions: &mut Vec<Position>,
    ) -> Result<Option<bool>, LexError> {
        tokens.clear();
        positions.clear();
        loop {
            if self.pos >= self.text.len() {
                return Ok(None);
            }
            let blank_start = matches!(self.text[self.pos], b' ' | b'\t');
            self.line_tokens(tokens, positions)?;
            if !tokens.is_empty() {
                return Ok(Some(blank_start));
            }
        }
    }

    /// Reads tokens up to the end of the line, or of the parenthesised group, including its newline.
    fn line_tokens(
        &mut self,
        tokens: &mut Vec<Token<'a>>,
        positions: &mut Vec<Position>,
    ) -> Result<(), LexError> {
        let text = self.text;
        let mut open: Option<Position> = None;
        while let Some(&byte) = text.get(self.pos) {
            match byte {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.newline();
                    if open.is_none() {
                        return Ok(());
                    }
                }
                b';' => {
                    self.pos += text[self.pos..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .unwrap_or(text.len() - self.pos);
                }
                b'(' => {
                    let here = self.position(self.pos);
                    if open.is_some() {
                        return Err(LexError {
                            kind: LexErrorKind::NestedParenthesis,
                            position: here,
                        });
                    }
                    open = Some(here);
                    self.pos += 1;
                }
                b')' => {
                    if open.take().is_none() {
                        return Err(LexError {
                            kind: LexErrorKind::UnexpectedCloseParenthesis,
                            position: self.position(self.pos),
                        });
                    }
                    self.pos += 1;
                }
                b'"' => {
                    let start = self.pos;
                    let mut end = start + 1;
                    loop {
                        match text.get(end) {
                            Some(b'"') => break,
                            Some(b'\\') if text.get(end + 1).is_some_and(|&b| b != b'\n') => {
                                end += 2
                            }
                            Some(b'\n') | None => {
                                return Err(LexError {
                                    kind: LexErrorKind::UnterminatedString,
                                    position: self.position(start),
                                })
                            }
                            Some(_) => end += 1,
                        }
                    }
                    positions.push(self.position(start));
                    tokens.push(Token::quoted(&text[start + 1..end]));
                    self.pos = end + 1;
                }
                _ => {
                    let start = self.pos;
                    let mut end = start;
                    while let Some(&b) = text.get(end) {
                        if DELIMITER[usize::from(b)] {
                            break;
                        }
                        end += if b == b'\\' && text.get(end + 1).is_some_and(|&n| n != b'\n') {
                            2
                        } else {
                            1
                        };
                    }
                    positions.push(self.position(start));
                    tokens.push(Token::plain(&text[start..end]));
                    self.pos = end;
                }
            }
        }
        match open {
            Some(position) => Err(LexError {
                kind: LexErrorKind::UnclosedParenthesis,
                position,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries as (blank start, [(text, quoted, line, column)]).
    type Shown = Vec<(bool, Vec<(String, bool, u32, u32)>)>;

    fn entries(text: &str) -> Result<Shown, LexError> {
        let mut lexer = Lexer::new(text.as_bytes());
        let mut tokens = Vec::new();
        let mut positions = Vec::new();
        let mut out = Vec::new();
        while let Some(blank) = lexer.next_entry(&mut tokens, &mut positions)? {
            let shown = tokens
                .iter()
                .zip(&positions)
                .map(|(t, p)| {
                    let text = String::from_utf8_lossy(t.text).into_owned();
                    (text, t.quoted, p.line, p.column)
                })
                .collect();
            out.push((blank, shown));
        }
        Ok(out)
    }

    fn texts(text: &str) -> Vec<Vec<String>> {
        entries(text)
            .expect("lexes")
            .into_iter()
            .map(|(_, tokens)| tokens.into_iter().map(|t| t.0).collect())
            .collect()
    }

    #[test]
    fn lines_comments_and_blanks() {
        let shown =
            entries("a 1 IN A 192.0.2.1 ; c\n\n  ; only a comment\n\tb\r\nc").expect("lexes");
        assert_eq!(shown.len(), 3);
        assert!(!shown[0].0);
        assert_eq!(shown[0].1[4], ("192.0.2.1".to_string(), false, 1, 10));
        assert_eq!(shown[1], (true, vec![("b".to_string(), false, 4, 2)]));
        assert_eq!(shown[2], (false, vec![("c".to_string(), false, 5, 1)]));
    }

    #[test]
    fn parentheses_join_lines() {
        let text = "@ SOA ns host ( 1 ; serial\n  2 3\n 4 5 )\nnext A 1.2.3.4";
        let lines = texts(text);
        assert_eq!(
            lines[0],
            ["@", "SOA", "ns", "host", "1", "2", "3", "4", "5"]
        );
        assert_eq!(lines[1], ["next", "A", "1.2.3.4"]);
        let shown = entries(text).expect("lexes");
        assert_eq!(shown[0].1[6].2..=shown[0].1[6].3, 2..=5);
    }

    #[test]
    fn quotes_and_escapes() {
        let shown = entries(r#"t TXT "a ; (b) \"q\"" x\ y\;z "" a"b""#).expect("lexes");
        let tokens = &shown[0].1;
        assert_eq!(tokens[2], (r#"a ; (b) \"q\""#.to_string(), true, 1, 7));
        assert_eq!(tokens[3].0, r"x\ y\;z");
        assert_eq!(tokens[4], (String::new(), true, 1, 31));
        assert_eq!(tokens[5], ("a".to_string(), false, 1, 34));
        assert_eq!(tokens[6], ("b".to_string(), true, 1, 35));
    }

    #[test]
    fn errors_carry_positions() {
        let error = |text: &str| entries(text).expect_err("fails");
        assert_eq!(
            error("a TXT \"abc\nb A 1.2.3.4"),
            LexError {
                kind: LexErrorKind::UnterminatedString,
                position: Position { line: 1, column: 7 }
            }
        );
        assert_eq!(
            error("a\nb SOA ( 1\n 2").kind,
            LexErrorKind::UnclosedParenthesis
        );
        assert_eq!(
            error("a\nb SOA ( 1\n 2").position,
            Position { line: 2, column: 7 }
        );
        assert_eq!(error("a A 1 )").position, Position { line: 1, column: 7 });
        assert_eq!(error("a ( ( )").kind, LexErrorKind::NestedParenthesis);
    }
}
