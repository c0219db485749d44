//! One module per subcommand.

pub mod parse;
pub mod send;
pub mod serve;
