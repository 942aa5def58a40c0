//! The screens before and between questions: nickname prompt, joining, lobby, and the message
//! after a session that ended early.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::nickname::{MAX_NICKNAME_CHARS, NicknameInput};
use super::state::{Joined, Reconnect, Retry, Standing};
use crate::ui::format::wait_seconds;

/// Draws the nickname field with a live character count in `body`.
pub fn render_prompt(input: &NicknameInput, body: Rect, buf: &mut Buffer) {
    let body = body.inner(Margin::new(2, 1));
    let [label, field, count, error] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(body);
    let [field] =
        Layout::horizontal([Constraint::Max(MAX_NICKNAME_CHARS as u16 * 2 + 3)]).areas(field);

    Line::styled(
        "Choose a nickname",
        Style::new().add_modifier(Modifier::BOLD),
    )
    .render(label, buf);
    let cursor = Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK));
    Paragraph::new(Line::from(vec![Span::raw(input.text.clone()), cursor]))
        .block(Block::bordered())
        .render(field, buf);
    Line::from(format!("{}/{MAX_NICKNAME_CHARS}", input.len())).render(count, buf);
    if let Some(message) = &input.error {
        Paragraph::new(message.as_str())
            .style(Style::new().fg(Color::Red))
            .wrap(Wrap { trim: true })
            .render(error, buf);
    }
}

/// Draws "Joining the game…" and, while admission retries, why and when the next try comes.
pub fn render_connecting(retry: Option<&Retry>, body: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::styled(
        "Joining the game…",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if let Some(retry) = retry {
        lines.push(Line::default());
        lines.push(Line::styled(
            retry_message(retry),
            Style::new().fg(Color::Yellow),
        ));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(body.inner(Margin::new(2, 1)), buf);
}

/// Builds "Host busy, retrying in 1.4 s (attempt 3)" for an admission retry.
///
/// NOTE: the wait is shown as received and does not count down, because
/// [`PlayerEvent::Retrying`](crate::client::events::PlayerEvent::Retrying) carries no instant.
pub fn retry_message(retry: &Retry) -> String {
    let cause = match retry.status {
        0 => "Host unreachable".to_string(),
        429 => "Host busy".to_string(),
        status => format!("Host answered HTTP {status}"),
    };
    format!(
        "{cause}, retrying in {} (attempt {})",
        wait_seconds(retry.wait),
        retry.attempt
    )
}

/// Draws the lobby message once the player was admitted, with the score and rank from the
/// host's `standing` when there is one.
pub fn render_lobby(joined: &Joined, standing: Option<&Standing>, body: Rect, buf: &mut Buffer) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::raw("You are "),
        Span::styled(joined.name.clone(), bold),
        Span::raw(" in "),
        Span::styled(joined.title.clone(), bold),
        Span::raw(format!(
            " ({}). Waiting for the host to start.",
            joined.code
        )),
    ])];
    // The host sends a standing on every first subscription, also before the game starts, so
    // the line above stays. A score of 0 is left out, because the player count in a standing
    // goes stale while more players join the lobby.
    // NOTE: a player who restarts between two questions also sees "Waiting for the host to
    // start", because a standing does not say whether the game has started.
    if let Some(standing) = standing.filter(|standing| standing.score > 0) {
        lines.push(Line::default());
        lines.push(Line::from(format!(
            "Score {}, rank {} of {}.",
            standing.score, standing.rank, standing.players
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(body.inner(Margin::new(2, 1)), buf);
}

/// Draws the reconnect notice in place of the key hint, so the screen under it stays usable.
pub fn render_reconnect_notice(reconnect: &Reconnect, area: Rect, buf: &mut Buffer) {
    Line::styled(
        reconnect_message(reconnect),
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    )
    .render(area, buf);
}

/// Builds "Connection lost, reconnecting in 1.2 s (attempt 3): REASON". The reason comes
/// last, so a narrow screen cuts it rather than the wait.
///
/// NOTE: like [`retry_message`], the wait is shown as received and does not count down.
pub fn reconnect_message(reconnect: &Reconnect) -> String {
    let mut message = format!(
        "Connection lost, reconnecting in {} (attempt {})",
        wait_seconds(reconnect.wait),
        reconnect.attempt
    );
    if !reconnect.reason.is_empty() {
        message.push_str(": ");
        message.push_str(&reconnect.reason);
    }
    message
}

/// Draws why the session ended before the final results: the host's close reason when there
/// is one.
pub fn render_ended(closed: Option<&str>, body: Rect, buf: &mut Buffer) {
    let text = closed.unwrap_or("The game ended before the final results.");
    Paragraph::new(text.to_string())
        .wrap(Wrap { trim: true })
        .render(body.inner(Margin::new(2, 1)), buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn retry(status: u16) -> Retry {
        Retry {
            status,
            attempt: 3,
            wait: Duration::from_millis(1400),
        }
    }

    #[test]
    fn reconnect_message_shows_wait_and_attempt() {
        let mut reconnect = Reconnect {
            attempt: 3,
            wait: Duration::from_millis(1200),
            reason: String::new(),
        };
        assert_eq!(
            reconnect_message(&reconnect),
            "Connection lost, reconnecting in 1.2 s (attempt 3)"
        );
        reconnect.reason =
            "The host closed the connection because it sent too much too fast.".into();
        assert_eq!(
            reconnect_message(&reconnect),
            "Connection lost, reconnecting in 1.2 s (attempt 3): The host closed the connection because it sent too much too fast."
        );
    }

    #[test]
    fn retry_message_per_status() {
        assert_eq!(
            retry_message(&retry(429)),
            "Host busy, retrying in 1.4 s (attempt 3)"
        );
        assert_eq!(
            retry_message(&retry(0)),
            "Host unreachable, retrying in 1.4 s (attempt 3)"
        );
        assert_eq!(
            retry_message(&retry(503)),
            "Host answered HTTP 503, retrying in 1.4 s (attempt 3)"
        );
    }
}
