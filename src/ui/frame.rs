//! Pieces every screen shares: the minimum size check, the header and hint lines, option rows,
//! and the filter that turns terminal events into key presses.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::format::{display_width, fit_to_width, wrap_to_box};
use super::marks::option_mark;

/// Smallest terminal width the screens are laid out for.
pub const MIN_WIDTH: u16 = 40;
/// Smallest terminal height the screens are laid out for.
pub const MIN_HEIGHT: u16 = 12;

/// Returns whether `area` is large enough for the full screens.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

/// Draws the message shown instead of a screen when the terminal is below the minimum size.
pub fn render_too_small(area: Rect, buf: &mut Buffer) {
    let message = format!(
        "Terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
        area.width, area.height
    );
    Paragraph::new(message)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// Returns the key of a key press, and `None` for releases, repeats and other events.
///
/// Windows terminals report releases as well as presses, so acting on every key event would
/// act twice per key.
pub fn key_press(event: &Event) -> Option<KeyEvent> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => Some(*key),
        _ => None,
    }
}

/// Returns whether `key` is Ctrl-C, which raw mode delivers as a key instead of a signal.
pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}

/// Splits a screen into a one-line header, the body and a one-line hint at the bottom.
pub fn chrome(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Draws a reversed header line with `left` at the start and `right` at the end.
pub fn render_header(left: &str, right: &str, area: Rect, buf: &mut Buffer) {
    let style = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
    buf.set_style(area, style);
    let (left, right) = fit_header(left, right, usize::from(area.width));
    Line::from(format!(" {left}")).render(area, buf);
    Line::from(format!("{right} "))
        .right_aligned()
        .render(area, buf);
}

/// Cuts the header's sides so that both fit in `width` cells with a margin of one cell at each
/// edge and two between them. The longer side, usually a bank title, gives way first, so a game
/// code or a question number stays whole.
fn fit_header(left: &str, right: &str, width: usize) -> (String, String) {
    const CHROME: usize = 4;
    let (left_width, right_width) = (display_width(left), display_width(right));
    let room = width.saturating_sub(CHROME);
    if left_width + right_width <= room {
        return (left.to_string(), right.to_string());
    }
    if left_width >= right_width {
        let left = fit_to_width(left, room.saturating_sub(right_width));
        let right = fit_to_width(right, room.saturating_sub(display_width(&left)));
        (left, right)
    } else {
        let right = fit_to_width(right, room.saturating_sub(left_width));
        let left = fit_to_width(left, room.saturating_sub(display_width(&right)));
        (left, right)
    }
}

/// Draws a dim hint line such as "Enter/Space: start  q: quit".
pub fn render_hint(hint: &str, area: Rect, buf: &mut Buffer) {
    Line::styled(format!(" {hint}"), Style::new().fg(Color::DarkGray)).render(area, buf);
}

/// Draws a question's text in bold, word-wrapped to `area`, ending in "…" when it is cut.
pub fn wrapped_text(text: &str, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = wrap_to_box(text, area.width.into(), area.height.into())
        .into_iter()
        .map(Line::from)
        .collect();
    Paragraph::new(lines)
        .style(Style::new().add_modifier(Modifier::BOLD))
        .render(area, buf);
}

/// Builds the filled row of option `index`: its shape, an optional number and its text, padded
/// to `width` so the option color forms a box.
pub fn option_row(index: usize, number: bool, text: &str, width: u16) -> Line<'static> {
    let mark = option_mark(index);
    let label = if number {
        format!(" {} {}  {text}", mark.shape, index + 1)
    } else {
        format!(" {}  {text}", mark.shape)
    };
    // Long options end in "…" instead of being cut mid-word by the screen edge.
    let label = fit_to_width(&label, usize::from(width));
    let padding = usize::from(width).saturating_sub(display_width(&label));
    let style = mark.filled().add_modifier(Modifier::BOLD);
    Line::from(vec![
        Span::styled(label, style),
        Span::styled(" ".repeat(padding), style),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn key_event(kind: KeyEventKind) -> Event {
        Event::Key(KeyEvent {
            code: KeyCode::Char('q'),
            modifiers: KeyModifiers::NONE,
            kind,
            state: KeyEventState::NONE,
        })
    }

    #[test]
    fn key_press_ignores_release_and_repeat() {
        assert!(key_press(&key_event(KeyEventKind::Press)).is_some());
        assert!(key_press(&key_event(KeyEventKind::Release)).is_none());
        assert!(key_press(&key_event(KeyEventKind::Repeat)).is_none());
        assert!(key_press(&Event::FocusGained).is_none());
    }

    #[test]
    fn too_small_message_at_any_size() {
        for (width, height) in [(0, 0), (1, 1), (10, 0), (0, 10), (39, 30), (80, 11)] {
            let area = Rect::new(0, 0, width, height);
            let mut buf = Buffer::empty(area);
            assert!(!fits(area));
            render_too_small(area, &mut buf);
        }
    }

    #[test]
    fn option_row_fills_width() {
        let row = option_row(2, true, "Paris", 20);
        assert_eq!(row.width(), 20);
        assert_eq!(row.spans[0].content, " ● 3  Paris");
        assert_eq!(row.spans[0].style.bg, Some(Color::Yellow));
    }

    fn header_line(left: &str, right: &str, width: u16) -> String {
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        render_header(left, right, area, &mut buf);
        (0..width).map(|x| buf[(x, 0)].symbol()).collect()
    }

    #[test]
    fn header_long_title_gives_way() {
        let title = "Open Trivia DB: Entertainment: Japanese Anime & Manga";
        assert_eq!(
            header_line("Question 1/12", title, 30),
            " Question 1/12   Open Trivia… "
        );
        assert_eq!(
            header_line(title, "code ANIM", 30),
            " Open Trivia DB:…   code ANIM "
        );
        assert_eq!(
            header_line("Quiz", "code ANIM", 30),
            " Quiz               code ANIM "
        );
    }

    #[test]
    fn option_row_cuts_long_text_by_width() {
        let row = option_row(0, true, "東京タワーと東京スカイツリー", 16);
        assert_eq!(row.width(), 16);
        assert_eq!(row.spans[0].content, " ▲ 1  東京タワ…");
    }
}
