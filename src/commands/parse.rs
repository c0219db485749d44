//! `logkeep parse`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ParseArgs {}

pub fn run(_args: ParseArgs) -> ExitCode {
    log::error!("logkeep parse is not implemented yet");
    ExitCode::FAILURE
}
