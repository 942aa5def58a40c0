//! Scripted answers for headless players: `--answers 2,1,skip,4`, `first` or `random`.

use std::str::FromStr;

use rand::RngExt;

/// Which option a scripted player picks for each question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerSpec {
    /// Always the first option.
    First,
    /// A uniformly random option.
    Random,
    /// Per question in order: a 1-based option, or `None` to skip. Questions past the end of
    /// the list are skipped.
    List(Vec<Option<usize>>),
}

impl AnswerSpec {
    /// Returns the 0-based option to answer question `index` with, or `None` to skip it.
    pub fn choose(&self, index: usize, options: usize) -> Option<usize> {
        match self {
            AnswerSpec::First => Some(0),
            AnswerSpec::Random => Some(rand::rng().random_range(0..options.max(1))),
            AnswerSpec::List(list) => list.get(index).copied().flatten().map(|n| n - 1),
        }
    }
}

impl FromStr for AnswerSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<AnswerSpec, String> {
        match text.trim() {
            "first" => return Ok(AnswerSpec::First),
            "random" => return Ok(AnswerSpec::Random),
            _ => {}
        }
        let list = text
            .split(',')
            .map(|item| match item.trim() {
                "skip" | "-" => Ok(None),
                number => match number.parse::<usize>() {
                    Ok(n) if n >= 1 => Ok(Some(n)),
                    _ => Err(format!(
                        "invalid answer {number:?} in {text:?}; use option numbers from 1, `skip`, or the words `first` or `random`"
                    )),
                },
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AnswerSpec::List(list))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_with_skips() {
        let spec: AnswerSpec = "2, 1,skip,4".parse().unwrap();
        assert_eq!(spec.choose(0, 4), Some(1));
        assert_eq!(spec.choose(2, 4), None);
        assert_eq!(spec.choose(3, 4), Some(3));
        assert_eq!(spec.choose(9, 4), None, "past the list is a skip");
    }

    #[test]
    fn rejects_zero_and_words() {
        assert!("0".parse::<AnswerSpec>().unwrap_err().contains("\"0\""));
        assert!("2,x".parse::<AnswerSpec>().is_err());
    }

    #[test]
    fn random_stays_in_range() {
        for _ in 0..100 {
            assert!(AnswerSpec::Random.choose(0, 3).unwrap() < 3);
        }
    }
}
