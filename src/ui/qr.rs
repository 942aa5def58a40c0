//! QR codes drawn as half-block text, so a join URL can be scanned off a terminal.
//!
//! Each character cell shows two modules stacked vertically (`▀`, `▄`, `█` or a space). Every
//! cell carries explicit colors, black for dark modules and white for light ones, because a code
//! drawn in the terminal's default colors comes out inverted on dark themes and many phone
//! scanners reject inverted codes.

use qrcode::{EcLevel, QrCode};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

/// Quiet-zone widths to try, widest first: 4 modules is the standard width, 2 still scans on
/// most phones.
const QUIET_ZONES: [usize; 2] = [4, 2];

/// Renders `url` as a QR code that fits in `max_width` x `max_height` cells.
///
/// Returns `None` when the code does not fit even with a 2-module quiet zone, or when the URL is
/// too long to encode, so the caller shows the URL as text alone.
pub fn qr_lines(url: &str, max_width: u16, max_height: u16) -> Option<Vec<Line<'static>>> {
    // A screen has no dirt or creases to recover from, so the lowest error correction level is
    // enough. It lets join URLs of up to 53 bytes fit a 29-module code (version 3), where the
    // medium level fits 42.
    let code = QrCode::with_error_correction_level(url, EcLevel::L).ok()?;
    let modules = ModuleGrid::new(&code);
    QUIET_ZONES.into_iter().find_map(|quiet_zone| {
        let side = modules.width + 2 * quiet_zone;
        let fits = side <= usize::from(max_width) && side.div_ceil(2) <= usize::from(max_height);
        fits.then(|| modules.half_block_lines(quiet_zone))
    })
}

/// The dark/light modules of a QR code, without a quiet zone.
struct ModuleGrid {
    width: usize,
    dark: Vec<bool>,
}

impl ModuleGrid {
    fn new(code: &QrCode) -> Self {
        let dark = code
            .to_colors()
            .into_iter()
            .map(|color| color == qrcode::Color::Dark)
            .collect();
        Self {
            width: code.width(),
            dark,
        }
    }

    /// Returns whether the module at (`x`, `y`) of the code padded by `quiet_zone` is dark.
    fn is_dark(&self, quiet_zone: usize, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(quiet_zone), y.checked_sub(quiet_zone)) else {
            return false;
        };
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Draws the padded code, two module rows per text line. An odd last row gets a light
    /// bottom half, which only widens the quiet zone.
    fn half_block_lines(&self, quiet_zone: usize) -> Vec<Line<'static>> {
        let side = self.width + 2 * quiet_zone;
        let style = Style::new().fg(Color::Black).bg(Color::White);
        (0..side)
            .step_by(2)
            .map(|top| {
                let text: String = (0..side)
                    .map(|x| {
                        let upper = self.is_dark(quiet_zone, x, top);
                        let lower = self.is_dark(quiet_zone, x, top + 1);
                        half_block(upper, lower)
                    })
                    .collect();
                Line::from(Span::styled(text, style))
            })
            .collect()
    }
}

/// Picks the character that paints the dark halves of a cell in the foreground color.
fn half_block(upper_dark: bool, lower_dark: bool) -> char {
    match (upper_dark, lower_dark) {
        (true, true) => '█',
        (true, false) => '▀',
        (false, true) => '▄',
        (false, false) => ' ',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://192.168.1.20:8080/join/K7Q2";

    fn line_text(line: &Line) -> String {
        line.spans
            .iter()
            .map(|span| span.content.as_ref())
            .collect()
    }

    #[test]
    fn standard_quiet_zone_when_room() {
        let lines = qr_lines(URL, 80, 40).expect("fits");
        let width = lines[0].width();
        assert_eq!(
            width,
            29 + 8,
            "version 3 code plus two 4-module quiet zones"
        );
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(lines.iter().all(|line| line.width() == width));
    }

    #[test]
    fn narrow_quiet_zone_when_tight() {
        let lines = qr_lines(URL, 33, 17).expect("fits with a 2-module quiet zone");
        assert_eq!(lines[0].width(), 33);
        assert_eq!(lines.len(), 17);
    }

    #[test]
    fn none_when_area_too_small() {
        assert!(qr_lines(URL, 32, 40).is_none());
        assert!(qr_lines(URL, 80, 16).is_none());
        assert!(qr_lines(URL, 1, 1).is_none());
        assert!(qr_lines(URL, 0, 0).is_none());
    }

    #[test]
    fn quiet_zone_border_is_light() {
        let lines = qr_lines(URL, 80, 40).expect("fits");
        let rows: Vec<Vec<char>> = lines
            .iter()
            .map(|l| line_text(l).chars().collect())
            .collect();
        let side = rows[0].len();

        // 4 modules of quiet zone are the first 2 and the last 2 text rows, and 4 columns on
        // each side. The last text row contains module row 36 and a padding row.
        for row in [0, 1, rows.len() - 2, rows.len() - 1] {
            assert!(
                rows[row].iter().all(|&c| c == ' '),
                "row {row} is not light"
            );
        }
        for (index, row) in rows.iter().enumerate() {
            let border: String = row[..4].iter().chain(&row[side - 4..]).collect();
            assert_eq!(border, "        ", "row {index} has dark border cells");
        }
    }

    #[test]
    fn colors_are_explicit_black_on_white() {
        let lines = qr_lines(URL, 80, 40).expect("fits");
        for span in lines.iter().flat_map(|line| &line.spans) {
            assert_eq!(span.style.fg, Some(Color::Black));
            assert_eq!(span.style.bg, Some(Color::White));
        }
    }

    #[test]
    fn finder_pattern_is_dark() {
        let lines = qr_lines(URL, 80, 40).expect("fits");
        let row: Vec<char> = line_text(&lines[2]).chars().collect();

        // Text row 2 contains module rows 4 and 5: the top edge of the top-left finder pattern
        // (7 dark modules) and the row below it (dark, 5 light, dark).
        assert_eq!(row[4..11].iter().collect::<String>(), "█▀▀▀▀▀█");
    }

    #[test]
    fn none_for_unencodable_data() {
        let huge = "x".repeat(8000);
        assert!(qr_lines(&huge, u16::MAX, u16::MAX).is_none());
    }
}
