//! `logkeep send`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SendArgs {}

pub fn run(_args: SendArgs) -> ExitCode {
    log::error!("logkeep send is not implemented yet");
    ExitCode::FAILURE
}
