//! The headless host: one JSON object per line on stdout for each game event.

use std::io::Write;

use serde_json::json;

use super::events::HostEvent;

/// Returns the JSON line for `event`, or `None` for events only the TUI shows (the live answer
/// count and the live leaderboard).
pub fn render(event: &HostEvent) -> Option<serde_json::Value> {
    let line = match event {
        HostEvent::Listening {
            join_url,
            code,
            title,
            questions,
            admin_key,
        } => {
            json!({"event": "listening", "join_url": join_url, "code": code, "title": title, "questions": questions, "admin_key": admin_key})
        }
        HostEvent::PlayerJoined { name, players } => {
            json!({"event": "player_joined", "name": name, "players": players})
        }
        HostEvent::QuestionStarted {
            question,
            connected,
            ..
        } => json!({
            "event": "question_started", "index": question.index, "total": question.total,
            "text": question.text, "connected": connected
        }),
        HostEvent::QuestionClosed {
            index,
            correct,
            counts,
            answered,
            top,
            ..
        } => {
            let correct: Vec<usize> = correct.iter().map(|c| c + 1).collect();
            return Some(json!([
                {"event": "question_closed", "index": index, "correct": correct, "counts": counts, "answered": answered},
                {"event": "leaderboard", "top": top}
            ]));
        }
        HostEvent::PlayerKicked { name } => json!({"event": "player_kicked", "name": name}),
        HostEvent::GameOver { results } => json!({"event": "game_over", "results": results}),
        HostEvent::StoreError { message } => json!({"event": "store_error", "message": message}),
        HostEvent::AnswerReceived { .. } | HostEvent::Leaderboard { .. } => return None,
    };
    Some(line)
}

/// Prints `event` as one JSON line, or two for a closed question (`question_closed`, then
/// `leaderboard`).
pub fn print(event: &HostEvent) {
    let Some(value) = render(event) else {
        return;
    };
    let mut stdout = std::io::stdout().lock();
    let lines = match value {
        serde_json::Value::Array(lines) => lines,
        line => vec![line],
    };
    for line in lines {
        let _ = writeln!(stdout, "{line}");
    }
    let _ = stdout.flush();
}
