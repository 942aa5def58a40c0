//! The podium screen at the end of a game: the top 3 on steps and the top 5 as a list.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

use super::leaderboard::Leaderboard;
use super::state::Podium;
use crate::host::events::Standing;
use crate::ui::format::{fit_to_width, ordinal, thousands};
use crate::ui::frame::{chrome, render_header, render_hint};

/// Widest a podium step gets.
const MAX_STEP_WIDTH: u16 = 18;

/// The final screen.
pub struct PodiumView<'a> {
    /// The final standings.
    pub podium: &'a Podium,
    /// The game title for the header.
    pub title: &'a str,
}

impl Widget for PodiumView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [header, body, hint] = chrome(area);
        let players = match self.podium.players {
            1 => "1 player".to_string(),
            count => format!("{} players", thousands(count as u64)),
        };
        render_header(
            &format!("{}: final results", self.title),
            &players,
            header,
            buf,
        );
        render_hint("q: quit", hint, buf);

        let body = body.inner(Margin::new(1, 1));
        let list_height = self.podium.top.len().max(1) as u16 + 2;
        let [steps, _, list] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(list_height),
        ])
        .areas(body);
        render_steps(&self.podium.top, steps, buf);

        let [list] = Layout::horizontal([Constraint::Length(40)])
            .flex(Flex::Center)
            .areas(list);
        Leaderboard {
            top: &self.podium.top,
            title: "Top 5",
        }
        .render(list, buf);
    }
}

/// Draws 2nd, 1st and 3rd place side by side, 1st in the middle on the tallest step.
fn render_steps(top: &[Standing], area: Rect, buf: &mut Buffer) {
    // A step needs a row for the name, one for the score and at least one for itself.
    if area.height < 3 {
        return;
    }
    let width = (area.width / 3).min(MAX_STEP_WIDTH);
    let columns = Layout::horizontal([Constraint::Length(width); 3])
        .flex(Flex::Center)
        .spacing(1)
        .split(area);

    // Step heights as a share of the rows left under the name and score lines.
    let places = [(1, 2, 3), (0, 3, 3), (2, 1, 3)];
    for (column, (place, numerator, denominator)) in columns.iter().zip(places) {
        if let Some(standing) = top.get(place) {
            let max_step = column.height.saturating_sub(2);
            let step = (max_step * numerator / denominator).max(1).min(max_step);
            render_step(standing, place, step, *column, buf);
        }
    }
}

/// Draws one column: name and score above a step of `step` rows labelled with the rank.
fn render_step(standing: &Standing, place: usize, step: u16, column: Rect, buf: &mut Buffer) {
    let colors = [Color::Yellow, Color::Gray, Color::LightRed];
    let bottom = column.bottom();
    let step_area = Rect::new(column.x, bottom - step, column.width, step);
    let name_y = step_area.y.saturating_sub(2).max(column.y);

    let name = fit_to_width(&standing.name, usize::from(column.width));
    Line::styled(name, Style::new().add_modifier(Modifier::BOLD))
        .centered()
        .render(Rect::new(column.x, name_y, column.width, 1), buf);
    if name_y + 1 < step_area.y {
        Line::from(thousands(standing.score))
            .centered()
            .render(Rect::new(column.x, name_y + 1, column.width, 1), buf);
    }

    let style = Style::new().fg(Color::Black).bg(colors[place]);
    Block::bordered().style(style).render(step_area, buf);
    let label_row = if step >= 3 {
        step_area.y + 1
    } else {
        step_area.y
    };
    Line::styled(ordinal(standing.rank), style.add_modifier(Modifier::BOLD))
        .centered()
        .render(Rect::new(column.x, label_row, column.width, 1), buf);
}
