//! The per-file report that `quizcast check` prints and the host logs.

use std::fmt;

use serde::Serialize;

use super::candidate;
use super::{Format, Parsed};
use crate::bank::Bank;

/// Position of a question or a problem in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a text file.
    Line(usize),
    /// 1-based row of a spreadsheet or CSV file, as a spreadsheet program numbers it.
    Row(usize),
    /// 1-based position of a question in a JSON or TOML list.
    Question(usize),
}

impl Location {
    /// Formats the location after a file name: `quiz.gift:12` for a line, as editors and
    /// compilers write it, `quiz.csv, row 9` for a sheet row, `quiz.json, question 3` otherwise.
    pub fn in_file(&self, file: &str) -> String {
        match self {
            Location::Line(line) => format!("{file}:{line}"),
            other => format!("{file}, {other}"),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Row(row) => write!(f, "row {row}"),
            Location::Question(number) => write!(f, "question {number}"),
        }
    }
}

/// Serializes as `{"line": 12}`, `{"row": 9}` or `{"question": 3}`.
impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (key, value) = match self {
            Location::Line(n) => ("line", n),
            Location::Row(n) => ("row", n),
            Location::Question(n) => ("question", n),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(key, value)?;
        map.end()
    }
}

/// A skipped question or a warning, with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub location: Location,
    pub message: String,
}

impl Note {
    /// Creates a note at `location`.
    pub fn new(location: Location, message: impl Into<String>) -> Note {
        Note {
            location,
            message: message.into(),
        }
    }
}

/// The outcome of reading one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    /// Format the file was read as; `None` when it could not be detected.
    pub format: Option<super::Format>,
    /// Number of questions that can be played.
    pub usable: usize,
    /// Questions left out, with the reason.
    pub skipped: Vec<Note>,
    /// Questions used with a change or a caveat, and problems outside any question.
    pub warnings: Vec<Note>,
    /// A failure that stopped the whole file, such as a syntax error.
    pub error: Option<String>,
}

impl FileReport {
    /// Creates an empty report for `file`.
    pub fn new(file: &str) -> FileReport {
        FileReport {
            file: file.to_string(),
            format: None,
            usable: 0,
            skipped: Vec::new(),
            warnings: Vec::new(),
            error: None,
        }
    }

    /// Returns whether the file yields at least one question.
    pub fn is_usable(&self) -> bool {
        self.error.is_none() && self.usable > 0
    }

    /// Validates the parsed candidates into a bank, records what was skipped and why, and
    /// returns the bank when at least one question is usable.
    pub fn build_bank(&mut self, parsed: Parsed, default_title: &str) -> Option<Bank> {
        self.skipped.extend(parsed.skipped);
        self.warnings.extend(parsed.warnings);
        let mut questions = Vec::new();
        for candidate in parsed.candidates {
            let location = candidate.location;
            match candidate::validate(candidate, &mut self.warnings) {
                Ok(question) => questions.push(question),
                Err(reason) => self.skipped.push(Note::new(location, reason)),
            }
        }
        self.skipped.sort_by_key(|n| sort_key(n.location));
        self.warnings.sort_by_key(|n| sort_key(n.location));
        self.usable = questions.len();
        if questions.is_empty() {
            return None;
        }
        let title = parsed
            .title
            .map(|t| super::text::clean(&t))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| default_title.to_string());
        Some(Bank { title, questions })
    }

    /// Describes why the file cannot be used, naming the file and what to do.
    pub fn failure(&self) -> String {
        if let Some(error) = &self.error {
            return error.clone();
        }
        let format = self.format.map_or("question", Format::description);
        let mut message = format!(
            "{} has no usable question ({format} file, {} skipped)",
            self.file,
            self.skipped.len()
        );
        if let Some(first) = self.skipped.first() {
            message.push_str(&format!(
                "; first: {}: {}",
                first.location.in_file(&self.file),
                first.message
            ));
        }
        message.push_str(&format!(
            "; run `quizcast check {}` for every problem",
            self.file
        ));
        message
    }

    /// Returns the counts as words, such as "3 usable, 0 skipped, 1 warning".
    pub fn counts(&self) -> String {
        let warnings = self.warnings.len();
        let plural = if warnings == 1 { "" } else { "s" };
        format!(
            "{} usable, {} skipped, {warnings} warning{plural}",
            self.usable,
            self.skipped.len()
        )
    }

    /// Formats the report as lines for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        // A file that could not be read or recognized has no format to name; its error gives the reason.
        match self.format {
            Some(format) => out.push_str(&format!("{}: {}\n", self.file, format.description())),
            None => out.push_str(&format!("{}\n", self.file)),
        }
        if let Some(error) = &self.error {
            out.push_str(&format!("  error: {error}\n"));
            return out;
        }
        out.push_str(&format!("  {}\n", self.counts()));
        for note in &self.skipped {
            out.push_str(&format!(
                "  skipped {}: {}\n",
                note.location.in_file(&self.file),
                note.message
            ));
        }
        for note in &self.warnings {
            out.push_str(&format!(
                "  warning {}: {}\n",
                note.location.in_file(&self.file),
                note.message
            ));
        }
        if self.usable == 0 {
            out.push_str("  error: no usable question\n");
        }
        out
    }
}

/// Orders notes by position in the file; locations of one file are all of one kind.
fn sort_key(location: Location) -> usize {
    match location {
        Location::Line(n) | Location::Row(n) | Location::Question(n) => n,
    }
}
