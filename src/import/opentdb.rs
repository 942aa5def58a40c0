//! Open Trivia Database API responses: `{"response_code": 0, "results": [...]}`.
//!
//! Every text, categories included, is HTML-escaped by the API (`&quot;`, `&#039;`, `&shy;`),
//! so each is decoded exactly once. The correct answer comes in its own field and is placed at
//! a random position among the incorrect ones, except in True/False questions, which keep the
//! order True, False.

use rand::RngExt;
use serde::Deserialize;

use super::Parsed;
use super::candidate::Candidate;
use super::report::{Location, Note};
use super::text::decode_entities;

#[derive(Debug, Deserialize)]
struct Response {
    response_code: Option<i64>,
    results: Option<Vec<serde_json::Value>>,
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: Option<String>,
    category: Option<String>,
    question: String,
    correct_answer: String,
    #[serde(default)]
    incorrect_answers: Vec<String>,
}

/// Parses an API response. A non-zero `response_code` or a response without questions stops
/// the file with the API's meaning in words.
pub fn parse<R: rand::Rng + ?Sized>(file: &str, text: &str, rng: &mut R) -> Result<Parsed, String> {
    let response: Response = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => Response {
            response_code: None,
            results: Some(items),
            token: None,
        },
        Ok(value) => serde_json::from_value(value)
            .map_err(|e| format!("{file} is not an Open Trivia DB response: {e}"))?,
        Err(e) => {
            return Err(format!("{file}:{}: invalid JSON: {e}", e.line()));
        }
    };
    if let Some(code) = response.response_code.filter(|&c| c != 0) {
        return Err(format!("{file}: {}", response_code_meaning(code)));
    }
    let Some(results) = response.results else {
        let what = if response.token.is_some() {
            "is a session token response from the Open Trivia DB API, not questions; request api.php with that token and save that response"
        } else {
            "has no `results` list; save the response of the Open Trivia DB api.php endpoint"
        };
        return Err(format!("{file} {what}"));
    };

    if let Some(encoding) = results.first().and_then(other_encoding) {
        return Err(format!(
            "{file} was requested with encode={encoding}; request it again without the encode parameter, which gives HTML-escaped text"
        ));
    }

    let mut parsed = Parsed::default();
    let mut categories = Vec::new();
    for (index, value) in results.into_iter().enumerate() {
        let location = Location::Question(index + 1);
        let item: Item = match serde_json::from_value(value) {
            Ok(item) => item,
            Err(e) => {
                parsed
                    .skipped
                    .push(Note::new(location, format!("not a question: {e}")));
                continue;
            }
        };
        if let Some(category) = &item.category {
            categories.push(decode_entities(category));
        }
        parsed.candidates.push(candidate(item, location, rng));
    }
    parsed.title = Some(title(&categories));
    Ok(parsed)
}

fn candidate<R: rand::Rng + ?Sized>(item: Item, location: Location, rng: &mut R) -> Candidate {
    let correct_text = decode_entities(&item.correct_answer);
    let mut options: Vec<String> = item
        .incorrect_answers
        .iter()
        .map(|a| decode_entities(a))
        .collect();
    // True/False keeps that order. A boolean item with other answers is read like any other.
    let boolean = item.kind.as_deref() == Some("boolean") && is_true_false(&correct_text, &options);
    let correct = if boolean {
        options = vec!["True".to_string(), "False".to_string()];
        usize::from(!correct_text.trim().eq_ignore_ascii_case("true"))
    } else {
        let position = rng.random_range(0..=options.len());
        options.insert(position, correct_text);
        position
    };
    Candidate {
        location,
        text: decode_entities(&item.question),
        options,
        correct: vec![correct],
        time_limit: None,
        points: None,
    }
}

/// Returns whether the answers are True and False, in any case and order.
fn is_true_false(correct: &str, incorrect: &[String]) -> bool {
    let [other] = incorrect else {
        return false;
    };
    let is = |text: &str, word: &str| text.trim().eq_ignore_ascii_case(word);
    (is(correct, "true") && is(other, "false")) || (is(correct, "false") && is(other, "true"))
}

/// Recognizes the API's optional encodings from the first item: with `encode=base64` the
/// type reads `bXVsdGlwbGU=` or `Ym9vbGVhbg==`, and with `encode=url3986` the question text has
/// `%20` in place of spaces.
fn other_encoding(item: &serde_json::Value) -> Option<&'static str> {
    let kind = item.get("type")?.as_str()?;
    if kind == "bXVsdGlwbGU=" || kind == "Ym9vbGVhbg==" {
        return Some("base64");
    }
    let question = item.get("question")?.as_str()?;
    (question.contains("%20") && !question.contains(' ')).then_some("url3986")
}

/// Names the bank after its category when all questions share one.
fn title(categories: &[String]) -> String {
    match categories.first() {
        Some(first) if categories.iter().all(|c| c == first) => {
            format!("Open Trivia DB: {first}")
        }
        _ => "Open Trivia DB".to_string(),
    }
}

/// Explains a non-zero `response_code` of the Open Trivia DB API, as its documentation
/// (opentdb.com/api_config.php) defines them.
fn response_code_meaning(code: i64) -> String {
    let meaning = match code {
        1 => {
            "no results: the API has fewer questions than requested for this category, difficulty and type; request a smaller amount"
        }
        2 => {
            "invalid parameter: the request's arguments were not valid; check amount, category, difficulty and type"
        }
        3 => {
            "token not found: the session token does not exist (the API deletes tokens after 6 hours of inactivity); request a new token"
        }
        4 => {
            "token empty: the session token has already returned every question for this query; reset the token or change the query"
        }
        5 => "rate limit: too many requests from this address; wait 5 seconds between requests",
        _ => "an unknown error code",
    };
    format!(
        "the Open Trivia DB API answered response_code {code}, {meaning}. The file holds no questions"
    )
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const SAMPLE: &str = r#"{"response_code":0,"results":[
{"type":"multiple","difficulty":"easy","category":"Science &amp; Nature","question":"Which element has the symbol &quot;Fe&quot;?","correct_answer":"Iron","incorrect_answers":["Lead","Tin","Zinc"]},
{"type":"boolean","difficulty":"easy","category":"Science &amp; Nature","question":"Water&shy;melons are 90&#037; water.","correct_answer":"True","incorrect_answers":["False"]},
{"type":"boolean","difficulty":"easy","category":"Science &amp; Nature","question":"The Moon has an atmosphere as thick as Earth&#039;s.","correct_answer":"False","incorrect_answers":["True"]},
{"type":"multiple","difficulty":"hard","category":"Science &amp; Nature","question":"What does &amp;amp; decode to once?","correct_answer":"&amp;amp;","incorrect_answers":["&amp;","&lt;&gt;"," 東京 "]}
]}"#;

    fn parse_sample(seed: u64) -> Parsed {
        parse("t.json", SAMPLE, &mut StdRng::seed_from_u64(seed)).unwrap()
    }

    #[test]
    fn entities_decoded_once_including_category() {
        let parsed = parse_sample(1);
        assert_eq!(
            parsed.title.as_deref(),
            Some("Open Trivia DB: Science & Nature")
        );
        assert_eq!(
            parsed.candidates[0].text,
            "Which element has the symbol \"Fe\"?"
        );
        let last = &parsed.candidates[3];
        assert_eq!(last.text, "What does &amp; decode to once?");
        assert_eq!(last.options[last.correct[0]], "&amp;");
    }

    #[test]
    fn correct_answer_shuffled_in() {
        let mut positions = std::collections::HashSet::new();
        for seed in 0..32 {
            let parsed = parse_sample(seed);
            let first = &parsed.candidates[0];
            assert_eq!(first.options.len(), 4);
            assert_eq!(first.options[first.correct[0]], "Iron");
            positions.insert(first.correct[0]);
        }
        assert!(
            positions.len() > 1,
            "the correct answer always sat at {positions:?}"
        );
    }

    #[test]
    fn true_false_kept_in_order() {
        let parsed = parse_sample(5);
        assert_eq!(parsed.candidates[1].options, ["True", "False"]);
        assert_eq!(parsed.candidates[1].correct, [0]);
        assert_eq!(parsed.candidates[2].options, ["True", "False"]);
        assert_eq!(parsed.candidates[2].correct, [1]);
    }

    #[test]
    fn response_code_explained() {
        let error = parse(
            "e.json",
            r#"{"response_code": 4, "results": []}"#,
            &mut rand::rng(),
        )
        .unwrap_err();
        assert!(error.contains("e.json"), "{error}");
        assert!(error.contains("token empty"), "{error}");
        let error = parse(
            "e.json",
            r#"{"response_code": 1, "results": []}"#,
            &mut rand::rng(),
        )
        .unwrap_err();
        assert!(error.contains("request a smaller amount"), "{error}");
    }

    #[test]
    fn other_encodings_rejected() {
        let base64 = r#"{"response_code":0,"results":[{"type":"Ym9vbGVhbg==","question":"SXM=","correct_answer":"VHJ1ZQ==","incorrect_answers":["RmFsc2U="]}]}"#;
        let error = parse("b.json", base64, &mut rand::rng()).unwrap_err();
        assert!(error.contains("encode=base64"), "{error}");
        let url = r#"{"response_code":0,"results":[{"type":"boolean","question":"Is%20it%3F","correct_answer":"True","incorrect_answers":["False"]}]}"#;
        let error = parse("u.json", url, &mut rand::rng()).unwrap_err();
        assert!(error.contains("encode=url3986"), "{error}");
    }

    #[test]
    fn token_response_rejected() {
        let text = r#"{"response_code":0,"response_message":"Token Generated","token":"abc"}"#;
        let error = parse("tok.json", text, &mut rand::rng()).unwrap_err();
        assert!(error.contains("session token response"), "{error}");
    }
}
