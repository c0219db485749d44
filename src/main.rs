//! The `logkeep` command: parses the command line and hands each
//! subcommand to its module under `commands/`.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod logger;

#[derive(Parser)]
#[command(
    name = "logkeep",
    version,
    about = "A syslog collector that boots as its own unikernel"
)]
struct Cli {
    /// Log level: error, warn, info, debug, trace or off.
    #[arg(long, global = true, env = "LOGKEEP_LOG", default_value = "info")]
    log_level: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Receive syslog, store it in memory and serve queries over HTTP.
    Serve(commands::serve::ServeArgs),
    /// Parse syslog messages from files or stdin and print them as NDJSON.
    Parse(commands::parse::ParseArgs),
    /// Send syslog messages over UDP or TCP, like logger(1).
    Send(commands::send::SendArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(command_line());
    logger::init(&cli.log_level);
    match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Parse(args) => commands::parse::run(args),
        Command::Send(args) => commands::send::run(args),
    }
}

/// Collects the program arguments. In the unikernel image an empty command
/// line means `logkeep serve`, because a guest booted without arguments
/// after `--` in the kernel command line should collect, not print usage.
fn command_line() -> Vec<OsString> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if cfg!(target_os = "hermit") && args.len() <= 1 {
        args.push("serve".into());
    }
    args
}
