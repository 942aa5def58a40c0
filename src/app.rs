//! The two roles' entry points behind the command line: load, start, and run a front end.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tracing_appender::non_blocking::WorkerGuard;

use crate::bank::Bank;
use crate::cli::{CheckArgs, HostArgs, PlayArgs, SwarmArgs};
use crate::client::events::{PlayerCommand, PlayerEvent};
use crate::client::join::{JoinTarget, RetryPolicy};
use crate::client::memory::StateFile;
use crate::client::reconnect::ReconnectPolicy;
use crate::client::session::{self, SessionConfig, SessionOptions};
use crate::client::{self, ClientError, answers::AnswerSpec};
use crate::host::actor::Automation;
use crate::host::events::HostEvent;
use crate::host::{self, HostOptions};
use crate::import::{self, FileReport, ImportOptions};
use crate::swarm::{self, SwarmOptions};
use crate::ui;

/// How long a finished headless host waits for players to receive the last messages.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// Runs `quizcast host`.
pub async fn host(args: HostArgs) -> Result<(), String> {
    let _log = init_logging(args.headless, args.log_file.clone(), "host.log")?;
    let automation = Automation {
        auto_start: args.auto_start.map(|n| n as usize),
        auto_advance: args.auto_advance()?,
    };
    if args.headless && automation.auto_start.is_none() && args.resume.is_none() {
        return Err(
            "--headless needs --auto-start N, because no one can press Enter to start the game"
                .into(),
        );
    }
    let mut bank = if args.questions.is_empty() {
        Bank::bundled()
    } else {
        load_questions(&args.questions, &args.import.options())?
    };
    import::arrange(&mut bank, &args.play_order(), &mut rand::rng());
    let db = match (&args.db, args.no_db) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) => Some(crate::store::default_path().ok_or(
            "cannot find a data directory for the database (is HOME set?); pass --db FILE or --no-db",
        )?),
    };
    let resume = args
        .resume
        .as_ref()
        .map(|code| Some(code.clone()).filter(|c| !c.is_empty()));
    let options = HostOptions {
        bank,
        bind: args.bind,
        public_url: args.public_url.clone(),
        code: args.code.clone(),
        join_rate: args.join_rate,
        automation,
        results: args.results.clone(),
        db,
        resume,
        admin_key: args.admin_key.clone(),
        limits: args.limits.limits(),
    };
    let mut running = host::start(options).await.map_err(|e| e.to_string())?;
    raise_open_files_limit();

    if args.headless {
        let signal = shutdown_signal();
        tokio::pin!(signal);
        loop {
            tokio::select! {
                event = running.events.recv() => {
                    let Some(event) = event else { break };
                    host::headless::print(&event);
                    if matches!(event, HostEvent::GameOver { .. }) {
                        running.drain(DRAIN_LIMIT).await;
                        // Players of games created through the admin API are still connected,
                        // and keep reconnecting to a host that is gone unless closed with 4000.
                        running.end_sessions(DRAIN_LIMIT).await;
                        break;
                    }
                }
                () = &mut signal => {
                    // Closing every connection with 4000 first makes players stop instead of
                    // reconnecting.
                    tracing::info!("shutting down on a signal");
                    running.end_sessions(DRAIN_LIMIT).await;
                    break;
                }
            }
        }
    } else {
        let events = std::mem::replace(&mut running.events, mpsc::unbounded_channel().1);
        ui::host::run(events, running.commands.clone())
            .await
            .map_err(|e| format!("terminal error: {e}"))?;
        // The host chose to quit: players are told so, rather than left reconnecting.
        running.end_sessions(DRAIN_LIMIT).await;
    }
    running.stop().await;
    Ok(())
}

/// Loads the host's question files, and prints a line per file with skipped questions or
/// warnings to stderr, where it stays readable after the terminal UI exits.
fn load_questions(paths: &[PathBuf], options: &ImportOptions) -> Result<Bank, String> {
    let (bank, reports) = import::load_files(paths, options).map_err(|e| e.to_string())?;
    for report in reports
        .iter()
        .filter(|r| !r.skipped.is_empty() || !r.warnings.is_empty())
    {
        tracing::warn!(
            file = %report.file,
            usable = report.usable,
            skipped = report.skipped.len(),
            warnings = report.warnings.len(),
            "question file has skipped questions or warnings"
        );
        eprintln!(
            "{}: {}; run `quizcast check {}` for details",
            report.file,
            report.counts(),
            report.file
        );
    }
    Ok(bank)
}

/// Runs `quizcast check`: prints a report per file, and fails unless every file has a usable
/// question.
pub fn check(args: CheckArgs) -> Result<(), String> {
    let options = args.import.options();
    let mut rng = rand::rng();
    let reports: Vec<FileReport> = args
        .files
        .iter()
        .map(|path| import::check_file(path, &options, &mut rng).0)
        .collect();
    if args.json {
        let all_usable = reports.iter().all(FileReport::is_usable);
        let output = serde_json::json!({ "ok": all_usable, "files": reports });
        println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("reports always serialize")
        );
    } else {
        for report in &reports {
            print!("{}", report.to_text());
        }
    }
    let failed = reports.iter().filter(|r| !r.is_usable()).count();
    if failed > 0 {
        return Err(format!(
            "{failed} of {} file(s) have no usable question",
            reports.len()
        ));
    }
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM on Unix.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Runs `quizcast play`.
pub async fn play(args: PlayArgs) -> Result<(), String> {
    let _log = init_logging(args.headless, args.log_file.clone(), "player.log")?;
    let target = JoinTarget::parse(&args.url).map_err(|e| e.to_string())?;
    let retry = RetryPolicy {
        give_up_after: Duration::from_secs(args.give_up_secs),
        ..RetryPolicy::default()
    };
    let options = play_options(&args);
    // A player coming back to a game under the same name (or none) keeps its id, and its name
    // needs no prompt.
    let remembered = options
        .state_file
        .as_ref()
        .and_then(|file| file.get(&StateFile::key(&target)))
        .filter(|saved| args.id.as_ref().is_none_or(|id| *id == saved.player_id))
        .filter(|saved| {
            args.name
                .as_ref()
                .is_none_or(|name| saved.matches_name(name))
        });
    let player_id = args
        .id
        .clone()
        .or_else(|| remembered.as_ref().map(|saved| saved.player_id.clone()))
        .unwrap_or_else(client::new_player_id);
    let name = args
        .name
        .clone()
        .or_else(|| remembered.as_ref().map(|saved| saved.name.clone()));
    let make_config = |name: String| SessionConfig {
        target: target.clone(),
        name,
        player_id: player_id.clone(),
        retry,
        probe: None,
    };

    if args.headless {
        let name =
            name.ok_or("--headless needs --name NAME, because no one can type a nickname")?;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let spec = args.answers.clone().unwrap_or(AnswerSpec::List(Vec::new()));
        let delay = Duration::from_millis(args.answer_delay_ms);
        let printer = tokio::spawn(client::headless::run(events_rx, commands_tx, spec, delay));
        let http = session::http_client().map_err(|e| e.to_string())?;
        let result =
            session::run_with_options(&http, make_config(name), options, events_tx, commands_rx)
                .await;
        let _ = printer.await;
        return result.map(|_| ()).map_err(|e| e.to_string());
    }

    let spec = args.answers.clone();
    let delay = Duration::from_millis(args.answer_delay_ms);
    let outcome = ui::player::run(name, move |name| {
        start_session(make_config(name), options.clone(), spec.clone(), delay)
    })
    .await
    .map_err(|e| format!("terminal error: {e}"))?;
    match outcome {
        None => Ok(()),
        Some(message) => Err(message),
    }
}

/// Returns the reconnect policy and session memory `quizcast play` runs with.
fn play_options(args: &PlayArgs) -> SessionOptions {
    let state_file = match &args.state_file {
        Some(path) => Some(StateFile::new(path)),
        None => {
            let path = StateFile::default_path();
            if path.is_none() {
                tracing::warn!(
                    "no data directory (is HOME set?), so this session is not remembered; pass --state-file FILE"
                );
            }
            path.map(StateFile::new)
        }
    };
    SessionOptions {
        reconnect: ReconnectPolicy {
            give_up_after: Duration::from_secs(args.reconnect_secs),
            ..ReconnectPolicy::default()
        },
        state_file,
        keep_player_id: args.id.is_some(),
    }
}

/// Starts a player session for the terminal UI. With an answer script, the session answers by
/// itself as a headless player would, and the UI only shows the game.
fn start_session(
    config: SessionConfig,
    options: SessionOptions,
    spec: Option<AnswerSpec>,
    delay: Duration,
) -> ui::player::PlayerChannels {
    let (events_tx, events_rx) = mpsc::unbounded_channel::<PlayerEvent>();
    let (commands_tx, commands_rx) = mpsc::unbounded_channel::<PlayerCommand>();
    let (ui_events_tx, ui_events_rx) = mpsc::unbounded_channel();
    let auto_commands = commands_tx.clone();
    tokio::spawn(async move {
        let mut events_rx = events_rx;
        while let Some(event) = events_rx.recv().await {
            if let (Some(spec), PlayerEvent::Question { index, options, .. }) = (&spec, &event)
                && let Some(option) = spec.choose(*index, options.len())
            {
                let commands = auto_commands.clone();
                let index = *index;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = commands.send(PlayerCommand::Answer { index, option });
                });
            }
            if ui_events_tx.send(event).is_err() {
                break;
            }
        }
    });
    let done = tokio::spawn(async move {
        let http = session::http_client().map_err(|e| e.to_string())?;
        session::run_with_options(&http, config, options, events_tx, commands_rx)
            .await
            .map(|_| ())
            .map_err(session_failure)
    });
    ui::player::PlayerChannels {
        events: ui_events_rx,
        commands: commands_tx,
        done,
    }
}

/// Describes a failed session for the player screen; a refused nickname sends the player back
/// to the prompt with the host's reason.
fn session_failure(error: ClientError) -> ui::player::SessionFailure {
    match error {
        ClientError::Rejected {
            error_type,
            message,
            ..
        } if error_type == "InvalidNickname" || error_type == "NicknameTaken" => {
            ui::player::SessionFailure {
                message: ui::player::capitalize(&message),
                name_refused: true,
            }
        }
        other => other.to_string().into(),
    }
}

/// Runs `quizcast swarm`.
pub async fn swarm(args: SwarmArgs) -> Result<(), String> {
    let _log = init_logging(true, None, "")?;
    raise_open_files_limit();
    let options = SwarmOptions {
        target: JoinTarget::parse(&args.url).map_err(|e| e.to_string())?,
        players: args.players,
        ramp: Duration::from_millis(args.ramp_ms),
        answers: args.answers.clone(),
        answer_within: Duration::from_millis(args.answer_within_ms),
        retry: RetryPolicy {
            give_up_after: Duration::from_secs(args.give_up_secs),
            ..RetryPolicy::default()
        },
        name_prefix: args.name_prefix.clone(),
    };
    let report = swarm::run(options, |joined, finished, players| {
        eprintln!("swarm: {joined}/{players} joined, {finished} finished");
    })
    .await
    .map_err(|e| e.to_string())?;

    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("reports always serialize")
        );
    } else {
        print!("{}", swarm::table(&report));
    }
    if report.finished < report.players {
        return Err(format!(
            "{} of {} players did not finish the game",
            report.players - report.finished,
            report.players
        ));
    }
    Ok(())
}

/// Raises the soft limit on open files to the hard limit, because every player connection is a
/// file descriptor and Linux's usual soft limit of 1024 caps a host (or a swarm) far below
/// 10,000 players.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open files limit"),
    }
}

/// Sends logs to stderr when headless, else to a file, because a terminal UI must never be
/// written over. Returns the guard that flushes the file on drop.
fn init_logging(
    headless: bool,
    file: Option<PathBuf>,
    default_name: &str,
) -> Result<Option<WorkerGuard>, String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUIZCAST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if headless {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        return Ok(None);
    }
    let path = match file {
        Some(path) => path,
        None => default_log_dir()?.join(default_name),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "cannot create log directory {}: {e}; choose another with --log-file",
                dir.display()
            )
        })?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| {
            format!(
                "cannot open log file {}: {e}; choose another with --log-file",
                path.display()
            )
        })?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .init();
    Ok(Some(guard))
}

fn default_log_dir() -> Result<PathBuf, String> {
    directories::ProjectDirs::from("", "", "quizcast")
        .map(|dirs| dirs.data_local_dir().to_path_buf())
        .ok_or_else(|| "cannot find a data directory (is HOME set?); pass --log-file FILE".into())
}
