//! Text clean-up shared by every format: decoding bytes, line endings, Unicode normalization,
//! invisible characters and HTML.

use unicode_normalization::UnicodeNormalization;

/// Byte-order mark, as it appears at the start of a file or pasted into a field.
const BOM: char = '\u{FEFF}';

/// Characters removed from every imported text because they take no visible width but would
/// still count against length limits and confuse width checks: soft hyphen, zero-width space,
/// word joiner and the byte-order mark. The zero-width joiner stays because emoji sequences need
/// it.
const INVISIBLE: [char; 4] = ['\u{00AD}', '\u{200B}', '\u{2060}', BOM];

/// Character encoding of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark. Invalid bytes are an error.
    #[default]
    Utf8,
    /// Windows-1252 (Western European), which Excel and old Windows editors write. Valid UTF-8
    /// sequences in the file are kept as UTF-8.
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" => Ok(Encoding::Windows1252),
            _ => Err(format!(
                "unknown encoding {value:?}; use utf-8 or windows-1252"
            )),
        }
    }
}

/// A byte sequence that is not valid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// Offset of the first invalid byte from the start of the file.
    pub offset: usize,
    /// 1-based line of that byte.
    pub line: usize,
    /// Value of that byte.
    pub byte: u8,
}

impl InvalidUtf8 {
    /// Returns the character the invalid byte is in Windows-1252, to help tell whether the file
    /// is in that encoding.
    pub fn as_windows_1252(&self) -> char {
        let bytes = [self.byte];
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        text.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

/// Decodes file bytes into text with `\n` line endings and without a leading byte-order mark.
/// A UTF-16 byte-order mark, which Excel's "Unicode Text" export and Windows Notepad's
/// "Unicode" write, selects UTF-16 and overrides `encoding`.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, InvalidUtf8> {
    let text = match (utf16(bytes), encoding) {
        (Some(text), _) => text,
        (None, encoding) => decode_8bit(bytes, encoding)?,
    };
    // A byte-order mark also turns up inside files that were pasted or concatenated together,
    // where it would hide an `ANSWER:` or a `::title::` at the start of a line.
    Ok(normalize_line_endings(&text).replace(BOM, ""))
}

/// Decodes a file that starts with a UTF-16 byte-order mark, replacing unpaired surrogates
/// with U+FFFD. Returns `None` for other files.
fn utf16(bytes: &[u8]) -> Option<String> {
    let (encoding, _) = encoding_rs::Encoding::for_bom(bytes)?;
    if encoding == encoding_rs::UTF_8 {
        return None;
    }
    let (text, _, _) = encoding.decode(bytes);
    Some(text.into_owned())
}

/// Returns the start of a file as text for format detection, without failing on invalid bytes.
pub fn sample(bytes: &[u8]) -> String {
    let start = &bytes[..bytes.len().min(64 * 1024)];
    let text = utf16(start).unwrap_or_else(|| String::from_utf8_lossy(start).into_owned());
    normalize_line_endings(&text)
}

/// Decodes UTF-8 or Windows-1252 bytes.
fn decode_8bit(bytes: &[u8], encoding: Encoding) -> Result<String, InvalidUtf8> {
    let text = match encoding {
        Encoding::Utf8 => {
            let bom_len = if bytes.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            match std::str::from_utf8(&bytes[bom_len..]) {
                Ok(text) => text.to_string(),
                Err(e) => {
                    // The offset counts from the file's first byte, byte-order mark included.
                    let offset = bom_len + e.valid_up_to();
                    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
                    return Err(InvalidUtf8 {
                        offset,
                        line,
                        byte: bytes[offset],
                    });
                }
            }
        }
        Encoding::Windows1252 => decode_mixed(bytes),
    };
    Ok(text)
}

/// Decodes text that is UTF-8 in places and Windows-1252 in others, as when a question is
/// pasted from an old Windows editor into a UTF-8 file. Valid UTF-8 sequences stay as they
/// are, and every other byte is read as Windows-1252. A leading byte-order mark is dropped.
///
/// NOTE: a pure Windows-1252 text in which a letter such as `Ã` is followed by one or two
/// characters from 0x80 to 0xBF (`©`, `€`) forms valid UTF-8 and is read as UTF-8. Such pairs
/// are rare in real text.
fn decode_mixed(bytes: &[u8]) -> String {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut text = String::with_capacity(rest.len());
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(e) => {
                let (valid, invalid) = rest.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(valid).expect("checked as valid UTF-8"));
                // A sequence cut by the end of the file has no error length, so each of its
                // bytes is read as one Windows-1252 character.
                let length = e.error_len().unwrap_or(invalid.len());
                let (windows, _) =
                    encoding_rs::WINDOWS_1252.decode_without_bom_handling(&invalid[..length]);
                text.push_str(&windows);
                rest = &invalid[length..];
            }
        }
    }
}

/// Turns CRLF and lone CR line endings into LF.
pub fn normalize_line_endings(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Returns `text` in Unicode normalization form C, where `e` and a combining accent become `é`.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Cleans one field: NFC normalization, invisible characters removed, runs of whitespace
/// (line breaks included) collapsed to one space, and the ends trimmed.
pub fn clean(text: &str) -> String {
    let visible: String = text.nfc().filter(|c| !INVISIBLE.contains(c)).collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes HTML character references (`&amp;`, `&#039;`, `&eacute;`) exactly once, so
/// `&amp;lt;` becomes `&lt;` and not `<`.
pub fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

/// Turns an HTML fragment into plain text: tags removed, `<br>` and block ends turned into
/// spaces, and character references decoded once.
pub fn html_to_text(html: &str) -> String {
    let mut plain = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        plain.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let looks_like_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if looks_like_tag => {
                // A tag between two words must not glue them together.
                plain.push(' ');
                rest = &after[end + 1..];
            }
            _ => {
                plain.push('<');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    decode_entities(&plain)
}

/// Returns the 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_strips_bom_and_line_endings() {
        let text = decode(b"\xEF\xBB\xBFa\r\nb\rc\n", Encoding::Utf8).unwrap();
        assert_eq!(text, "a\nb\nc\n");
    }

    #[test]
    fn decode_drops_bom_inside_text() {
        let text = decode(
            "Q?\nA. x\nB. y\n\u{FEFF}ANSWER: A\n".as_bytes(),
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(text, "Q?\nA. x\nB. y\nANSWER: A\n");
    }

    #[test]
    fn invalid_utf8_reports_offset_and_line() {
        let error = decode(b"ok\nfine \xE9t\xE9\n", Encoding::Utf8).unwrap_err();
        assert_eq!(error.offset, 8);
        assert_eq!(error.line, 2);
        assert_eq!(error.byte, 0xE9);
        assert_eq!(error.as_windows_1252(), 'é');
    }

    #[test]
    fn windows_1252_decodes_accents_and_quotes() {
        let text = decode(b"caf\xE9 \x93quoted\x94", Encoding::Windows1252).unwrap();
        assert_eq!(text, "café \u{201C}quoted\u{201D}");
    }

    #[test]
    fn clean_normalizes_to_nfc() {
        let decomposed = "Cafe\u{0301}";
        assert_eq!(clean(decomposed), "Café");
        assert_eq!(clean(decomposed).chars().count(), 4);
    }

    #[test]
    fn clean_removes_invisible_characters() {
        assert_eq!(clean("\u{FEFF}Ex\u{00AD}am\u{200B}ple"), "Example");
        assert_eq!(clean("  two\n  lines\t"), "two lines");
        assert_eq!(clean("👩\u{200D}💻"), "👩\u{200D}💻");
    }

    #[test]
    fn entities_decoded_once() {
        assert_eq!(
            decode_entities("&quot;Rio&quot; &amp; &#039;Film&#039;"),
            "\"Rio\" & 'Film'"
        );
        assert_eq!(decode_entities("&amp;lt;b&amp;gt;"), "&lt;b&gt;");
        assert_eq!(decode_entities("Pok&eacute;mon"), "Pokémon");
    }

    #[test]
    fn html_to_text_drops_tags() {
        assert_eq!(
            clean(&html_to_text("<p>Is <b>bold</b><br/>text &lt;ok&gt;?</p>")),
            "Is bold text <ok>?"
        );
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
    }
}
