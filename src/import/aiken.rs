//! Moodle's Aiken format: a question line, options `A.` or `A)` one per line, and an
//! `ANSWER: B` line. Questions are separated by blank lines or simply follow the answer line.
//!
//! Text is plain, so `<` and `&` stay as written.

use super::Parsed;
use super::candidate::Candidate;
use super::report::{Location, Note};

/// A question being read.
#[derive(Default)]
struct Block {
    start: usize,
    text: Vec<String>,
    /// Option letters and texts, in file order.
    options: Vec<(char, String)>,
}

/// Parses Aiken text. A malformed question is skipped with its line and the reason, and
/// reading goes on at the next blank line.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut block: Option<Block> = None;
    // After an error, lines are ignored until a blank line starts a fresh question.
    let mut skipping = false;

    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            if let Some(open) = block.take() {
                let reason = if open.options.is_empty() {
                    "the question has no options and no ANSWER line; add options such as `A) …` and a line `ANSWER: A`"
                } else {
                    "the question has no ANSWER line; add one such as `ANSWER: A` after the options"
                };
                parsed.skipped.push(skip(&open, reason));
            }
            skipping = false;
            continue;
        }
        if skipping {
            continue;
        }
        let current = block.get_or_insert_with(|| Block {
            start: line_number,
            ..Block::default()
        });

        if let Some(answer) = answer_letters(line) {
            let open = block.take().expect("a block is open");
            match finish(open, &answer, line_number) {
                Ok(candidate) => parsed.candidates.push(candidate),
                Err(note) => parsed.skipped.push(note),
            }
        } else if let Some((letter, option)) = option_line(line) {
            let expected = (b'A' + current.options.len() as u8) as char;
            if current.text.is_empty() {
                current.text.push(line.to_string());
            } else if letter == expected {
                current.options.push((letter, option.to_string()));
            } else {
                let reason = format!(
                    "line {line_number}: option {letter} is out of order; expected {expected}"
                );
                parsed.skipped.push(skip(current, &reason));
                block = None;
                skipping = true;
            }
        } else if current.options.is_empty() {
            current.text.push(line.to_string());
        } else {
            let reason = format!(
                "line {line_number}: expected an option such as `{}) …` or the `ANSWER:` line, found {:?}",
                (b'A' + current.options.len() as u8) as char,
                super::candidate::short(line)
            );
            parsed.skipped.push(skip(current, &reason));
            block = None;
            skipping = true;
        }
    }
    if let Some(open) = block {
        parsed.skipped.push(skip(
            &open,
            "the file ends before this question's ANSWER line; add one such as `ANSWER: A`",
        ));
    }
    parsed
}

fn skip(block: &Block, reason: &str) -> Note {
    let label = block.text.join(" ");
    if label.is_empty() {
        Note::new(Location::Line(block.start), reason)
    } else {
        let label = super::candidate::short(&label);
        Note::new(
            Location::Line(block.start),
            format!("question \"{label}\": {reason}"),
        )
    }
}

/// Turns a complete block into a candidate, checking the answer letters.
fn finish(block: Block, answer: &[char], line_number: usize) -> Result<Candidate, Note> {
    if block.options.is_empty() {
        return Err(skip(
            &block,
            &format!("line {line_number}: ANSWER comes before any option; list the options first"),
        ));
    }
    let mut correct = Vec::new();
    for letter in answer {
        match block.options.iter().position(|(l, _)| l == letter) {
            Some(index) => correct.push(index),
            None => {
                let last = block.options.last().map_or('A', |(l, _)| *l);
                return Err(skip(
                    &block,
                    &format!(
                        "line {line_number}: ANSWER {letter} is not an option; use A to {last}"
                    ),
                ));
            }
        }
    }
    Ok(Candidate {
        location: Location::Line(block.start),
        text: block.text.join(" "),
        options: block.options.into_iter().map(|(_, text)| text).collect(),
        correct,
        time_limit: None,
        points: None,
    })
}

/// Reads `A. text` or `A) text`.
fn option_line(line: &str) -> Option<(char, &str)> {
    let mut chars = line.chars();
    let letter = chars.next().filter(|c| c.is_ascii_uppercase())?;
    let mark = chars.next()?;
    let rest = chars.as_str();
    let spaced = rest.starts_with(char::is_whitespace);
    ((mark == '.' || mark == ')') && spaced).then(|| (letter, rest.trim()))
}

/// Reads `ANSWER: B`, and `ANSWER: A, C` for the several right options some tools write.
fn answer_letters(line: &str) -> Option<Vec<char>> {
    let rest = line.strip_prefix("ANSWER")?;
    // `ANSWERS IN CAPITALS…` is question text, not an answer line.
    if !rest.starts_with([':', ' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let letters: Vec<char> = rest
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().next().unwrap_or(' ').to_ascii_uppercase())
        .collect();
    Some(letters).filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Which shell runs scripts on most Linux systems?\nA. bash\nB. cmd.exe\nC. COMMAND.COM\nANSWER: A\n\nIs 1 < 2 && 3 > 2?\nA) Yes\nB) No\nANSWER: A\nWhat follows without a blank line?\nA) This\nB) That\nANSWER: B\n";

    #[test]
    fn both_option_styles_parse() {
        let parsed = parse(SAMPLE);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        assert_eq!(parsed.candidates.len(), 3);
        assert_eq!(
            parsed.candidates[0].options,
            ["bash", "cmd.exe", "COMMAND.COM"]
        );
        assert_eq!(parsed.candidates[0].correct, [0]);
        assert_eq!(parsed.candidates[1].text, "Is 1 < 2 && 3 > 2?");
        assert_eq!(parsed.candidates[2].location, Location::Line(11));
        assert_eq!(parsed.candidates[2].correct, [1]);
    }

    #[test]
    fn missing_answer_reported_with_line() {
        let parsed = parse("Q one?\nA. x\nB. y\n\nQ two?\nA. x\nB. y\nANSWER: B\n");
        assert_eq!(parsed.candidates.len(), 1);
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].location, Location::Line(1));
        assert!(parsed.skipped[0].message.contains("no ANSWER line"));
    }

    #[test]
    fn answer_letter_out_of_range() {
        let parsed = parse("Q?\nA. x\nB. y\nANSWER: D\n");
        assert!(parsed.candidates.is_empty());
        assert!(
            parsed.skipped[0]
                .message
                .contains("line 4: ANSWER D is not an option; use A to B")
        );
    }

    #[test]
    fn stray_line_skips_block() {
        let parsed =
            parse("Q?\nA. x\nstray text\nB. y\nANSWER: A\n\nNext?\nA. 1\nB. 2\nANSWER: B\n");
        assert_eq!(parsed.candidates.len(), 1);
        assert_eq!(parsed.candidates[0].text, "Next?");
        assert!(
            parsed.skipped[0]
                .message
                .contains("line 3: expected an option")
        );
    }
}
