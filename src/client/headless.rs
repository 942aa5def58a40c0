//! The headless player: prints one JSON object per line and answers from a script.

use std::io::Write;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::answers::AnswerSpec;
use super::events::{PlayerCommand, PlayerEvent};

/// Returns the JSON line printed for `event`.
pub fn render(event: &PlayerEvent) -> serde_json::Value {
    match event {
        PlayerEvent::Retrying {
            status,
            attempt,
            wait,
        } => {
            json!({"event": "retry", "status": status, "attempt": attempt, "wait_ms": wait.as_millis() as u64})
        }
        PlayerEvent::Joined {
            name,
            player_id,
            title,
            code,
        } => {
            json!({"event": "joined", "name": name, "player_id": player_id, "title": title, "code": code})
        }
        PlayerEvent::Question {
            index,
            total,
            text,
            options,
            ..
        } => {
            json!({"event": "question", "index": index, "total": total, "text": text, "options": options})
        }
        PlayerEvent::Answered {
            index,
            option,
            elapsed_ms,
        } => {
            json!({"event": "answered", "index": index, "option": option + 1, "elapsed_ms": elapsed_ms})
        }
        PlayerEvent::AnswerRejected { index, reason } => {
            json!({"event": "answer_rejected", "index": index, "reason": reason})
        }
        PlayerEvent::QuestionClosed { index, correct, .. } => {
            let correct: Vec<usize> = correct.iter().map(|c| c + 1).collect();
            json!({"event": "question_closed", "index": index, "correct": correct})
        }
        PlayerEvent::Result {
            index,
            correct,
            points,
            score,
            rank,
            players,
            streak,
        } => json!({
            "event": "result", "index": index, "correct": correct, "points": points,
            "score": score, "rank": rank, "players": players, "streak": streak
        }),
        PlayerEvent::Reconnecting {
            attempt,
            wait,
            reason,
        } => {
            json!({"event": "reconnecting", "attempt": attempt, "wait_ms": wait.as_millis() as u64, "reason": reason})
        }
        PlayerEvent::Announcement { text } => json!({"event": "announcement", "text": text}),
        PlayerEvent::Closed { code, message } => {
            json!({"event": "closed", "code": code, "reason": message})
        }
        PlayerEvent::Reconnected => json!({"event": "reconnected"}),
        PlayerEvent::Standing {
            score,
            rank,
            players,
            streak,
            answered,
        } => json!({
            "event": "standing", "score": score, "rank": rank, "players": players,
            "streak": streak, "answered": answered
        }),
        PlayerEvent::GameOver {
            rank,
            score,
            players,
        } => json!({"event": "game_over", "rank": rank, "score": score, "players": players}),
    }
}

/// Prints events as JSON lines on stdout and answers questions per `spec` after `delay`,
/// until the event channel closes.
pub async fn run(
    mut events: mpsc::UnboundedReceiver<PlayerEvent>,
    commands: mpsc::UnboundedSender<PlayerCommand>,
    spec: AnswerSpec,
    delay: Duration,
) {
    let mut stdout = std::io::stdout();
    while let Some(event) = events.recv().await {
        let line = render(&event);
        // A closed stdout (the reader went away) must not stop the game for this player.
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();

        if let PlayerEvent::Question { index, options, .. } = &event
            && let Some(option) = spec.choose(*index, options.len())
        {
            let commands = commands.clone();
            let index = *index;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = commands.send(PlayerCommand::Answer { index, option });
            });
        }
    }
}
