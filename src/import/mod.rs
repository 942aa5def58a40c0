//! Question files in other formats: detection, parsing, and a per-file report of what was used.
//!
//! [`load_files`] is the entry point: it reads one or more files in any supported [`Format`],
//! and returns one [`Bank`] with their questions in file order, plus a [`FileReport`] per file
//! that lists skipped questions and warnings with their location. [`check_file`] is the same for
//! one file, without failing, for `quizcast check`, and [`check_bytes`] for a file already in
//! memory.
//!
//! Each format has its own module that turns the file into [`Candidate`]s. The common step in
//! [`candidate`] applies the bank's limits to them, so every format skips a question for the
//! same reasons with the same words.

pub mod aiken;
pub mod arrange;
pub mod candidate;
pub mod gift;
pub mod kahoot;
pub mod opentdb;
pub mod report;
pub mod text;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::bank::Bank;
pub use arrange::{PlayOrder, arrange};
pub use candidate::Candidate;
pub use report::{FileReport, Location, Note};
pub use text::Encoding;

/// A question file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// quizcast's own schema in TOML.
    Toml,
    /// quizcast's own schema in JSON.
    Json,
    /// A response of the Open Trivia Database API (`{"response_code":0,"results":[...]}`).
    Opentdb,
    /// Kahoot's spreadsheet template as a workbook (.xlsx, also .xls and .ods).
    KahootXlsx,
    /// Kahoot's spreadsheet template exported as CSV, or a CSV with the same columns.
    KahootCsv,
    /// Moodle's GIFT text format.
    Gift,
    /// Moodle's Aiken text format.
    Aiken,
}

/// Names accepted by `--format`, in the order help text lists them.
pub const FORMAT_NAMES: &str = "toml, json, opentdb, kahoot-xlsx, kahoot-csv, gift, aiken";

impl Format {
    /// Returns the name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
            Format::Opentdb => "opentdb",
            Format::KahootXlsx => "kahoot-xlsx",
            Format::KahootCsv => "kahoot-csv",
            Format::Gift => "gift",
            Format::Aiken => "aiken",
        }
    }

    /// Returns the name people know the format by.
    pub fn description(self) -> &'static str {
        match self {
            Format::Toml => "quizcast TOML",
            Format::Json => "quizcast JSON",
            Format::Opentdb => "Open Trivia DB JSON",
            Format::KahootXlsx => "Kahoot spreadsheet",
            Format::KahootCsv => "Kahoot CSV",
            Format::Gift => "Moodle GIFT",
            Format::Aiken => "Aiken",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let format = match value.to_ascii_lowercase().as_str() {
            "toml" => Format::Toml,
            "json" => Format::Json,
            "opentdb" | "otdb" => Format::Opentdb,
            "kahoot-xlsx" | "xlsx" | "kahoot" => Format::KahootXlsx,
            "kahoot-csv" | "csv" => Format::KahootCsv,
            "gift" => Format::Gift,
            "aiken" => Format::Aiken,
            _ => {
                return Err(format!(
                    "unknown format {value:?}; use one of {FORMAT_NAMES}"
                ));
            }
        };
        Ok(format)
    }
}

/// Options for reading question files.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Format of every file; detected per file from the extension and content when `None`.
    pub format: Option<Format>,
    /// Encoding of text files. Spreadsheets carry their own.
    pub encoding: Encoding,
    /// Style in which error messages name the `format` and `encoding` settings.
    pub settings: SettingNames,
}

/// Style in which error messages name a setting that changes how a file is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SettingNames {
    /// Command-line flags, as `--format gift`.
    #[default]
    Flags,
    /// Query parameters of the admin API, as `format=gift`.
    QueryParameters,
}

impl SettingNames {
    /// Returns how a user sets `setting` to `value`, or names `setting` when `value` is empty.
    fn set(self, setting: &str, value: &str) -> String {
        match self {
            SettingNames::Flags if value.is_empty() => format!("--{setting}"),
            SettingNames::Flags => format!("--{setting} {value}"),
            SettingNames::QueryParameters => format!("the query parameter {setting}={value}"),
        }
    }
}

/// Questions and notes a format's parser produced from one file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Title found in the file, if the format has one.
    pub title: Option<String>,
    pub candidates: Vec<Candidate>,
    /// Questions that cannot be played, with the reason.
    pub skipped: Vec<Note>,
    pub warnings: Vec<Note>,
}

/// A failure to load question files: at least one file was unreadable or had no usable
/// question. It contains every file's report.
#[derive(Debug)]
pub struct ImportError {
    pub reports: Vec<FileReport>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reports.is_empty() {
            return f.write_str("no question file given; pass at least one file");
        }
        let failed: Vec<&FileReport> = self.reports.iter().filter(|r| !r.is_usable()).collect();
        for (index, report) in failed.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", report.failure())?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Reads question files in any supported format and returns their questions as one bank, in
/// the order of `paths`, with one report per file.
///
/// The bank's title is the first file's title. It fails when a file cannot be read or parsed,
/// or yields no usable question. Skipped questions and warnings do not fail it; they are in the
/// reports.
pub fn load_files(
    paths: &[PathBuf],
    options: &ImportOptions,
) -> Result<(Bank, Vec<FileReport>), ImportError> {
    let mut rng = rand::rng();
    let mut banks = Vec::with_capacity(paths.len());
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let (report, bank) = check_file(path, options, &mut rng);
        reports.push(report);
        banks.extend(bank);
    }
    if reports.is_empty() || reports.iter().any(|r| !r.is_usable()) {
        return Err(ImportError { reports });
    }
    let mut banks = banks.into_iter();
    let mut bank = banks.next().expect("every usable file has a bank");
    for other in banks {
        bank.questions.extend(other.questions);
    }
    Ok((bank, reports))
}

/// Reads one question file and reports what it contains. The bank is `None` when the file
/// yields no usable question. `rng` places the correct answer among the options of formats
/// that store it apart (Open Trivia DB).
pub fn check_file<R: rand::Rng + ?Sized>(
    path: &Path,
    options: &ImportOptions,
    rng: &mut R,
) -> (FileReport, Option<Bank>) {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => check_bytes(&file, &bytes, options, rng),
        Err(e) => {
            let mut report = FileReport::new(&file);
            report.error = Some(format!("cannot read question file {file}: {e}"));
            (report, None)
        }
    }
}

/// Reads the content of a question file that is already in memory, such as an upload.
/// `file` names it in messages, and its extension takes part in format detection.
pub fn check_bytes<R: rand::Rng + ?Sized>(
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
    rng: &mut R,
) -> (FileReport, Option<Bank>) {
    let path = Path::new(file);
    let mut report = FileReport::new(file);
    if is_blank(bytes) {
        report.error = Some(format!(
            "{file} is empty; add questions to it or pass another file"
        ));
        return (report, None);
    }
    let format = match options.format {
        Some(format) => format,
        None => match detect(path, bytes) {
            Some(format) => format,
            None => {
                report.error = Some(format!(
                    "cannot tell the format of {file} from its extension or content; pass {} with one of {FORMAT_NAMES}",
                    options.settings.set("format", "")
                ));
                return (report, None);
            }
        },
    };
    report.format = Some(format);
    let parsed = match parse(file, format, bytes, options, rng) {
        Ok(parsed) => parsed,
        Err(message) => {
            report.error = Some(message);
            return (report, None);
        }
    };
    let bank = report.build_bank(parsed, &title_from_path(path));
    (report, bank)
}

/// Returns whether `bytes` contain nothing but a byte-order mark and whitespace.
fn is_blank(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    rest.iter().all(u8::is_ascii_whitespace)
}

/// Parses `bytes` as `format`. An `Err` is a message naming the file that stops the whole file.
fn parse<R: rand::Rng + ?Sized>(
    file: &str,
    format: Format,
    bytes: &[u8],
    options: &ImportOptions,
    rng: &mut R,
) -> Result<Parsed, String> {
    if format == Format::KahootXlsx {
        return kahoot::parse_workbook(file, bytes);
    }
    let text = text::decode(bytes, options.encoding).map_err(|e| {
        format!(
            "{file}:{}: invalid UTF-8 at byte offset {} (byte 0x{:02X}, {:?} in Windows-1252); save the file as UTF-8, or pass {} if an older Windows program or Excel wrote it",
            e.line,
            e.offset,
            e.byte,
            e.as_windows_1252(),
            options.settings.set("encoding", "windows-1252")
        )
    })?;
    match format {
        // The native schema checks lengths while parsing, so it gets NFC text to count the
        // characters that every other format counts.
        Format::Toml => native(Bank::parse_toml(&text::nfc(&text), file)),
        Format::Json => native(Bank::parse_json(&text::nfc(&text), file)),
        Format::Opentdb => opentdb::parse(file, &text, rng),
        Format::KahootCsv => kahoot::parse_csv(file, &text),
        Format::Gift => Ok(gift::parse(&text)),
        Format::Aiken => Ok(aiken::parse(&text)),
        Format::KahootXlsx => unreachable!("workbooks are read as bytes above"),
    }
}

/// Wraps a native bank, which is valid as a whole or not at all, as parsed candidates.
fn native(bank: Result<Bank, crate::bank::BankError>) -> Result<Parsed, String> {
    let bank = bank.map_err(|e| e.to_string())?;
    let candidates = bank
        .questions
        .into_iter()
        .enumerate()
        .map(|(index, q)| Candidate {
            location: Location::Question(index + 1),
            text: q.text,
            options: q.options,
            correct: q.correct,
            time_limit: Some(q.time_limit_secs),
            points: Some(q.points),
        })
        .collect();
    Ok(Parsed {
        title: Some(bank.title),
        candidates,
        ..Parsed::default()
    })
}

/// Guesses the format from the extension, and from the content where the extension is shared
/// (`.json`) or is missing or generic (`.txt`). A ZIP archive (.xlsx, .ods) or an OLE2 file
/// (.xls) is read as a workbook whatever its extension, because no text format starts with
/// those bytes.
pub fn detect(path: &Path, bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE2_MAGIC) {
        return Some(Format::KahootXlsx);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let sample = text::sample(bytes);
    match extension.as_deref() {
        Some("toml") => Some(Format::Toml),
        Some("json") if looks_like_opentdb(&sample) => Some(Format::Opentdb),
        Some("json") => Some(Format::Json),
        Some("xlsx" | "xlsm" | "xls" | "ods") => Some(Format::KahootXlsx),
        Some("csv") => Some(Format::KahootCsv),
        Some("gift") => Some(Format::Gift),
        Some("aiken") => Some(Format::Aiken),
        _ => sniff_text(&sample),
    }
}

/// First bytes of a ZIP archive, the container of .xlsx and .ods workbooks.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// First bytes of an OLE2 compound file, the container of .xls workbooks.
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn looks_like_opentdb(sample: &str) -> bool {
    [
        "\"response_code\"",
        "\"incorrect_answers\"",
        "\"correct_answer\"",
    ]
    .iter()
    .any(|key| sample.contains(key))
}

/// Tells Aiken (an `ANSWER:` line), GIFT (answers in braces) and a Kahoot sheet (a header row)
/// apart in a text file.
fn sniff_text(sample: &str) -> Option<Format> {
    let trimmed = sample.trim_start_matches('\u{FEFF}').trim_start();
    if trimmed.starts_with('{') && looks_like_opentdb(sample) {
        return Some(Format::Opentdb);
    }
    if trimmed.starts_with('{') && sample.contains("\"questions\"") {
        return Some(Format::Json);
    }
    let lines = || sample.lines().map(str::trim);
    if lines().any(|l| l == "[[questions]]") {
        return Some(Format::Toml);
    }
    if lines().any(|l| l.starts_with("ANSWER:") || l.starts_with("ANSWER ")) {
        return Some(Format::Aiken);
    }
    if lines().any(|l| l.contains('{') && !l.starts_with("//")) && sample.contains('}') {
        return Some(Format::Gift);
    }
    // Excel saves a sheet as "Unicode Text" or "Text (Tab delimited)" with a .txt extension.
    if kahoot::find_separator(sample).is_some() {
        return Some(Format::KahootCsv);
    }
    None
}

/// Title of a bank whose format has none and whose file name gives none.
pub const DEFAULT_TITLE: &str = "Imported questions";

/// Returns the file name without extension, the title of banks whose format has none.
fn title_from_path(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TITLE.to_string())
}

#[cfg(test)]
mod tests;
