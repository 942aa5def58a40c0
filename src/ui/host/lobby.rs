//! The lobby screen: the QR code and URL to join, the game code and the players so far.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::state::{Listening, Lobby};
use crate::ui::format::thousands;
use crate::ui::frame::{chrome, render_header, render_hint};
use crate::ui::qr::qr_lines;

/// Narrowest column left for the join details beside the QR code.
const MIN_DETAILS_WIDTH: u16 = 28;

/// The lobby screen.
pub struct LobbyView<'a> {
    /// The lobby to draw.
    pub lobby: &'a Lobby,
}

impl Widget for LobbyView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [header, body, hint] = chrome(area);
        let Some(listening) = &self.lobby.listening else {
            render_header("quizcast", "", header, buf);
            Paragraph::new("Starting the server…").render(body.inner(margin()), buf);
            render_hint("q: quit", hint, buf);
            return;
        };
        render_header(
            &listening.title,
            &format!("code {}", listening.code),
            header,
            buf,
        );
        render_hint("Enter/Space: start  k: kick  q: quit", hint, buf);

        let details = render_qr(&listening.join_url, body, buf);
        self.render_details(listening, details.inner(margin()), buf);
    }
}

impl LobbyView<'_> {
    /// Draws the URL, code and players in `area`.
    fn render_details(&self, listening: &Listening, area: Rect, buf: &mut Buffer) {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut lines = vec![
            Line::from("Join at"),
            Line::styled(listening.join_url.clone(), bold),
            Line::default(),
            Line::from(vec![
                Span::raw("Game code: "),
                Span::styled(listening.code.clone(), bold),
            ]),
            Line::from(format!("Questions: {}", listening.questions)),
        ];
        if let Some(key) = &listening.admin_key {
            lines.push(Line::from(vec![
                Span::raw("Admin key: "),
                Span::styled(key.clone(), bold),
            ]));
        }
        lines.extend([Line::default(), Line::styled(self.player_count(), bold)]);
        lines.extend(self.names_line());
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }

    fn player_count(&self) -> String {
        match self.lobby.players.saturating_sub(self.lobby.kicked) {
            0 => "No players yet".to_string(),
            1 => "1 player".to_string(),
            count => format!("{} players", thousands(count as u64)),
        }
    }

    /// Joins the latest names, most recent first, into one line that the paragraph wraps. The
    /// paragraph cuts it at the bottom of the screen.
    fn names_line(&self) -> Option<Line<'static>> {
        if self.lobby.recent_names.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.lobby.recent_names.iter().map(String::as_str).collect();
        Some(Line::from(names.join("  ")))
    }
}

/// Draws the QR code at the left of `body` when it fits beside the details, and returns the
/// area left for the details.
fn render_qr(url: &str, body: Rect, buf: &mut Buffer) -> Rect {
    let max_width = body.width.saturating_sub(MIN_DETAILS_WIDTH + 2);
    let Some(lines) = qr_lines(url, max_width, body.height) else {
        return body;
    };
    let width = lines.first().map_or(0, |line| line.width() as u16);
    let height = lines.len() as u16;
    let [qr_column, details] =
        Layout::horizontal([Constraint::Length(width + 2), Constraint::Fill(1)]).areas(body);
    let [qr_area] = Layout::vertical([Constraint::Length(height)])
        .flex(ratatui::layout::Flex::Center)
        .areas(qr_column.inner(ratatui::layout::Margin::new(1, 0)));
    Paragraph::new(lines).render(qr_area, buf);
    details
}

fn margin() -> ratatui::layout::Margin {
    ratatui::layout::Margin::new(1, 1)
}
