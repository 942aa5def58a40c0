use clap::Parser;

use quizcast::app;
use quizcast::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Host(args) => app::host(args).await,
            Command::Play(args) => app::play(args).await,
            Command::Swarm(args) => app::swarm(args).await,
            Command::Check(args) => app::check(args),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
