//! The `ringback` binary: parse the command line, run, map failures to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    ringback::cli::main()
}
