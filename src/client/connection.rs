//! Opening the game WebSocket: `connection_init` with the session token, then the subscriptions
//! to the question channel and the player's private channel.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::protocol::{Channel, ClientMessage, ServerMessage};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Subscription id of the question channel.
pub(crate) const QUESTIONS_SUBSCRIPTION: &str = "questions";
/// Subscription id of the player's private channel.
pub(crate) const PRIVATE_SUBSCRIPTION: &str = "me";
/// Subscription id of the game's announcement channel.
pub(crate) const ANNOUNCEMENTS_SUBSCRIPTION: &str = "news";
/// Number of channels a session subscribes to.
pub(crate) const SUBSCRIPTIONS: usize = 3;
/// How long the client waits for the WebSocket upgrade, `connection_ack` and
/// `subscribe_success`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A WebSocket whose `connection_init` the host accepted.
pub(crate) struct Opened {
    pub socket: Socket,
    /// The host run's epoch from `connection_ack`.
    pub epoch: String,
    pub player_id: String,
    pub name: String,
}

/// Failure to open a connection.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The host rejected the session token with `Unauthorized`; retrying cannot help.
    Unauthorized(String),
    /// The host kicked this player, so its token no longer works; the text is the host's
    /// message with the kick reason.
    Kicked(String),
    /// Anything else: the host is unreachable, timed out, closed or sent something unexpected.
    Failed(String),
}

/// Opens the WebSocket at `url` and authenticates with `token`.
pub(crate) async fn open(url: &str, token: &str) -> Result<Opened, OpenError> {
    // Small buffers keep thousands of simulated players in one process cheap.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    // Disable Nagle's algorithm, so an answer is sent at once instead of after a delayed ACK.
    let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
    let (mut socket, _) = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            OpenError::Failed(format!(
                "no response within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| OpenError::Failed(upgrade_error(e)))?;

    let init = ClientMessage::ConnectionInit {
        token: token.to_string(),
    };
    send(&mut socket, &init).await.map_err(OpenError::Failed)?;
    match next_message(&mut socket).await.map_err(OpenError::Failed)? {
        ServerMessage::ConnectionAck {
            epoch,
            player_id,
            name,
            ..
        } => Ok(Opened {
            socket,
            epoch,
            player_id,
            name,
        }),
        ServerMessage::ConnectionError { errors } => {
            let unauthorized = errors.iter().any(|e| e.error_type == "Unauthorized");
            let kicked = errors.iter().find(|e| e.error_type == "PlayerKicked");
            if let Some(kicked) = kicked {
                return Err(OpenError::Kicked(kicked.message.clone()));
            }
            let why = errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            let why = format!("the host rejected the session: {why}");
            if unauthorized {
                Err(OpenError::Unauthorized(why))
            } else {
                Err(OpenError::Failed(why))
            }
        }
        other => Err(OpenError::Failed(format!(
            "expected connection_ack, got {other:?}"
        ))),
    }
}

/// Describes a failed WebSocket upgrade. A refused upgrade carries the host's JSON error body,
/// whose `error` names the limit and the fix, so that text follows the HTTP status.
fn upgrade_error(error: tokio_tungstenite::tungstenite::Error) -> String {
    let tokio_tungstenite::tungstenite::Error::Http(response) = &error else {
        return error.to_string();
    };
    let message = response
        .body()
        .as_deref()
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
        .and_then(|body| body["error"].as_str().map(String::from));
    match message {
        Some(message) => format!("HTTP {}: {message}", response.status()),
        None => error.to_string(),
    }
}

/// Subscribes to the question channel, the private channel of `player_id` and the
/// announcement channel in game `code`, asking each for the events after its `since_seq` (in
/// that order).
///
/// Returns the messages that arrived before both subscriptions were confirmed: events replayed
/// from the `since_seq`, the open question or the player's standing. The caller handles them
/// before anything newer.
pub(crate) async fn subscribe(
    socket: &mut Socket,
    code: &str,
    player_id: &str,
    since_seq: [Option<u64>; SUBSCRIPTIONS],
) -> Result<Vec<ServerMessage>, String> {
    let channels = [
        (
            QUESTIONS_SUBSCRIPTION,
            Channel::Questions {
                code: code.to_string(),
            },
        ),
        (
            PRIVATE_SUBSCRIPTION,
            Channel::Player {
                code: code.to_string(),
                player_id: player_id.to_string(),
            },
        ),
        (
            ANNOUNCEMENTS_SUBSCRIPTION,
            Channel::Announcements {
                code: code.to_string(),
            },
        ),
    ];
    for ((id, channel), since_seq) in channels.into_iter().zip(since_seq) {
        let subscribe = ClientMessage::Subscribe {
            id: id.to_string(),
            channel: channel.path(),
            since_seq,
        };
        send(socket, &subscribe).await?;
    }
    let mut confirmed = 0;
    let mut early = Vec::new();
    while confirmed < SUBSCRIPTIONS {
        match next_message(socket).await? {
            ServerMessage::SubscribeSuccess { .. } => confirmed += 1,
            ServerMessage::SubscribeError { id, errors } => {
                let why = errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                return Err(format!("subscribing {id} failed: {why}"));
            }
            ServerMessage::Ka => {}
            other => early.push(other),
        }
    }
    Ok(early)
}

/// Sends one protocol message.
pub(crate) async fn send(socket: &mut Socket, message: &ClientMessage) -> Result<(), String> {
    let text = serde_json::to_string(message).expect("client messages always serialize");
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| e.to_string())
}

/// Reads the next protocol message during the handshake.
async fn next_message(socket: &mut Socket) -> Result<ServerMessage, String> {
    loop {
        let frame = tokio::time::timeout(HANDSHAKE_TIMEOUT, socket.next())
            .await
            .map_err(|_| format!("no reply within {} s", HANDSHAKE_TIMEOUT.as_secs()))?;
        match frame {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(&text).map_err(|e| format!("invalid message: {e}"));
            }
            Some(Ok(Message::Close(frame))) => {
                let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                return Err(format!("the host closed the connection: {reason}"));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the host closed the connection".into()),
        }
    }
}
