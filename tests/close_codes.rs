//! How the terminal client's session reacts to the host's close codes: it stops on a final
//! code and reconnects after one that may pass, such as rate limited or too slow.

mod common;

use std::time::Duration;

use common::{bank, start_host};
use quizcast::client::ClientError;
use quizcast::client::events::PlayerEvent;
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::client::new_player_id;
use quizcast::client::session::{self, SessionConfig, SessionSummary};
use quizcast::host::RunningHost;
use quizcast::host::actor::Automation;
use quizcast::protocol::{
    CLOSE_HOST_ENDED, CLOSE_KICKED, CLOSE_RATE_LIMITED, CLOSE_TOO_SLOW, CLOSE_UNAUTHORIZED,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Maximum wait for one session event.
const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

type Session = JoinHandle<Result<SessionSummary, ClientError>>;

/// Starts a player session and waits until it has joined and subscribed.
async fn joined_session(host: &RunningHost) -> (Session, mpsc::UnboundedReceiver<PlayerEvent>) {
    let config = SessionConfig {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        name: "Ada".into(),
        player_id: new_player_id(),
        retry: RetryPolicy::default(),
        probe: None,
    };
    let (events_tx, mut events) = mpsc::unbounded_channel();
    // The test sends no commands, and a closed command channel only means the player sends no
    // answer.
    let (_, commands_rx) = mpsc::unbounded_channel();
    let session = tokio::spawn(session::run(config, events_tx, commands_rx));
    wait_for(&mut events, |e| matches!(e, PlayerEvent::Joined { .. })).await;
    (session, events)
}

/// Returns the first event matching `wanted`, failing if the session ends first.
async fn wait_for(
    events: &mut mpsc::UnboundedReceiver<PlayerEvent>,
    wanted: impl Fn(&PlayerEvent) -> bool,
) -> PlayerEvent {
    loop {
        let event = tokio::time::timeout(EVENT_TIMEOUT, events.recv())
            .await
            .expect("a session event within 20 s")
            .expect("the session is still running");
        if wanted(&event) {
            return event;
        }
    }
}

async fn session_result(session: Session) -> Result<SessionSummary, ClientError> {
    tokio::time::timeout(EVENT_TIMEOUT, session)
        .await
        .expect("the session ends within 20 s")
        .expect("the session task does not panic")
}

#[tokio::test]
async fn final_codes_stop_session() {
    for code in [CLOSE_UNAUTHORIZED, CLOSE_KICKED] {
        let host = start_host(bank(1), 2000, Automation::default()).await;
        let (session, mut events) = joined_session(&host).await;

        host.state.hub.close_all(code, "closed by the test");
        let result = session_result(session).await;
        match result {
            Err(ClientError::Closed {
                code: got,
                ref message,
            }) => {
                assert_eq!(got, code);
                assert!(message.contains("closed by the test"), "{message}");
            }
            other => panic!("code {code}: expected ClientError::Closed, got {other:?}"),
        }
        while let Ok(event) = events.try_recv() {
            assert!(
                !matches!(event, PlayerEvent::Reconnecting { .. }),
                "code {code}: the session tried to reconnect"
            );
        }
        host.stop().await;
    }
}

#[tokio::test]
async fn passing_codes_reconnect() {
    for code in [CLOSE_RATE_LIMITED, CLOSE_TOO_SLOW] {
        let host = start_host(bank(1), 2000, Automation::default()).await;
        let (session, mut events) = joined_session(&host).await;

        host.state.hub.close_all(code, "closed by the test");
        wait_for(&mut events, |e| matches!(e, PlayerEvent::Reconnected)).await;

        // The session is back: ending the game now stops it with HostEnded.
        host.state
            .hub
            .close_all(CLOSE_HOST_ENDED, "the host ended the game");
        let result = session_result(session).await;
        assert!(
            matches!(result, Err(ClientError::HostEnded)),
            "code {code}: {result:?}"
        );
        host.stop().await;
    }
}
