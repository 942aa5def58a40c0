//! Moodle's GIFT format: `::title:: text {answers}` per question, blank lines between.
//!
//! Multiple choice (`=right ~wrong`), multiple answers (`~%50%right ~%-50%wrong`, every option
//! with a positive weight counts) and true/false (`{T}`, `{FALSE}`) become questions. Essay,
//! numerical, matching, short answer and missing-word questions cannot be played as a timed
//! choice and are skipped with the reason. Feedback after `#` is dropped.

use super::Parsed;
use super::candidate::{Candidate, short};
use super::report::{Location, Note};
use super::text::{clean, html_to_text};

/// One character of a question with whether it was escaped by a backslash, so `\{` is text and
/// `{` opens the answers.
#[derive(Debug, Clone, Copy)]
struct Char {
    c: char,
    escaped: bool,
}

/// Parses GIFT text.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (line, block) in blocks(text) {
        match question(&block) {
            Ok((candidate, warning)) => {
                let candidate = Candidate {
                    location: Location::Line(line),
                    ..candidate
                };
                if let Some(warning) = warning {
                    parsed
                        .warnings
                        .push(Note::new(Location::Line(line), warning));
                }
                parsed.candidates.push(candidate);
            }
            Err(reason) => parsed.skipped.push(Note::new(Location::Line(line), reason)),
        }
    }
    parsed
}

/// Splits the text into questions: runs of lines separated by blank lines, without comment
/// lines (`//`) and category lines (`$CATEGORY:`). Each comes with its first line number.
fn blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("//") || trimmed.starts_with("$CATEGORY:") {
            continue;
        }
        if trimmed.is_empty() {
            blocks.extend(current.take());
            continue;
        }
        let (_, body) = current.get_or_insert_with(|| (index + 1, String::new()));
        body.push_str(line);
        body.push('\n');
    }
    blocks.extend(current);
    blocks
}

/// Splits escapes: `\` before `~ = # { } :` makes that character text, `\n` is a line break
/// and `\\` a backslash.
fn unescape(text: &str) -> Vec<Char> {
    let mut chars = Vec::with_capacity(text.len());
    let mut iter = text.chars().peekable();
    while let Some(c) = iter.next() {
        if c == '\\' {
            match iter.peek().copied() {
                Some(next @ ('~' | '=' | '#' | '{' | '}' | ':' | '\\')) => {
                    iter.next();
                    chars.push(Char {
                        c: next,
                        escaped: true,
                    });
                    continue;
                }
                Some('n') => {
                    iter.next();
                    chars.push(Char {
                        c: '\n',
                        escaped: true,
                    });
                    continue;
                }
                _ => {}
            }
        }
        chars.push(Char { c, escaped: false });
    }
    chars
}

fn to_string(chars: &[Char]) -> String {
    chars.iter().map(|c| c.c).collect()
}

fn find(chars: &[Char], from: usize, target: char) -> Option<usize> {
    (from..chars.len()).find(|&i| chars[i].c == target && !chars[i].escaped)
}

fn find_pair(chars: &[Char], from: usize, first: char, second: char) -> Option<usize> {
    (from..chars.len().saturating_sub(1)).find(|&i| {
        chars[i].c == first
            && !chars[i].escaped
            && chars[i + 1].c == second
            && !chars[i + 1].escaped
    })
}

/// Reason a question with text after its answers is skipped.
const MISSING_WORD: &str =
    "its answers sit inside the sentence; move the {…} block to the end to play it as a choice";

/// A question split around its answer block.
struct Parts {
    /// The title, or the first words of the text, to name the question in messages.
    label: String,
    text: String,
    /// Whether the text format may contain HTML (Moodle's default and `[html]`).
    html: bool,
    answers: Vec<Char>,
    /// Text after the closing brace, which makes a missing-word question.
    after: String,
}

/// Splits a question into its optional `::title::`, its text and format tag, and the answers in
/// braces.
fn split(block: &str) -> Result<Parts, String> {
    let chars = unescape(block.trim());
    let (title, body_start) = match find_pair(&chars, 0, ':', ':') {
        Some(0) => match find_pair(&chars, 2, ':', ':') {
            Some(end) => (Some(to_string(&chars[2..end]).trim().to_string()), end + 2),
            None => return Err("the title opened with :: has no closing ::".into()),
        },
        _ => (None, 0),
    };
    let title = title.filter(|t| !t.is_empty());
    let Some(open) = find(&chars, body_start, '{') else {
        let body = clean(&to_string(&chars[body_start..]));
        let label = title.unwrap_or_else(|| short(&body));
        return Err(format!(
            "\"{label}\" has no answers in braces, so it is a description, not a question"
        ));
    };

    let (format, before) = format_tag(&to_string(&chars[body_start..open]));
    let html = !matches!(format.as_deref(), Some("plain" | "markdown"));
    let text = plain(&before, html);
    let label = title.unwrap_or_else(|| short(&clean(&text)));
    let Some(close) = find(&chars, open + 1, '}') else {
        return Err(format!(
            "question \"{label}\": the answers opened with {{ have no closing }}; close them, or write \\{{ for a literal brace"
        ));
    };
    if find(&chars, close + 1, '{').is_some() {
        return Err(format!(
            "question \"{label}\": a second answer block follows; separate questions with a blank line, and write \\{{ and \\}} for braces in the text, as LaTeX needs"
        ));
    }
    Ok(Parts {
        label,
        text,
        html,
        answers: chars[open + 1..close].to_vec(),
        after: to_string(&chars[close + 1..]),
    })
}

/// Reads one question: a candidate and an optional warning, or the reason it is skipped.
fn question(block: &str) -> Result<(Candidate, Option<String>), String> {
    let parts = split(block)?;
    let label = &parts.label;
    let skip =
        |kind: &str, why: &str| format!("question \"{label}\": {kind} question skipped; {why}");
    let missing_word = !parts.after.trim().is_empty();

    let answers_text = to_string(&parts.answers);
    let trimmed = answers_text.trim();
    if trimmed.is_empty() {
        return Err(skip("essay", "players would need to type text"));
    }
    if trimmed.starts_with('#') {
        return Err(skip("numerical", "players would need to type a number"));
    }
    if let Some(truth) = true_false(&parts.answers) {
        if missing_word {
            return Err(skip("missing-word", MISSING_WORD));
        }
        let options = vec!["True".into(), "False".into()];
        return Ok((
            candidate(parts.text, options, vec![usize::from(!truth)]),
            None,
        ));
    }

    let options = choices(&parts.answers).map_err(|why| format!("question \"{label}\": {why}"))?;
    // Moodle's importer (question/format/gift/format.php) reads answers with a `~` as multiple
    // choice even when an option contains `->`, as in `{=-> ~. ~*}`. Only `=` answers with
    // `->` make a matching question.
    let all_right = options.iter().all(|o| o.right_marker);
    if all_right && options.iter().any(|o| o.text.contains("->")) {
        return Err(skip("matching", "players would need to pair items"));
    }
    if all_right {
        return Err(skip(
            "short answer",
            "players would need to type the answer",
        ));
    }
    if missing_word {
        return Err(skip("missing-word", MISSING_WORD));
    }

    // Moodle gives full credit for ticking every positively weighted option, but a player here
    // picks one option, so any of them counts.
    let correct: Vec<usize> = options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.right_marker || o.weight.is_some_and(|w| w > 0.0))
        .map(|(i, _)| i)
        .collect();
    let warning = (correct.len() > 1).then(|| {
        format!(
            "question \"{label}\": {} options have a positive weight; a player who picks any one of them scores",
            correct.len()
        )
    });
    let texts = options.iter().map(|o| plain(&o.text, parts.html)).collect();
    Ok((candidate(parts.text, texts, correct), warning))
}

/// Builds a candidate; [`parse`] sets its location.
fn candidate(text: String, options: Vec<String>, correct: Vec<usize>) -> Candidate {
    Candidate {
        location: Location::Line(0),
        text,
        options,
        correct,
        time_limit: None,
        points: None,
    }
}

/// Removes a leading format tag such as `[html]` and returns its name.
fn format_tag(text: &str) -> (Option<String>, String) {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix('[')
        && let Some(end) = rest.find(']')
    {
        let name = rest[..end].to_ascii_lowercase();
        if ["html", "moodle", "plain", "markdown"].contains(&name.as_str()) {
            return (Some(name), rest[end + 1..].to_string());
        }
    }
    (None, text.to_string())
}

/// Turns question or option text into plain text. Moodle's default and `[html]` formats may
/// contain HTML, so those have tags removed and character references decoded.
fn plain(text: &str, html: bool) -> String {
    if html {
        html_to_text(text)
    } else {
        text.to_string()
    }
}

/// Reads `{T}`, `{TRUE}`, `{F}` or `{FALSE}`, each optionally followed by feedback.
fn true_false(answers: &[Char]) -> Option<bool> {
    let end = find(answers, 0, '#').unwrap_or(answers.len());
    match to_string(&answers[..end])
        .trim()
        .to_ascii_uppercase()
        .as_str()
    {
        "T" | "TRUE" => Some(true),
        "F" | "FALSE" => Some(false),
        _ => None,
    }
}

/// One answer of a choice question.
struct Choice {
    /// Whether the answer starts with `=`.
    right_marker: bool,
    /// Percentage weight given as `%50%`.
    weight: Option<f64>,
    text: String,
}

/// Splits the answers at unescaped `=` and `~`, dropping feedback (`#…`) and general feedback
/// (`####…`).
fn choices(answers: &[Char]) -> Result<Vec<Choice>, String> {
    let general = find_pair(answers, 0, '#', '#').unwrap_or(answers.len());
    let answers = &answers[..general];
    let starts: Vec<usize> = (0..answers.len())
        .filter(|&i| matches!(answers[i].c, '=' | '~') && !answers[i].escaped)
        .collect();
    let lead = to_string(&answers[..starts.first().copied().unwrap_or(answers.len())]);
    if starts.is_empty() || !lead.trim().is_empty() {
        return Err(format!(
            "the answers must start with = (right) or ~ (wrong), found {:?}",
            short(lead.trim())
        ));
    }
    let mut choices = Vec::with_capacity(starts.len());
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(answers.len());
        let body = &answers[start + 1..end];
        let body = &body[..find(body, 0, '#').unwrap_or(body.len())];
        let (weight, body) = weight(body)?;
        choices.push(Choice {
            right_marker: answers[start].c == '=',
            weight,
            text: to_string(body).trim().to_string(),
        });
    }
    Ok(choices)
}

/// Reads a leading `%50%` weight.
fn weight(body: &[Char]) -> Result<(Option<f64>, &[Char]), String> {
    let skip = body.iter().take_while(|c| c.c.is_whitespace()).count();
    let body = &body[skip..];
    if body.first().map(|c| c.c) != Some('%') {
        return Ok((None, body));
    }
    let Some(end) = find(body, 1, '%') else {
        return Err("a weight opened with % has no closing %, as in ~%50%".into());
    };
    let number = to_string(&body[1..end]);
    let weight = number
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("weight %{number}% is not a number; write it like %50% or %-25%"))?;
    Ok((Some(weight), &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Parsed {
        parse(text)
    }

    #[test]
    fn multiple_choice_with_title_and_feedback() {
        let parsed = one(
            "// comment\n::Rivers::Which river flows through Vienna?{\n=Danube#Yes\n~Rhine#No, that is Basel\n~Seine}\n",
        );
        assert_eq!(parsed.candidates.len(), 1);
        let q = &parsed.candidates[0];
        assert_eq!(q.location, Location::Line(2));
        assert_eq!(q.text.trim(), "Which river flows through Vienna?");
        assert_eq!(q.options, ["Danube", "Rhine", "Seine"]);
        assert_eq!(q.correct, [0]);
    }

    #[test]
    fn escapes_become_text() {
        let parsed =
            one("Which is \\{not\\} special\\: here? {~ \\= 2 + 2 = \\\\ ~a\\~b ~x\\#y}\n");
        let q = &parsed.candidates[0];
        assert_eq!(q.text.trim(), "Which is {not} special: here?");
        assert_eq!(q.options, ["= 2 + 2", "\\", "a~b", "x#y"]);
        assert_eq!(q.correct, [1]);
    }

    #[test]
    fn weights_mark_multiple_answers() {
        let parsed = one("Which are primes?{~%50%Two ~%-50%Four ~%50%Five ~%-50%Six}\n");
        let q = &parsed.candidates[0];
        assert_eq!(q.correct, [0, 2]);
        assert!(
            parsed.warnings[0]
                .message
                .contains("2 options have a positive weight")
        );
    }

    #[test]
    fn true_false_forms() {
        let parsed = one("The sky is green.{F}\n\nWater is wet.{TRUE#Right}\n");
        assert_eq!(parsed.candidates[0].correct, [1]);
        assert_eq!(parsed.candidates[1].correct, [0]);
        assert_eq!(parsed.candidates[1].options, ["True", "False"]);
    }

    #[test]
    fn html_format_to_plain_text() {
        let parsed = one("[html]<p>Is <b>this</b> &amp; that bold?</p>{T}\n");
        assert_eq!(
            crate::import::text::clean(&parsed.candidates[0].text),
            "Is this & that bold?"
        );
    }

    #[test]
    fn unplayable_types_skipped_with_reason() {
        let text = "::Essay::Write about it.{}\n\n::Num::What is 2+2?{#4}\n\n::Match::Pair them {=a -> 1 =b -> 2 =c -> 3}\n\n::Short::Who is buried here?{=no one =nobody}\n\n::Gap::The {~second =fourth} Thursday.\n";
        let parsed = one(text);
        assert!(parsed.candidates.is_empty());
        let messages: Vec<&str> = parsed.skipped.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert!(messages[0].starts_with("question \"Essay\": essay question skipped"));
        assert!(messages[1].contains("\"Num\": numerical"));
        assert!(messages[2].contains("\"Match\": matching"));
        assert!(messages[3].contains("\"Short\": short answer"));
        assert!(messages[4].contains("\"Gap\": missing-word"));
        assert_eq!(parsed.skipped[4].location, Location::Line(9));
    }

    #[test]
    fn questions_need_blank_line_between() {
        let parsed = one("First?{=a ~b}\nSecond?{=c ~d}\n");
        assert!(parsed.candidates.is_empty());
        assert!(
            parsed.skipped[0]
                .message
                .contains("separate questions with a blank line")
        );
    }

    #[test]
    fn unclosed_braces_reported() {
        let parsed = one("Broken {=a ~b\n");
        assert!(parsed.skipped[0].message.contains("have no closing }"));
    }
}
