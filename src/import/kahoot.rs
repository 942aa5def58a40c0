//! Kahoot's spreadsheet template, read from the workbook (.xlsx) or from a CSV export.
//!
//! The template has a banner of several rows, then a header row (`Question - max 120
//! characters`, `Answer 1 - max 75 characters` … `Answer 4`, `Time limit (sec)`, `Correct
//! answer(s)`) starting in column B, while column A contains row numbers on every row, even empty
//! ones. The header row is found by its names, so banners, the row-number column and column
//! order do not matter. `Correct answer(s)` is a comma list of 1-based answer numbers.
//! Spreadsheets store numbers as floats, so `20.0` and `1.0` are read as whole numbers.
//!
//! Kahoot's own limits (120 characters per question, 75 per answer, 2 to 4 answers, and its
//! fixed time limits) are warnings, because quizcast plays longer text and up to 6 options.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Sheets};

use super::Parsed;
use super::candidate::{Candidate, short};
use super::report::{Location, Note};

/// Question length Kahoot accepts on import, in characters.
const KAHOOT_QUESTION_CHARS: usize = 120;
/// Answer length Kahoot accepts on import, in characters.
const KAHOOT_ANSWER_CHARS: usize = 75;
/// Most answers a Kahoot quiz question has.
const KAHOOT_MAX_ANSWERS: usize = 4;
/// Time limits Kahoot offers, in seconds.
const KAHOOT_TIME_LIMITS: [u32; 8] = [5, 10, 20, 30, 60, 90, 120, 240];

/// A sheet row: its 1-based number as a spreadsheet shows it, and its cells as text.
type Row = (usize, Vec<String>);

/// Columns read from a worksheet. Kahoot's template uses A to H. Cells further right are
/// ignored, so that a stray value in column XFD cannot make every row 16,384 cells wide.
const MAX_COLUMNS: u32 = 256;

/// Reads the first worksheet of an .xlsx (or .xlsb, .xls, .ods) workbook.
pub fn parse_workbook(file: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        format!("{file} is not a readable spreadsheet ({e}); save it as .xlsx, or export it as CSV")
    })?;
    // .xlsx and .xlsb are read cell by cell. A range would be a dense grid from the first to the
    // last used cell, so one value in XFD1048576 would need hundreds of gigabytes.
    let rows = match workbook {
        Sheets::Xlsx(mut book) => {
            let sheet = first_sheet_name(file, &book.sheet_names())?;
            let mut reader = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| sheet_error(file, e))?;
            read_cells(file, || reader.next_cell())?
        }
        Sheets::Xlsb(mut book) => {
            let sheet = first_sheet_name(file, &book.sheet_names())?;
            let mut reader = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| sheet_error(file, e))?;
            read_cells(file, || reader.next_cell())?
        }
        // NOTE: .xls and .ods have no cell reader in calamine 0.38, so their first worksheet is
        // read as a dense range, and a far stray cell costs memory in proportion to the grid.
        mut other => read_range(file, &mut other)?,
    };
    parse_rows(file, rows)
}

fn first_sheet_name(file: &str, names: &[String]) -> Result<String, String> {
    names
        .first()
        .cloned()
        .ok_or_else(|| format!("{file} has no worksheet"))
}

fn sheet_error(file: &str, error: impl std::fmt::Display) -> String {
    format!("cannot read the first worksheet of {file}: {error}")
}

/// Collects the non-empty cells that `next_cell` yields into rows numbered as the sheet shows
/// them. Rows without a value are left out.
fn read_cells<'a, E: std::fmt::Display>(
    file: &str,
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) -> Result<Vec<Row>, String> {
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = next_cell().map_err(|e| sheet_error(file, e))? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let cells = rows.entry(row).or_default();
        let column = column as usize;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| (row as usize + 1, cells))
        .collect())
}

/// Reads the first worksheet as a range.
fn read_range(file: &str, workbook: &mut Sheets<Cursor<&[u8]>>) -> Result<Vec<Row>, String> {
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| format!("{file} has no worksheet"))?
        .map_err(|e| sheet_error(file, e))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            let number = first_row as usize + index + 1;
            (number, cells.iter().map(cell_text).collect())
        })
        .collect();
    Ok(rows)
}

/// Reads a CSV export, with or without a byte-order mark, separated by commas, semicolons or
/// tabs.
pub fn parse_csv(file: &str, text: &str) -> Result<Parsed, String> {
    let text = text.trim_start_matches('\u{FEFF}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(find_separator(text).unwrap_or(b','))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // Line breaks inside quoted cells of earlier records, which a spreadsheet keeps in one row.
    let mut breaks_in_cells = 0;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{file}:{line}: invalid CSV: {e}")
        })?;
        let number = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize - breaks_in_cells);
        breaks_in_cells += record
            .iter()
            .map(|cell| cell.matches('\n').count())
            .sum::<usize>();
        rows.push((number, record.iter().map(str::to_string).collect()));
    }
    parse_rows(file, rows)
}

/// Returns the separator that turns a line into a header row: `,`, `;` as spreadsheets in
/// locales with a decimal comma export, or a tab as Excel's "Unicode Text" export writes.
/// Counting separators is not enough, because the template's `Time limit (sec) – 5, 10, 20, …`
/// header contains as many commas as a row of eight columns contains semicolons. Returns
/// `None` when no line is a header row.
pub fn find_separator(text: &str) -> Option<u8> {
    for line in text
        .lines()
        .filter(|l| l.to_lowercase().contains("correct"))
    {
        let mut best = (0, b',');
        for separator in [b',', b';', b'\t'] {
            let answers = split_line(line, separator)
                .and_then(|cells| header(&cells))
                .map_or(0, |columns| columns.answers.len());
            if answers > best.0 {
                best = (answers, separator);
            }
        }
        if best.0 > 0 {
            return Some(best.1);
        }
    }
    None
}

/// Splits one CSV line at `separator`, honouring quotes.
fn split_line(line: &str, separator: u8) -> Option<Vec<String>> {
    let record = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(line.as_bytes())
        .records()
        .next()?
        .ok()?;
    Some(record.iter().map(str::to_string).collect())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::Float(f) => number_text(*f),
        other => other.to_string(),
    }
}

/// Writes a float without a fractional part when it has none: `20.0` as `20`.
fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// Column positions found in the header row.
#[derive(Debug)]
struct Columns {
    question: usize,
    /// Answer columns with their 1-based number.
    answers: Vec<(usize, usize)>,
    time: Option<usize>,
    correct: usize,
}

fn header(cells: &[String]) -> Option<Columns> {
    let names: Vec<String> = cells.iter().map(|c| c.trim().to_lowercase()).collect();
    let question = names.iter().position(|n| n.starts_with("question"))?;
    let correct = names.iter().position(|n| n.starts_with("correct"))?;
    let time = names.iter().position(|n| n.starts_with("time"));
    let mut answers: Vec<(usize, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(column, name)| {
            let rest = name
                .strip_prefix("answer")
                .or_else(|| name.strip_prefix("option"))?;
            let digits: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            Some((column, digits.parse().ok()?))
        })
        .collect();
    answers.sort_by_key(|&(_, number)| number);
    (!answers.is_empty()).then_some(Columns {
        question,
        answers,
        time,
        correct,
    })
}

/// Finds the header row and reads every question row below it.
fn parse_rows(file: &str, rows: Vec<Row>) -> Result<Parsed, String> {
    let Some(header_index) = rows.iter().position(|(_, cells)| header(cells).is_some()) else {
        return Err(format!(
            "{file} has no header row; Kahoot's template needs columns named `Question`, `Answer 1` to `Answer 4`, `Time limit (sec)` and `Correct answer(s)`"
        ));
    };
    let columns = header(&rows[header_index].1).expect("the header row was just found");
    let last_answer = columns.answers.iter().map(|&(_, n)| n).max().unwrap_or(0);
    let mut parsed = Parsed::default();
    for (number, cells) in &rows[header_index + 1..] {
        let cell = |column: usize| cells.get(column).map_or("", |c| c.trim());
        let text = cell(columns.question);
        let answers: Vec<(usize, &str)> = columns
            .answers
            .iter()
            .map(|&(column, n)| (n, cell(column)))
            .filter(|(_, a)| !a.is_empty())
            .collect();
        // Rows with only a pre-filled row number are the template's empty rows.
        if text.is_empty() && answers.is_empty() {
            continue;
        }
        let location = Location::Row(*number);
        match row(
            text,
            &answers,
            last_answer,
            cell(columns.correct),
            columns.time.map(cell),
            location,
            &mut parsed.warnings,
        ) {
            Ok(candidate) => parsed.candidates.push(candidate),
            Err(reason) => parsed.skipped.push(Note::new(location, reason)),
        }
    }
    Ok(parsed)
}

/// Reads one question row; `answers` contains the non-empty answers with their 1-based column
/// number, and `last_answer` is the highest answer number in the header.
fn row(
    text: &str,
    answers: &[(usize, &str)],
    last_answer: usize,
    correct: &str,
    time: Option<&str>,
    location: Location,
    warnings: &mut Vec<Note>,
) -> Result<Candidate, String> {
    let label = short(text);
    let mut warn = |message: String| {
        warnings.push(Note::new(
            location,
            format!("question \"{label}\": {message}"),
        ))
    };
    if text.chars().count() > KAHOOT_QUESTION_CHARS {
        warn(format!(
            "the question is {} characters long; Kahoot accepts {KAHOOT_QUESTION_CHARS}",
            text.chars().count()
        ));
    }
    for (number, answer) in answers {
        if answer.chars().count() > KAHOOT_ANSWER_CHARS {
            warn(format!(
                "answer {number} is {} characters long; Kahoot accepts {KAHOOT_ANSWER_CHARS}",
                answer.chars().count()
            ));
        }
    }
    if answers.len() > KAHOOT_MAX_ANSWERS {
        warn(format!(
            "it has {} answers; Kahoot accepts 2 to {KAHOOT_MAX_ANSWERS}",
            answers.len()
        ));
    }
    let correct = correct_indexes(correct, answers, last_answer)
        .map_err(|why| format!("question \"{label}\": {why}"))?;
    let time_limit = match time.filter(|t| !t.is_empty()) {
        None => None,
        Some(value) => {
            let secs = value
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("question \"{label}\": time limit {value:?} is not a number of seconds; use 5, 10, 20, 30, 60, 90, 120 or 240"))?;
            let secs = secs.round() as u32;
            if !KAHOOT_TIME_LIMITS.contains(&secs) {
                warn(format!(
                    "time limit {secs} s is not one Kahoot offers (5, 10, 20, 30, 60, 90, 120 or 240)"
                ));
            }
            Some(secs)
        }
    };
    Ok(Candidate {
        location,
        text: text.to_string(),
        options: answers.iter().map(|(_, a)| a.to_string()).collect(),
        correct,
        time_limit,
        points: None,
    })
}

/// Reads `Correct answer(s)`: 1-based answer numbers separated by commas (`1,3`, `2.0`), or,
/// as some generators write, the text of the right answer. Numbers are tried first, because
/// the template defines the column as numbers and answers such as `0`, `1`, `2`, `3` would
/// otherwise match by text. The text is tried when the numbers do not name filled answers.
fn correct_indexes(
    value: &str,
    answers: &[(usize, &str)],
    last_answer: usize,
) -> Result<Vec<usize>, String> {
    if value.is_empty() {
        return Err(
            "`Correct answer(s)` is empty; give the right answer numbers, such as 2 or 1,3".into(),
        );
    }
    let by_number = correct_numbers(value, answers, last_answer);
    if by_number.is_ok() {
        return by_number;
    }
    match answers
        .iter()
        .position(|(_, a)| a.eq_ignore_ascii_case(value))
    {
        Some(index) => Ok(vec![index]),
        None => by_number,
    }
}

/// Reads `Correct answer(s)` as a list of 1-based answer numbers.
fn correct_numbers(
    value: &str,
    answers: &[(usize, &str)],
    last_answer: usize,
) -> Result<Vec<usize>, String> {
    let mut correct = Vec::new();
    for part in value
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let number = part
            .parse::<f64>()
            .ok()
            .filter(|n| n.fract() == 0.0 && *n >= 1.0)
            .map(|n| n as usize)
            .ok_or_else(|| {
                format!("`Correct answer(s)` {value:?} is not a list of answer numbers such as 1,3")
            })?;
        if number > last_answer {
            return Err(format!(
                "correct answer {number} does not exist; answers are numbered 1 to {last_answer}"
            ));
        }
        let index = answers
            .iter()
            .position(|&(n, _)| n == number)
            .ok_or_else(|| format!("correct answer {number} is empty; fill in answer {number} or fix `Correct answer(s)`"))?;
        correct.push(index);
    }
    Ok(correct)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_rows(text: &str) -> Parsed {
        parse_csv("k.csv", text).unwrap()
    }

    const TEMPLATE: &str = "\u{FEFF},,,,,,,\n,My quiz banner,,,,,,\n,Add questions below,,,,,,\n,Question - max 120 characters,Answer 1 - max 75 characters,Answer 2 - max 75 characters,Answer 3 - max 75 characters,Answer 4 - max 75 characters,\"Time limit (sec) \u{2013} 5, 10, 20, 30, 60, 90, 120, or 240 secs\",Correct answer(s) - choose at least one\n1,Which planet is largest?,Mars,Jupiter,,,20.0,2.0\n2,Pick the even numbers,2,3,4,5,30,\"1,3\"\n3,,,,,,,\n4,Too slow?,Yes,No,,,45,1\n";

    #[test]
    fn header_found_after_banner() {
        let parsed = csv_rows(TEMPLATE);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        assert_eq!(parsed.candidates.len(), 3);
        let first = &parsed.candidates[0];
        assert_eq!(first.location, Location::Row(5));
        assert_eq!(first.options, ["Mars", "Jupiter"]);
        assert_eq!(first.correct, [1]);
        assert_eq!(first.time_limit, Some(20));
        assert_eq!(parsed.candidates[1].correct, [0, 2]);
    }

    #[test]
    fn unusual_time_limit_warns() {
        let parsed = csv_rows(TEMPLATE);
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        assert_eq!(parsed.warnings[0].location, Location::Row(8));
        assert!(
            parsed.warnings[0]
                .message
                .contains("45 s is not one Kahoot offers")
        );
    }

    #[test]
    fn kahoot_length_limits_warn() {
        let long = "x".repeat(130);
        let text = format!(
            "Question,Answer 1,Answer 2,Time limit,Correct answer(s)\n{long},a,{},20,1\n",
            "y".repeat(80)
        );
        let parsed = csv_rows(&text);
        assert_eq!(parsed.candidates.len(), 1);
        let messages: Vec<&str> = parsed.warnings.iter().map(|n| n.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("130 characters long; Kahoot accepts 120")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("answer 2 is 80 characters long")),
            "{messages:?}"
        );
    }

    #[test]
    fn correct_pointing_at_empty_answer_skipped() {
        let text = "Question,Answer 1,Answer 2,Answer 3,Correct answer(s)\nQ?,a,b,,3\nQ2?,a,b,,x\n";
        let parsed = csv_rows(text);
        assert!(parsed.candidates.is_empty());
        assert_eq!(parsed.skipped[0].location, Location::Row(2));
        assert!(
            parsed.skipped[0]
                .message
                .contains("correct answer 3 is empty")
        );
        assert!(
            parsed.skipped[1]
                .message
                .contains("is not a list of answer numbers")
        );
    }

    #[test]
    fn semicolons_and_answer_text() {
        let text =
            "Question;Option 1;Option 2;Correct Answer\nCapital of France?;Lyon;Paris;Paris\n";
        let parsed = csv_rows(text);
        assert_eq!(parsed.candidates[0].correct, [1]);
    }

    #[test]
    fn missing_header_explained() {
        let error = parse_csv("k.csv", "a,b\n1,2\n").unwrap_err();
        assert!(error.contains("k.csv has no header row"), "{error}");
    }
}
