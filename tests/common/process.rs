//! The quizcast binary as a child process: stdout read line by line, stderr collected, and
//! the process killed when its guard drops, so a failing test leaves no process behind.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Path of the quizcast binary Cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_quizcast");

/// How often [`Quizcast::finish`] checks whether the process has exited.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// A running quizcast process. Dropping it kills the process if it still runs.
pub struct Quizcast {
    /// Name used in failure messages, such as `host` or `player Ada`.
    pub label: String,
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stdout line read so far, in order.
    seen: Vec<String>,
    stderr: Option<JoinHandle<String>>,
    /// The process's own data directory (database, remembered sessions), so tests never share
    /// or touch the user's.
    _data_dir: tempfile::TempDir,
}

/// How a process ended.
#[derive(Debug)]
pub struct Exit {
    pub status: ExitStatus,
    /// Every line the process wrote to stdout.
    pub lines: Vec<String>,
    pub stderr: String,
    /// Time from the call to [`Quizcast::finish`] until the exit was seen.
    pub waited: Duration,
}

impl Quizcast {
    /// Starts `quizcast ARGS` with stdin closed and stdout and stderr captured.
    pub fn spawn(label: &str, args: &[&str]) -> Quizcast {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let mut child = Command::new(BINARY)
            .args(args)
            .env("XDG_DATA_HOME", data_dir.path())
            .env_remove("QUIZCAST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{label}: cannot start {BINARY}: {e}"));

        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Quizcast {
            label: label.to_string(),
            child,
            lines: rx,
            seen: Vec::new(),
            stderr: Some(stderr),
            _data_dir: data_dir,
        }
    }

    /// Sends SIGTERM, as a service manager or `kill` does to stop the process.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "{}: kill -TERM failed", self.label);
    }

    /// Kills the process with SIGKILL, as a crash would end it, and waits for it.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the process");
        let _ = self.child.wait();
    }

    /// Returns the next stdout line, or `None` once stdout is closed. Panics at `deadline`.
    pub fn next_line(&mut self, deadline: Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{}: timed out waiting for output; stdout so far:\n{}",
                self.label,
                self.seen.join("\n")
            ),
        }
    }

    /// Reads stdout until a JSON line with `"event": event` and returns that line. Panics when
    /// stdout closes first or `limit` passes.
    pub fn wait_for_event(&mut self, event: &str, limit: Duration) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        while let Some(line) = self.next_line(deadline) {
            let value = parse_line(&self.label, &line);
            if value["event"] == event {
                return value;
            }
        }
        panic!(
            "{}: stdout closed before a {event:?} line; stdout:\n{}",
            self.label,
            self.seen.join("\n")
        );
    }

    /// Waits up to `limit` for the process to close stdout and exit.
    pub fn finish(&mut self, limit: Duration) -> Exit {
        let started = Instant::now();
        let deadline = started + limit;
        while self.next_line(deadline).is_some() {}
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait on own child") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{}: still running {limit:?} after the call to finish; stdout:\n{}",
                self.label,
                self.seen.join("\n")
            );
            std::thread::sleep(EXIT_POLL);
        };
        let waited = started.elapsed();
        let stderr = self
            .stderr
            .take()
            .map(|reader| reader.join().expect("stderr reader thread"))
            .unwrap_or_default();
        Exit {
            status,
            lines: self.seen.clone(),
            stderr,
            waited,
        }
    }
}

impl Drop for Quizcast {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Parses one stdout line as JSON, naming the process and line on failure.
pub fn parse_line(label: &str, line: &str) -> serde_json::Value {
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{label}: stdout line is not JSON ({e}): {line}"))
}

/// Parses every line as JSON and returns those with `"event": event`.
pub fn events_named(label: &str, lines: &[String], event: &str) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|line| parse_line(label, line))
        .filter(|value| value["event"] == event)
        .collect()
}
