//! `logkeep serve`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> ExitCode {
    log::error!("logkeep serve is not implemented yet");
    ExitCode::FAILURE
}
