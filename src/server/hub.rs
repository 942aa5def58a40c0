//! The channel hub: who is subscribed to which channel, and fanout to them.
//!
//! Each connection has a bounded outbound queue drained by its own writer task. Publishing
//! builds each distinct `data` frame once (subscribers that chose the same subscription id get
//! the same bytes) and pushes a shared reference to every subscriber's queue without waiting. A
//! subscriber whose queue is full is a slow consumer and is dropped (its connection is told to
//! close), so one stalled reader never delays the others or grows host memory.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};

use crate::protocol::data_frame;

/// Capacity of each connection's outbound queue, in messages.
pub const OUTBOUND_QUEUE: usize = 256;
/// Events each channel keeps for clients that come back after a drop. A game sends two or three
/// events per question on each channel, so this covers a drop of about a question; a longer
/// absence gets a snapshot instead. Kept small because every player has a private channel.
pub const HISTORY: usize = 4;

/// Identifies a connection for the life of the process.
pub type ConnId = u64;

/// A frame waiting in a connection's outbound queue.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A complete text frame. Cloning shares the bytes.
    Text(Utf8Bytes),
    /// Close the connection with this code and reason after what is queued before it.
    Close(u16, String),
}

impl From<String> for Outbound {
    fn from(text: String) -> Outbound {
        Outbound::Text(Utf8Bytes::from(text))
    }
}

/// The sending side of one connection, shared between the hub and the connection task.
#[derive(Debug)]
pub struct Conn {
    pub id: ConnId,
    tx: mpsc::Sender<Outbound>,
    /// Notified when the hub dropped this connection as a slow consumer.
    pub kicked: Notify,
    /// Set once the connection was dropped, so it is counted and logged once.
    dropped: AtomicBool,
}

impl Conn {
    /// Creates a connection handle and the receiver its writer task drains.
    pub fn new(id: ConnId) -> (Arc<Conn>, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        let conn = Arc::new(Conn {
            id,
            tx,
            kicked: Notify::new(),
            dropped: AtomicBool::new(false),
        });
        (conn, rx)
    }

    /// Returns the number of messages waiting in the queue.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Queues a frame without waiting; returns false when the queue is full or closed.
    pub fn try_send(&self, message: Outbound) -> bool {
        self.tx.try_send(message).is_ok()
    }
}

/// Outbound queue lengths over all connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepths {
    pub total: usize,
    pub max: usize,
}

#[derive(Default)]
struct ChannelState {
    /// Sequence number of the last event published on this channel.
    seq: u64,
    subscribers: Vec<Subscriber>,
    /// The last events, oldest first, with their sequence numbers.
    history: VecDeque<(u64, Arc<str>)>,
}

/// The outcome of a subscription with `since_seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catchup {
    /// Nothing was missed (or nothing was asked).
    UpToDate,
    /// This many missed events were queued before anything newer.
    Replayed(usize),
    /// Events were missed that the history no longer has; the caller sends a snapshot.
    Gap,
}

struct Subscriber {
    conn: Arc<Conn>,
    subscription: Arc<str>,
}

/// Subscriptions of every channel, and the counters `/api/metrics` will read.
#[derive(Default)]
pub struct Hub {
    // A plain mutex suffices: publish holds it only while pushing to queues without waiting,
    // which takes about a millisecond for 10,000 subscribers.
    channels: Mutex<HashMap<String, ChannelState>>,
    /// Events delivered to subscriber queues.
    pub delivered: AtomicU64,
    /// Connections dropped because their queue was full.
    pub slow_consumers: AtomicU64,
}

impl Hub {
    /// Subscribes `conn` to `channel` under `subscription`. With `since_seq`, first queues the
    /// events after it from the channel's history, under the same lock as the subscription so
    /// that nothing is missed or repeated between replay and live events.
    pub fn subscribe(
        &self,
        channel: &str,
        conn: &Arc<Conn>,
        subscription: &str,
        since_seq: Option<u64>,
    ) -> Catchup {
        let mut channels = self.channels.lock().expect("hub lock poisoned");
        let state = channels.entry(channel.to_string()).or_default();
        let catchup = match since_seq {
            None => Catchup::UpToDate,
            Some(since) if since >= state.seq => Catchup::UpToDate,
            Some(since) => {
                let oldest = state.history.front().map_or(u64::MAX, |(seq, _)| *seq);
                if oldest > since + 1 {
                    Catchup::Gap
                } else {
                    let missed: Vec<_> = state.history.iter().filter(|(s, _)| *s > since).collect();
                    let mut fits = true;
                    for (seq, event) in &missed {
                        fits &= conn.try_send(data_frame(subscription, *seq, event).into());
                    }
                    if !fits {
                        // Not even the replay fits: the client is not reading.
                        drop(channels);
                        self.drop_slow(conn);
                        return Catchup::Replayed(0);
                    }
                    Catchup::Replayed(missed.len())
                }
            }
        };
        state.subscribers.push(Subscriber {
            conn: conn.clone(),
            subscription: Arc::from(subscription),
        });
        catchup
    }

    /// Ends the subscription `subscription` of `conn`; returns whether it existed.
    pub fn unsubscribe(&self, conn: ConnId, subscription: &str) -> bool {
        let mut channels = self.channels.lock().expect("hub lock poisoned");
        let mut found = false;
        for state in channels.values_mut() {
            let before = state.subscribers.len();
            state
                .subscribers
                .retain(|s| !(s.conn.id == conn && &*s.subscription == subscription));
            found |= state.subscribers.len() != before;
        }
        found
    }

    /// Removes every subscription of `conn`.
    pub fn remove_conn(&self, conn: ConnId) {
        let mut channels = self.channels.lock().expect("hub lock poisoned");
        channels.retain(|_, state| {
            state.subscribers.retain(|s| s.conn.id != conn);
            !state.subscribers.is_empty() || state.seq > 0
        });
    }

    /// Publishes a serialized event to every subscriber of `channel`; returns its sequence
    /// number.
    pub fn publish(&self, channel: &str, event: &str) -> u64 {
        let mut channels = self.channels.lock().expect("hub lock poisoned");
        let state = channels.entry(channel.to_string()).or_default();
        state.seq += 1;
        let seq = state.seq;
        if state.history.len() == HISTORY {
            state.history.pop_front();
        }
        state.history.push_back((seq, Arc::from(event)));

        // One frame per distinct subscription id; clients normally all use the same id.
        let mut frames: HashMap<Arc<str>, Utf8Bytes> = HashMap::new();
        let mut delivered = 0;
        let mut slow = Vec::new();
        for subscriber in &state.subscribers {
            let frame = frames
                .entry(subscriber.subscription.clone())
                .or_insert_with(|| data_frame(&subscriber.subscription, seq, event).into())
                .clone();
            if subscriber.conn.try_send(Outbound::Text(frame)) {
                delivered += 1;
            } else {
                slow.push(subscriber.conn.clone());
            }
        }
        drop(channels);

        self.delivered.fetch_add(delivered, Ordering::Relaxed);
        for conn in slow {
            self.drop_slow(&conn);
        }
        seq
    }

    /// Returns the current sequence number of `channel` (0 when nothing was published).
    pub fn seq(&self, channel: &str) -> u64 {
        let channels = self.channels.lock().expect("hub lock poisoned");
        channels.get(channel).map_or(0, |s| s.seq)
    }

    /// Returns the total and largest outbound queue length over all subscribed connections.
    pub fn queue_depths(&self) -> QueueDepths {
        let channels = self.channels.lock().expect("hub lock poisoned");
        let mut seen = std::collections::HashSet::new();
        let mut depths = QueueDepths::default();
        for subscriber in channels.values().flat_map(|c| &c.subscribers) {
            if seen.insert(subscriber.conn.id) {
                let queued = subscriber.conn.queued();
                depths.total += queued;
                depths.max = depths.max.max(queued);
            }
        }
        depths
    }

    /// Tells every subscribed connection to close with `code` and `reason` after what is
    /// already queued for it.
    pub fn close_all(&self, code: u16, reason: &str) {
        let channels = self.channels.lock().expect("hub lock poisoned");
        let mut seen = std::collections::HashSet::new();
        for subscriber in channels.values().flat_map(|c| &c.subscribers) {
            if seen.insert(subscriber.conn.id) {
                subscriber
                    .conn
                    .try_send(Outbound::Close(code, reason.to_string()));
            }
        }
    }

    /// Drops `conn` as a slow consumer: removes its subscriptions and tells it to close.
    pub fn kick(&self, conn: &Arc<Conn>) {
        self.drop_slow(conn);
    }

    fn drop_slow(&self, conn: &Arc<Conn>) {
        if conn.dropped.swap(true, Ordering::Relaxed) {
            return;
        }
        tracing::warn!(
            conn.id = conn.id,
            "dropping slow consumer: outbound queue full"
        );
        self.slow_consumers.fetch_add(1, Ordering::Relaxed);
        self.remove_conn(conn.id);
        conn.kicked.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> &str {
        text
    }

    /// Returns the subscription id and sequence number of a queued `data` frame.
    fn parse_data(message: Outbound) -> (String, u64) {
        let Outbound::Text(text) = message else {
            panic!("expected a text frame, got {message:?}");
        };
        match serde_json::from_str(text.as_str()).unwrap() {
            crate::protocol::ServerMessage::Data { id, seq, .. } => (id, seq),
            other => panic!("expected data, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn publish_reaches_subscribers_with_sequence() {
        let hub = Hub::default();
        let (a, mut rx_a) = Conn::new(1);
        let (b, mut rx_b) = Conn::new(2);
        hub.subscribe("/game/X/questions", &a, "s1", None);
        hub.subscribe("/game/X/questions", &b, "s2", None);
        assert_eq!(hub.publish("/game/X/questions", event("{}")), 1);
        assert_eq!(hub.publish("/game/X/questions", event("{}")), 2);
        for (rx, expected) in [(&mut rx_a, "s1"), (&mut rx_b, "s2")] {
            for want_seq in 1..=2 {
                let (subscription, seq) = parse_data(rx.recv().await.unwrap());
                assert_eq!(subscription, expected);
                assert_eq!(seq, want_seq);
            }
        }
    }

    #[tokio::test]
    async fn other_channels_not_delivered() {
        let hub = Hub::default();
        let (a, mut rx) = Conn::new(1);
        hub.subscribe("/game/X/players/p1", &a, "me", None);
        hub.publish("/game/X/players/p2", event("{}"));
        hub.publish("/game/Y/players/p1", event("{}"));
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn full_queue_drops_only_slow_consumer() {
        let hub = Hub::default();
        let (slow, _slow_rx) = Conn::new(1);
        let (fast, mut fast_rx) = Conn::new(2);
        hub.subscribe("/c", &slow, "s", None);
        hub.subscribe("/c", &fast, "f", None);
        for _ in 0..=OUTBOUND_QUEUE {
            hub.publish("/c", event("{}"));
            while fast_rx.try_recv().is_ok() {}
        }
        assert_eq!(hub.slow_consumers.load(Ordering::Relaxed), 1);
        // The kicked notification is stored, so this returns at once.
        slow.kicked.notified().await;
        hub.publish("/c", event("{}"));
        assert!(
            fast_rx.try_recv().is_ok(),
            "the fast consumer still receives"
        );
    }

    #[tokio::test]
    async fn resubscribe_replays_missed_events() {
        let hub = Hub::default();
        for _ in 0..3 {
            hub.publish("/c", event("{}"));
        }
        let (a, mut rx) = Conn::new(1);
        assert_eq!(hub.subscribe("/c", &a, "s", Some(1)), Catchup::Replayed(2));
        assert_eq!(parse_data(rx.try_recv().unwrap()), ("s".to_string(), 2));
        assert_eq!(parse_data(rx.try_recv().unwrap()), ("s".to_string(), 3));
        hub.publish("/c", event("{}"));
        assert_eq!(parse_data(rx.try_recv().unwrap()), ("s".to_string(), 4));
    }

    #[tokio::test]
    async fn resubscribe_past_history_is_gap() {
        let hub = Hub::default();
        for _ in 0..HISTORY + 2 {
            hub.publish("/c", event("{}"));
        }
        let (a, mut rx) = Conn::new(1);
        assert_eq!(hub.subscribe("/c", &a, "s", Some(1)), Catchup::Gap);
        assert!(rx.try_recv().is_err(), "a gap replays nothing");
        let (b, _rx) = Conn::new(2);
        let latest = (HISTORY + 2) as u64;
        assert_eq!(
            hub.subscribe("/c", &b, "s", Some(latest)),
            Catchup::UpToDate
        );
    }

    #[tokio::test]
    async fn unsubscribe_stops_delivery() {
        let hub = Hub::default();
        let (a, mut rx) = Conn::new(1);
        hub.subscribe("/c", &a, "s", None);
        assert!(hub.unsubscribe(1, "s"));
        assert!(!hub.unsubscribe(1, "s"));
        hub.publish("/c", event("{}"));
        assert!(rx.try_recv().is_err());
    }
}
