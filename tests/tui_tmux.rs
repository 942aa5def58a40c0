//! The terminal screens in real terminals: the binary runs inside tmux, keys go in with
//! `send-keys`, and the tests read the screen with `capture-pane`. The tests skip themselves
//! when tmux is not installed.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::process::{BINARY, Quizcast};

/// Maximum wait for one screen condition.
const SCREEN_DEADLINE: Duration = Duration::from_secs(20);
/// Pause between two screen captures.
const POLL: Duration = Duration::from_millis(30);
/// Maximum wait for a headless process to exit after its game ended.
const EXIT_DEADLINE: Duration = Duration::from_secs(20);

/// Reports whether `tmux -V` runs, and prints why the test is skipped when it does not.
fn tmux_available() -> bool {
    let works = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success());
    if !works {
        eprintln!("tmux not found; install tmux to run the terminal UI tests");
    }
    works
}

/// One tmux server on a private socket with one 100x30 session running a command. Dropping it
/// kills that server and with it the command.
struct Tmux {
    socket: String,
    /// Path of the server's socket file, which tmux 3.3 leaves behind when the server exits.
    socket_path: Option<String>,
}

impl Tmux {
    /// Starts `command` (a shell command line) in a detached session.
    fn start(label: &str, command: &str) -> Tmux {
        let mut tmux = Tmux {
            socket: format!("quizcast-test-{}-{label}", std::process::id()),
            socket_path: None,
        };
        let output = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "100",
            "-y",
            "30",
            command,
        ]);
        assert!(
            output.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = tmux.run(&["display-message", "-p", "#{socket_path}"]);
        tmux.socket_path = path
            .status
            .success()
            .then(|| String::from_utf8_lossy(&path.stdout).trim().to_string())
            .filter(|path| !path.is_empty());
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    /// Returns the visible screen, or `None` once the session has ended.
    fn screen(&self) -> Option<String> {
        let output = self.run(&["capture-pane", "-p", "-t", "main"]);
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Captures the screen until `ready` holds for it and returns that screen. Panics with the
    /// last screen after [`SCREEN_DEADLINE`] or when the session ends.
    fn wait_for(&self, condition: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        let mut last = String::new();
        loop {
            match self.screen() {
                Some(screen) if ready(&screen) => return screen,
                Some(screen) => last = screen,
                None => {
                    panic!("the session ended while waiting for {condition}; last screen:\n{last}")
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition}; last screen:\n{last}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen contains every one of `texts`.
    fn wait_for_text(&self, texts: &[&str]) -> String {
        let condition = format!("{texts:?}");
        self.wait_for(&condition, |screen| {
            texts.iter().all(|t| screen.contains(t))
        })
    }

    /// Waits until the session has ended, that is, its command exited.
    fn wait_for_end(&self) {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        while let Some(screen) = self.screen() {
            assert!(
                Instant::now() < deadline,
                "the session is still running; last screen:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Sends tmux key names such as `Enter` or `q`.
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let output = self.run(&args);
        assert!(output.status.success(), "tmux send-keys {keys:?} failed");
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        let output = self.run(&["send-keys", "-t", "main", "-l", text]);
        assert!(output.status.success(), "tmux send-keys -l {text:?} failed");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Returns a shell command line that runs the binary with `args` and then writes its exit
/// code to `status_file`, so the test can check it after the session ends.
///
/// The binary gets a data directory next to `status_file`, so the test never shares or
/// touches the user's database and remembered sessions.
fn command_line(args: &[&str], status_file: &Path) -> String {
    let data_dir = status_file.with_extension("data");
    let mut line = format!(
        "XDG_DATA_HOME={} {}",
        shell_quote(data_dir.to_str().unwrap()),
        shell_quote(BINARY)
    );
    for arg in args {
        line.push(' ');
        line.push_str(&shell_quote(arg));
    }
    let status = shell_quote(status_file.to_str().unwrap());
    format!("{line}; echo \"exit=$?\" > {status}")
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Writes a bank of `questions` questions whose correct option is 1.
fn write_bank(dir: &Path, questions: usize, time_limit: u32) -> String {
    let mut text = format!("title = \"Terminal quiz\"\ntime_limit = {time_limit}\n");
    for i in 1..=questions {
        text.push_str("\n[[questions]]\n");
        text.push_str(&format!("text = \"Terminal question {i}\"\n"));
        text.push_str("options = [\"right\", \"wrong\"]\ncorrect = 1\n");
    }
    let path = dir.join("bank.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Returns the first word of `screen` that starts with `http://` and contains `/join/`.
fn join_url_on(screen: &str) -> Option<String> {
    screen
        .split_whitespace()
        .find(|word| word.starts_with("http://") && word.contains("/join/"))
        .map(str::to_string)
}

fn read_status(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no exit status in {}: {e}", path.display()))
        .trim()
        .to_string()
}

#[test]
fn host_tui_full_game() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bank = write_bank(dir.path(), 2, 20);
    let log = dir.path().join("host.log");
    let status = dir.path().join("status");
    let args = [
        "host",
        "--bind",
        "127.0.0.1:0",
        "--code",
        "TMUX",
        "--log-file",
        log.to_str().unwrap(),
        "--questions",
        &bank,
    ];
    let tmux = Tmux::start("host", &command_line(&args, &status));

    let lobby = tmux.wait_for("the lobby with the join URL", |screen| {
        join_url_on(screen).is_some()
    });
    assert!(lobby.contains("code TMUX"), "{lobby}");
    assert!(lobby.contains("Game code: TMUX"), "{lobby}");
    assert!(lobby.contains("No players yet"), "{lobby}");
    let url = join_url_on(&lobby).unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/join/TMUX"), "{url}");

    // The players wait 1 s before answering so that the open question stays on screen.
    let mut players: Vec<Quizcast> = ["Ada", "Grace"]
        .iter()
        .map(|name| {
            let args = [
                "play",
                &url,
                "--headless",
                "--name",
                name,
                "--answers",
                "first",
                "--answer-delay-ms",
                "1000",
            ];
            Quizcast::spawn(&format!("player {name}"), &args)
        })
        .collect();
    tmux.wait_for_text(&["2 players", "Ada", "Grace"]);

    tmux.keys(&["Enter"]);
    tmux.wait_for_text(&["Question 1/2", "Terminal question 1", "close question"]);
    let reveal = tmux.wait_for_text(&["Question 1/2: answers", "next question"]);
    assert!(reveal.contains("2 answered"), "{reveal}");

    tmux.keys(&["Enter"]);
    tmux.wait_for_text(&["Question 2/2", "Terminal question 2", "close question"]);
    let reveal = tmux.wait_for_text(&["Question 2/2: answers", "show podium"]);
    assert!(reveal.contains("2 answered"), "{reveal}");

    tmux.keys(&["Enter"]);
    let podium = tmux.wait_for_text(&["final results"]);
    assert!(podium.contains("Ada"), "{podium}");
    assert!(podium.contains("Grace"), "{podium}");
    assert!(podium.contains("2 players"), "{podium}");

    tmux.keys(&["q"]);
    tmux.wait_for_end();
    assert_eq!(read_status(&status), "exit=0");
    for player in &mut players {
        let exit = player.finish(EXIT_DEADLINE);
        assert!(exit.status.success(), "{}: {exit:?}", player.label);
    }
}

#[test]
fn player_tui_full_game() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bank = write_bank(dir.path(), 1, 5);
    // Two players start the game: the terminal player and a headless one that never answers,
    // which keeps the question open after the terminal player locked in, until its 5 s limit.
    let mut host = Quizcast::spawn(
        "host",
        &[
            "host",
            "--headless",
            "--bind",
            "127.0.0.1:0",
            "--auto-start",
            "2",
            "--auto-advance",
            "1",
            "--questions",
            &bank,
        ],
    );
    let listening = host.wait_for_event("listening", SCREEN_DEADLINE);
    let url = listening["join_url"].as_str().unwrap().to_string();

    let log = dir.path().join("player.log");
    let status = dir.path().join("status");
    let args = ["play", &url, "--log-file", log.to_str().unwrap()];
    let tmux = Tmux::start("player", &command_line(&args, &status));

    tmux.wait_for_text(&["Choose a nickname"]);
    tmux.type_text("Tess");
    tmux.keys(&["Enter"]);
    let lobby = tmux.wait_for_text(&["Waiting for the host to start"]);
    assert!(lobby.contains("You are Tess"), "{lobby}");

    let mut other = Quizcast::spawn(
        "player Sam",
        &[
            "play",
            &url,
            "--headless",
            "--name",
            "Sam",
            "--answers",
            "skip",
        ],
    );
    tmux.wait_for_text(&["Question 1/1", "Terminal question 1", "Choose an answer"]);
    tmux.keys(&["1"]);
    tmux.wait_for_text(&["locked in"]);

    let result = tmux.wait_for_text(&["Question 1/1: result"]);
    assert!(result.contains("Correct"), "{result}");
    assert!(result.contains("of 2"), "{result}");
    let last = tmux.wait_for_text(&["Game over"]);
    assert!(last.contains("You finished 1st of 2"), "{last}");

    tmux.keys(&["q"]);
    tmux.wait_for_end();
    assert_eq!(read_status(&status), "exit=0");
    let exit = other.finish(EXIT_DEADLINE);
    assert!(exit.status.success(), "player Sam: {exit:?}");
    let exit = host.finish(EXIT_DEADLINE);
    assert!(exit.status.success(), "host: {exit:?}");
}
