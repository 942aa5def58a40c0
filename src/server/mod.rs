//! The host's HTTP and WebSocket server.
//!
//! [`router`] builds the axum routes over one shared [`AppState`]; [`serve`] runs them on a
//! listener the caller bound, so tests run a real server on `127.0.0.1:0`.

pub mod admin;
pub mod admission;
pub mod http;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod registry;
pub mod web;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use admin::AdminKey;
use admission::Admission;
use hub::Hub;
use limits::{IpConnections, Limits};
use registry::Registry;

use crate::store::Store;

/// State shared by every request and connection.
pub struct AppState {
    /// Shared with every game actor, which revokes tokens and closes connections through it.
    pub registry: Arc<Registry>,
    pub hub: Arc<Hub>,
    pub admission: Admission,
    pub metrics: metrics::Metrics,
    pub limits: Limits,
    /// Open WebSocket connections per client address, checked against `limits`.
    pub ip_connections: Arc<IpConnections>,
    /// Base URL players use, such as `http://192.168.1.20:7878`, without a trailing slash.
    pub public_base: String,
    /// Random id of this server run, sent in `connection_ack`; sequence numbers restart with it.
    pub epoch: String,
    /// Bearer key of the admin API.
    pub admin_key: AdminKey,
    /// Store of games created through the admin API; the host's own game uses the same one.
    pub store: Store,
    /// Database file behind `store`, checked for code clashes before a game is created.
    pub db: Option<PathBuf>,
    next_conn_id: AtomicU64,
    /// Number of open WebSocket connections that completed `connection_init`.
    connections: watch::Sender<usize>,
}

impl AppState {
    /// Creates the state for a server reachable at `public_base`, storing nothing.
    pub fn new(
        public_base: String,
        join_rate: NonZeroU32,
        hub: Arc<Hub>,
        admin_key: &str,
        limits: Limits,
    ) -> AppState {
        AppState {
            registry: Arc::default(),
            hub,
            admission: Admission::new(join_rate),
            metrics: metrics::Metrics::default(),
            limits,
            ip_connections: Arc::default(),
            public_base: public_base.trim_end_matches('/').to_string(),
            epoch: format!("{:016x}", rand::random::<u64>()),
            admin_key: AdminKey::new(admin_key),
            store: Store::disabled(),
            db: None,
            next_conn_id: AtomicU64::new(1),
            connections: watch::channel(0).0,
        }
    }

    /// Returns the WebSocket URL matching the public base URL.
    pub fn ws_url(&self) -> String {
        let base = &self.public_base;
        let ws_base = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.clone()
        };
        format!("{ws_base}/ws")
    }

    /// Returns the URL players open to join `code`.
    pub fn join_url(&self, code: &str) -> String {
        format!("{}/join/{code}", self.public_base)
    }

    fn next_conn_id(&self) -> u64 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Returns a receiver of the number of open player connections.
    pub fn connections(&self) -> watch::Receiver<usize> {
        self.connections.subscribe()
    }
}

/// Builds the routes.
pub fn router(state: Arc<AppState>) -> Router {
    let max_body = state.limits.max_body_bytes;
    Router::new()
        .route("/join/{code}", get(http::join_page))
        .route("/assets/{name}", get(web::asset_file))
        .route("/api/games/{code}", get(http::game_info))
        .route("/api/games/{code}/players", post(http::join_game))
        .route("/api/metrics", get(metrics::metrics))
        .route("/ws", get(ws::upgrade))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::reject_large_bodies,
        ))
        // Question files uploaded with the admin key are larger than any player request, so
        // the admin routes have their own body limit.
        .nest("/api/admin", admin::router(state.clone()))
        .with_state(state)
}

/// Serves the routes on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Small frames must leave at once: with Nagle's algorithm, a frame written right after
    // another waits for the peer's delayed ACK (about 40 ms on Linux), which delays questions
    // and costs players points.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    // The peer address is needed for the per-address connection limit.
    let service = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
