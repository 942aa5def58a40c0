//! The importer on the fixtures in `tests/fixtures/import`, which cover each format's quirks.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::bank::Question;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn load(name: &str) -> (FileReport, Bank) {
    load_with(name, &ImportOptions::default())
}

fn load_with(name: &str, options: &ImportOptions) -> (FileReport, Bank) {
    let (report, bank) = check_file(&fixture(name), options, &mut StdRng::seed_from_u64(11));
    let bank = bank.unwrap_or_else(|| panic!("{name} has no usable question: {report:?}"));
    (report, bank)
}

fn question<'a>(bank: &'a Bank, starts: &str) -> &'a Question {
    bank.questions
        .iter()
        .find(|q| q.text.starts_with(starts))
        .unwrap_or_else(|| panic!("no question starts with {starts:?}: {bank:#?}"))
}

fn right(question: &Question) -> Vec<&str> {
    question
        .correct
        .iter()
        .map(|&i| question.options[i].as_str())
        .collect()
}

#[test]
fn detect_by_extension_and_content() {
    let cases = [
        ("opentdb.json", Format::Opentdb),
        ("kahoot.csv", Format::KahootCsv),
        ("kahoot.xlsx", Format::KahootXlsx),
        ("quiz.gift", Format::Gift),
        ("quiz.aiken", Format::Aiken),
    ];
    for (name, format) in cases {
        let bytes = std::fs::read(fixture(name)).unwrap();
        assert_eq!(detect(&fixture(name), &bytes), Some(format), "{name}");
    }
    let gift = std::fs::read(fixture("quiz.gift")).unwrap();
    assert_eq!(detect(Path::new("quiz.txt"), &gift), Some(Format::Gift));
    let aiken = std::fs::read(fixture("quiz.aiken")).unwrap();
    assert_eq!(detect(Path::new("quiz.txt"), &aiken), Some(Format::Aiken));
    assert_eq!(detect(Path::new("notes.txt"), b"plain notes\n"), None);
}

#[test]
fn opentdb_fixture_decoded() {
    let (report, bank) = load("opentdb.json");
    assert_eq!(report.usable, 6);
    assert_eq!(bank.title, "Open Trivia DB: Science & Nature");
    let soft = question(&bank, "Which gas");
    assert_eq!(soft.text, "Which gas do plants take in for photosynthesis?");
    assert_eq!(right(soft), ["Carbon dioxide"]);
    let cjk = question(&bank, "Which city");
    assert_eq!(
        cjk.text,
        "Which city's name means \u{201C}eastern capital\u{201D} (東京)?"
    );
    assert_eq!(right(cjk), ["Tokyo"]);
    assert!(
        cjk.options.contains(&"Nanjing\u{200E}".to_string())
            || cjk.options.contains(&"Nanjing".to_string())
    );
    let once = question(&bank, "In HTML");
    assert_eq!(once.text, "In HTML, what does &amp;lt; display as?");
    assert_eq!(right(once), ["&lt;"]);
    let nfc = question(&bank, "Café");
    assert!(nfc.text.starts_with("Café or Café"), "{}", nfc.text);
    assert_eq!(nfc.text.chars().filter(|&c| c == '\u{0301}').count(), 0);
    let true_false = question(&bank, "Sound travels");
    assert_eq!(true_false.options, ["True", "False"]);
    assert_eq!(right(true_false), ["False"]);
}

#[test]
fn kahoot_csv_fixture() {
    let (report, bank) = load("kahoot.csv");
    assert_eq!(report.usable, 5);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].location, Location::Row(15));
    assert_eq!(bank.title, "kahoot");
    let ocean = question(&bank, "Which ocean");
    assert_eq!(ocean.options.len(), 4);
    assert_eq!(right(ocean), ["Pacific"]);
    assert_eq!(ocean.time_limit_secs, 20);
    let primes = question(&bank, "Which of these are prime");
    assert_eq!(right(primes), ["7", "11"]);
    let tomato = question(&bank, "Is a tomato");
    assert_eq!(tomato.options, ["Yes", "No"]);
    assert_eq!(tomato.time_limit_secs, 10);
    assert_eq!(report.warnings.len(), 2);
}

#[test]
fn kahoot_xlsx_fixture() {
    let (report, bank) = load("kahoot.xlsx");
    assert_eq!(report.usable, 3);
    assert_eq!(report.skipped[0].location, Location::Row(12));
    let first = &bank.questions[0];
    assert_eq!(first.text, "Which planet is closest to the Sun?");
    assert_eq!(right(first), ["Mercury"]);
    assert_eq!(first.time_limit_secs, 20);
    let mammals = question(&bank, "Which of these are mammals");
    assert_eq!(right(mammals), ["Whale", "Bat"]);
    assert_eq!(mammals.time_limit_secs, 30);
}

#[test]
fn gift_fixture() {
    let (report, bank) = load("quiz.gift");
    assert_eq!(report.usable, 8);
    assert_eq!(report.skipped.len(), 6);
    let capital = question(&bank, "What is the capital");
    assert_eq!(capital.options, ["Canberra", "Sydney", "Melbourne"]);
    assert_eq!(right(capital), ["Canberra"]);
    let escapes = question(&bank, "Which of these is written");
    assert_eq!(
        escapes.text,
        "Which of these is written with escapes: { } = ~ #?"
    );
    assert_eq!(escapes.options, ["a = b", "c ~ d", "e # f", "g {h}"]);
    let html = question(&bank, "Which tag");
    assert_eq!(html.text, "Which tag makes text bold & strong?");
    assert_eq!(right(html), ["<b>"]);
    let markdown = question(&bank, "Which symbol");
    assert_eq!(right(markdown), ["#"]);
    let primes = question(&bank, "Which numbers are prime");
    assert_eq!(right(primes), ["Two", "Three"]);
    assert_eq!(right(question(&bank, "The Earth is flat")), ["False"]);
    assert_eq!(right(question(&bank, "Water boils")), ["True"]);
    let latex = question(&bank, "What is $$");
    assert_eq!(latex.text, "What is $$\\frac{1}{2}$$ as a decimal?");
    assert_eq!(latex.options, ["0.5", "0.2", "2.0"]);
}

#[test]
fn aiken_fixture_with_cr_line_endings() {
    let (report, bank) = load("quiz.aiken");
    assert_eq!(report.usable, 3);
    assert_eq!(
        bank.questions[1].text,
        "Is <b>bold</b> & <i>italic</i> HTML markup?"
    );
    assert_eq!(right(&bank.questions[2]), ["443"]);
}

#[test]
fn windows_1252_needs_the_flag() {
    let (report, bank) = check_file(
        &fixture("malformed/windows1252.aiken"),
        &ImportOptions::default(),
        &mut rand::rng(),
    );
    assert!(bank.is_none());
    let error = report.error.unwrap();
    assert!(
        error.contains("windows1252.aiken:1: invalid UTF-8 at byte offset 25"),
        "{error}"
    );
    assert!(error.contains("--encoding windows-1252"), "{error}");

    let options = ImportOptions {
        encoding: Encoding::Windows1252,
        ..ImportOptions::default()
    };
    let (_, bank) = load_with("malformed/windows1252.aiken", &options);
    assert_eq!(
        bank.questions[0].text,
        "Which word is French for \u{201C}coffee\u{201D}?"
    );
    assert_eq!(bank.questions[0].options[0], "café");
}

#[test]
fn load_files_concatenates_in_order() {
    let paths = [fixture("quiz.aiken"), fixture("kahoot.xlsx")];
    let (bank, reports) = load_files(&paths, &ImportOptions::default()).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(bank.title, "quiz");
    assert_eq!(bank.questions.len(), 6);
    assert_eq!(bank.questions[0].text, "What does CPU stand for?");
    assert_eq!(
        bank.questions[3].text,
        "Which planet is closest to the Sun?"
    );
}

#[test]
fn load_files_fails_on_unusable_file() {
    let paths = [
        fixture("quiz.aiken"),
        fixture("malformed/only_unplayable.gift"),
    ];
    let error = load_files(&paths, &ImportOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("only_unplayable.gift has no usable question"),
        "{message}"
    );
    assert!(
        message.contains("only_unplayable.gift:1: question \"Essay\""),
        "{message}"
    );
    assert!(message.contains("quizcast check"), "{message}");
    assert!(!message.contains("quiz.aiken"), "{message}");
}

#[test]
fn forced_format_overrides_detection() {
    let options = ImportOptions {
        format: Some(Format::Aiken),
        ..ImportOptions::default()
    };
    let (report, _) = check_file(&fixture("quiz.gift"), &options, &mut rand::rng());
    assert_eq!(report.format, Some(Format::Aiken));
    assert_eq!(report.usable, 0);
}

#[test]
fn check_bytes_detects_by_name() {
    let text = b"Which is a fruit?\nA) Apple\nB) Brick\nANSWER: A\n";
    let (report, bank) = check_bytes(
        "upload.txt",
        text,
        &ImportOptions::default(),
        &mut rand::rng(),
    );
    assert_eq!(report.format, Some(Format::Aiken));
    assert_eq!(report.file, "upload.txt");
    assert_eq!(bank.unwrap().title, "upload");
}

#[test]
fn load_files_without_paths_fails() {
    let error = load_files(&[], &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no question file given; pass at least one file"
    );
}

#[test]
fn truncated_files_never_panic() {
    let names = [
        "opentdb.json",
        "kahoot.csv",
        "kahoot_plain.csv",
        "quiz.gift",
        "quiz.aiken",
        "malformed/broken.aiken",
        "kahoot.xlsx",
    ];
    let mut rng = StdRng::seed_from_u64(5);
    for name in names {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for end in 0..bytes.len() {
            // Every prefix, cut at any byte, also in the middle of a UTF-8 sequence.
            let (report, bank) =
                check_bytes(name, &bytes[..end], &ImportOptions::default(), &mut rng);
            assert_eq!(bank.is_some(), report.is_usable(), "{name} cut at {end}");
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let names = ["quiz.gift", "quiz.aiken", "kahoot.csv", "opentdb.json"];
    let mut rng = StdRng::seed_from_u64(9);
    let specials = b"{}=~#:\\%\n\r,;\"[]<>&";
    for name in names {
        let original = std::fs::read(fixture(name)).unwrap();
        for round in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..4 {
                let at = rand::RngExt::random_range(&mut rng, 0..bytes.len());
                let pick = rand::RngExt::random_range(&mut rng, 0..specials.len());
                bytes[at] = specials[pick];
            }
            let (report, bank) = check_bytes(name, &bytes, &ImportOptions::default(), &mut rng);
            assert_eq!(bank.is_some(), report.is_usable(), "{name} round {round}");
        }
    }
}

#[test]
fn native_files_without_an_extension_are_detected() {
    let json =
        br#"{"title": "T", "questions": [{"text": "Q", "options": ["a", "b"], "correct": 1}]}"#;
    assert_eq!(detect(Path::new("upload"), json), Some(Format::Json));
    let toml =
        b"title = \"T\"\n\n[[questions]]\ntext = \"Q\"\noptions = [\"a\", \"b\"]\ncorrect = 1\n";
    assert_eq!(detect(Path::new("upload"), toml), Some(Format::Toml));
}

/// Reads `bytes` as if they were a file named `name`, and returns the report and the bank.
fn load_bytes(name: &str, bytes: &[u8]) -> (FileReport, Option<Bank>) {
    check_bytes(
        name,
        bytes,
        &ImportOptions::default(),
        &mut StdRng::seed_from_u64(3),
    )
}

#[test]
fn kahoot_correct_numbers_before_text() {
    // Answer 3 is "2": `Correct answer(s)` 3 means that answer, not the answer whose text is "3".
    let text = "Question,Answer 1,Answer 2,Answer 3,Answer 4,Time limit,Correct answer(s)\n\
                How many moons has Mars?,0,1,2,3,20,3\n\
                Which are even?,1,2,3,4,20,\"2,4\"\n";
    let (report, bank) = load_bytes("moons.csv", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(right(question(&bank, "How many moons")), ["2"]);
    assert_eq!(right(question(&bank, "Which are even")), ["2", "4"]);
}

#[test]
fn kahoot_semicolon_template_export() {
    // Spreadsheets in locales with a decimal comma export with semicolons. The template's time
    // header contains as many commas as the row has semicolons.
    let text = ";;;;;;;\n\
                ;Quiz template;;;;;;\n\
                ;Question - max 120 characters;Answer 1 - max 75 characters;Answer 2 - max 75 characters;Answer 3 - max 75 characters;Answer 4 - max 75 characters;Time limit (sec) \u{2013} 5, 10, 20, 30, 60, 90, 120, or 240 secs;Correct answer(s) - choose at least one\n\
                1;Which is pi rounded?;3,14;2,72;;;20;1\n\
                2;;;;;;;\n";
    let (report, bank) = load_bytes("semicolons.csv", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(report.usable, 1);
    let pi = question(&bank, "Which is pi");
    assert_eq!(pi.options, ["3,14", "2,72"]);
    assert_eq!(right(pi), ["3,14"]);
}

#[test]
fn workbook_detected_despite_extension() {
    // A workbook saved or renamed with a text extension is still a workbook, and reading it as
    // text would report invalid UTF-8.
    let bytes = std::fs::read(fixture("kahoot.xlsx")).unwrap();
    for name in ["quiz.csv", "quiz.txt", "quiz.json"] {
        assert_eq!(
            detect(Path::new(name), &bytes),
            Some(Format::KahootXlsx),
            "{name}"
        );
        let (report, bank) = load_bytes(name, &bytes);
        assert!(bank.is_some(), "{report:?}");
        assert_eq!(report.usable, 3, "{name}");
    }
}

#[test]
fn kahoot_csv_rows_count_records() {
    // A spreadsheet numbers rows, not lines: a cell with line breaks stays in one row.
    let text = "Question,Answer 1,Answer 2,Time limit,Correct answer(s)\r\n\
                \"Two\r\nlines\",a,\"b\r\nc\",20,1\r\n\
                Broken,a,b,20,9\r\n";
    let (report, _) = load_bytes("rows.csv", text.as_bytes());
    assert_eq!(report.usable, 1);
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    assert_eq!(report.skipped[0].location, Location::Row(3));
}

#[test]
fn windows_1252_keeps_utf8_in_mixed_file() {
    // A UTF-8 file with one question pasted from a Windows-1252 editor.
    let mut bytes = "Caf\u{e9} or tea?\nA. Caf\u{e9}\nB. Tea\nANSWER: A\n\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"Na\xefve \x93quoted\x94?\nA. yes\nB. no\nANSWER: B\n");
    let options = ImportOptions {
        encoding: Encoding::Windows1252,
        ..ImportOptions::default()
    };
    let (report, bank) = check_bytes("mixed.aiken", &bytes, &options, &mut rand::rng());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(bank.questions[0].text, "Café or tea?");
    assert_eq!(bank.questions[0].options[0], "Café");
    assert_eq!(bank.questions[1].text, "Naïve \u{201C}quoted\u{201D}?");
}

#[test]
fn kahoot_correct_beyond_last_column() {
    let text = "Question,Answer 1,Answer 2,Answer 3,Answer 4,Time limit,Correct answer(s)\n\
                Which?,a,b,c,d,20,5\n\
                Which one?,a,b,,,20,3\n";
    let (report, _) = load_bytes("range.csv", text.as_bytes());
    assert_eq!(report.skipped.len(), 2, "{report:?}");
    let beyond = &report.skipped[0].message;
    assert!(
        beyond.ends_with("correct answer 5 does not exist; answers are numbered 1 to 4"),
        "{beyond}"
    );
    let empty = &report.skipped[1].message;
    assert!(
        empty.ends_with("correct answer 3 is empty; fill in answer 3 or fix `Correct answer(s)`"),
        "{empty}"
    );
}

#[test]
fn native_limits_count_nfc_characters() {
    // 100 letters é written as e and a combining accent: 200 code points, 100 characters.
    let option = "e\u{0301}".repeat(100);
    let text = format!(
        "title = \"Accents\"\n[[questions]]\ntext = \"Which?\"\noptions = [\"{option}\", \"b\"]\ncorrect = 1\n"
    );
    let (report, bank) = load_bytes("accents.toml", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(bank.questions[0].options[0], "\u{e9}".repeat(100));
}

#[test]
fn gift_arrow_choice_not_matching() {
    // Moodle reads answers with a wrong option (~) as multiple choice. Only `=a -> b` pairs
    // without one are matching.
    let text = "Which C operator reads a member through a pointer?{=-> ~. ~*}\n\n\
                Pair them.{=cat -> meow =dog -> woof}\n";
    let (report, bank) = load_bytes("arrows.gift", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(report.usable, 1);
    let arrow = question(&bank, "Which C operator");
    assert_eq!(arrow.options, ["->", ".", "*"]);
    assert_eq!(right(arrow), ["->"]);
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0]
            .message
            .contains("matching question skipped"),
        "{report:?}"
    );
}

#[test]
fn gift_unescaped_latex_braces_explained() {
    let text = "What is $$\\frac{1}{2}$$ as a decimal?{=0.5 ~2}\n";
    let (report, _) = load_bytes("latex.gift", text.as_bytes());
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    let reason = &report.skipped[0].message;
    assert!(reason.contains("write \\{ and \\}"), "{reason}");
}

#[test]
fn opentdb_boolean_keeps_other_answers() {
    // A boolean item whose answers are not True and False keeps its own answers.
    let text = r#"{"response_code":0,"results":[
{"type":"boolean","category":"x","question":"Is it?","correct_answer":"Yes","incorrect_answers":["No"]},
{"type":"boolean","category":"x","question":"Is it false?","correct_answer":"false","incorrect_answers":["true"]}]}"#;
    let (report, bank) = load_bytes("yes.json", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    let yes = question(&bank, "Is it?");
    assert_eq!(right(yes), ["Yes"]);
    assert_eq!(yes.options.len(), 2);
    let false_item = question(&bank, "Is it false?");
    assert_eq!(false_item.options, ["True", "False"]);
    assert_eq!(right(false_item), ["False"]);
}

#[test]
fn empty_file_reported_as_empty() {
    for (name, bytes) in [
        ("empty.gift", &b""[..]),
        ("blank.aiken", b"\xEF\xBB\xBF \r\n\n"),
        ("empty.csv", b""),
    ] {
        let (report, bank) = load_bytes(name, bytes);
        assert!(bank.is_none(), "{name}");
        let error = report.error.unwrap_or_default();
        assert_eq!(
            error,
            format!("{name} is empty; add questions to it or pass another file"),
            "{name}"
        );
    }
}

/// Encodes `text` as UTF-16LE with a byte-order mark, as Excel's "Unicode Text" and Windows
/// Notepad's "Unicode" save.
fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

#[test]
fn utf16_files_read_by_bom() {
    let aiken = utf16le("Which is a fruit?\r\nA) Apple\r\nB) Brick\r\nANSWER: A\r\n");
    let (report, bank) = load_bytes("fruit.txt", &aiken);
    assert_eq!(report.format, Some(Format::Aiken), "{report:?}");
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(right(&bank.questions[0]), ["Apple"]);

    // Excel's "Unicode Text" export separates cells with tabs.
    let sheet = utf16le(
        "Question\tAnswer 1\tAnswer 2\tTime limit (sec)\tCorrect answer(s)\r\n\
         Which is blue?\tSky\tGrass\t20\t1\r\n",
    );
    for name in ["sheet.csv", "sheet.txt"] {
        let (report, bank) = load_bytes(name, &sheet);
        assert_eq!(report.format, Some(Format::KahootCsv), "{name}");
        let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
        assert_eq!(bank.questions[0].options, ["Sky", "Grass"]);
        assert_eq!(right(&bank.questions[0]), ["Sky"]);
    }
}

#[test]
fn aiken_question_starting_with_answer_word() {
    let text = "ANSWERS IN CAPITALS: which is loud?\nA. SHOUTING\nB. whispering\nANSWER: A\n";
    let (report, bank) = load_bytes("caps.aiken", text.as_bytes());
    let bank = bank.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(
        bank.questions[0].text,
        "ANSWERS IN CAPITALS: which is loud?"
    );
    assert_eq!(right(&bank.questions[0]), ["SHOUTING"]);
}

#[test]
fn workbook_with_stray_far_cell() {
    // One value in XFD1048576 must not make the reader allocate the whole sheet as a grid.
    let (report, bank) = load("stray_cell.xlsx");
    assert_eq!(report.usable, 3, "{report:?}");
    assert_eq!(report.skipped[0].location, Location::Row(12));
    assert_eq!(right(&bank.questions[0]), ["Mercury"]);
}

#[test]
fn duplicate_options_warned() {
    let text = "Which is right?\nA. Paris\nB. Lyon\nC. Paris\nANSWER: A\n";
    let (report, bank) = load_bytes("dup.aiken", text.as_bytes());
    assert!(bank.is_some(), "{report:?}");
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    let warning = &report.warnings[0];
    assert_eq!(warning.location, Location::Line(1));
    assert!(
        warning
            .message
            .ends_with("options 1 and 3 are both \"Paris\"; players cannot tell them apart"),
        "{}",
        warning.message
    );
}
