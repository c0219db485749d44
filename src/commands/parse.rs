//! `logkeep parse`: reads syslog messages from files or stdin and prints
//! one JSON object per message (NDJSON).
//!
//! Messages that match no grammar are printed as `unparsed` events with a
//! `parse_error`, so a bad message never fails the run. The exit status is
//! non-zero only when an input cannot be read, octet-counted framing is
//! lost, or stdout cannot be written.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Utc};
use logkeep::json::event_to_string;
use logkeep::parse::{ParseOptions, parse};

/// Message separation in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Framing {
    /// One message per line; LF or CRLF ends a line, empty lines are skipped.
    Lines,
    /// RFC 6587 § 3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`.
    OctetCounting,
}

#[derive(clap::Args)]
pub struct ParseArgs {
    /// Files to read, in order; stdin when none is given.
    files: Vec<PathBuf>,

    /// Message separation: lines or octet-counting (RFC 6587).
    #[arg(long, value_enum, default_value = "lines")]
    framing: Framing,

    /// Receive time (RFC 3339) from which RFC 3164 timestamps take their
    /// year; the current time when not given.
    #[arg(long, value_parser = parse_received_at)]
    received_at: Option<DateTime<Utc>>,

    /// UTC offset for timestamps that carry none, such as +01:00.
    #[arg(long, value_parser = parse_offset, default_value = "+00:00", allow_hyphen_values = true)]
    default_offset: FixedOffset,
}

fn parse_received_at(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| format!("invalid RFC 3339 time {text:?}: {error}"))
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    text.parse::<FixedOffset>()
        .map_err(|_| format!("invalid UTC offset {text:?}: expected +hh:mm or -hh:mm"))
}

/// Maximum MSG-LEN accepted with octet counting. RFC 6587 sets no limit,
/// and RFC 5425 § 4.3.1 requires 2048 octets and recommends 8192. A much
/// larger count more likely comes from a stream that lost its framing.
const MAX_FRAME_LEN: usize = 1024 * 1024;

/// Fault that stops reading an octet-counted stream.
#[derive(Debug)]
enum FrameError {
    Io(io::Error),
    /// The bytes where MSG-LEN was expected, for the unparsed event.
    InvalidLength(Vec<u8>),
    TooLong(usize),
}

impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> Self {
        FrameError::Io(error)
    }
}

/// Reads the next octet-counted frame. Returns `Ok(None)` at the end of
/// the stream; LF, CR and spaces between frames are skipped.
///
/// NOTE: a minimal reader for files and stdin. TCP input needs a streaming
/// framer that keeps partial frames across reads.
fn read_frame(reader: &mut impl BufRead) -> Result<Option<(Vec<u8>, usize)>, FrameError> {
    let mut length_text = Vec::new();
    loop {
        let buffer = reader.fill_buf()?;
        let Some(&byte) = buffer.first() else {
            if length_text.is_empty() {
                return Ok(None);
            }
            return Err(FrameError::InvalidLength(length_text));
        };
        reader.consume(1);
        match byte {
            b'\n' | b'\r' | b' ' | b'\t' if length_text.is_empty() => continue,
            b' ' => break,
            b'0'..=b'9' if length_text.len() < 10 => length_text.push(byte),
            _ => {
                length_text.push(byte);
                return Err(FrameError::InvalidLength(length_text));
            }
        }
    }
    let length: usize = std::str::from_utf8(&length_text)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| FrameError::InvalidLength(length_text.clone()))?;
    if length > MAX_FRAME_LEN {
        return Err(FrameError::TooLong(length));
    }
    let mut frame = Vec::with_capacity(length);
    reader.take(length as u64).read_to_end(&mut frame)?;
    Ok(Some((frame, length)))
}

struct Printer<'a> {
    args: &'a ParseArgs,
    out: io::StdoutLock<'static>,
    /// Set when writing to stdout failed, to tell that error from a read error.
    write_failed: bool,
}

impl Printer<'_> {
    fn options(&self) -> ParseOptions {
        let mut options = ParseOptions::new(self.args.received_at.unwrap_or_else(Utc::now));
        options.default_offset = self.args.default_offset;
        options
    }

    /// Parses and prints one message; `problem` overrides `parse_error`
    /// for framing faults.
    fn print(&mut self, bytes: &[u8], problem: Option<String>) -> io::Result<()> {
        let mut event = parse(bytes, &self.options()).to_event();
        if problem.is_some() {
            event.parse_error = problem;
        }
        let written = writeln!(self.out, "{}", event_to_string(&event));
        self.write_failed |= written.is_err();
        written
    }

    fn lines(&mut self, reader: &mut impl BufRead) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if !text.is_empty() {
                let text = text.to_vec();
                self.print(&text, None)?;
            }
        }
    }

    /// Prints every frame; returns `false` when the framing was lost (the
    /// rest of the stream is printed as one unparsed event).
    fn frames(&mut self, reader: &mut impl BufRead, name: &str) -> io::Result<bool> {
        loop {
            match read_frame(reader) {
                Ok(None) => return Ok(true),
                Ok(Some((frame, length))) if frame.len() < length => {
                    let problem = format!(
                        "truncated frame: MSG-LEN {length}, only {} bytes",
                        frame.len()
                    );
                    log::error!("{name}: {problem}");
                    self.print(&frame, Some(problem))?;
                    return Ok(false);
                }
                Ok(Some((frame, _))) => self.print(&frame, None)?,
                Err(FrameError::Io(error)) => return Err(error),
                Err(FrameError::InvalidLength(mut rest)) => {
                    reader.read_to_end(&mut rest)?;
                    let problem = "invalid octet count: expected MSG-LEN digits and a space";
                    log::error!("{name}: {problem}, printing the rest as one event");
                    self.print(&rest, Some(problem.to_string()))?;
                    return Ok(false);
                }
                Err(FrameError::TooLong(length)) => {
                    log::error!(
                        "{name}: MSG-LEN {length} exceeds the maximum of {MAX_FRAME_LEN} bytes, stopping"
                    );
                    return Ok(false);
                }
            }
        }
    }

    /// Reads one input; returns `false` when it failed or lost framing.
    fn input(&mut self, reader: &mut impl BufRead, name: &str) -> io::Result<bool> {
        match self.args.framing {
            Framing::Lines => self.lines(reader).map(|()| true),
            Framing::OctetCounting => self.frames(reader, name),
        }
    }
}

fn io_failure(printer: &Printer<'_>, name: &str, error: &io::Error) -> String {
    if printer.write_failed {
        format!("writing to stdout failed: {error}")
    } else {
        format!("reading {name} failed: {error}")
    }
}

fn is_broken_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

pub fn run(args: ParseArgs) -> ExitCode {
    let mut printer = Printer {
        args: &args,
        out: io::stdout().lock(),
        write_failed: false,
    };
    let mut ok = true;
    if args.files.is_empty() {
        let mut stdin = io::stdin().lock();
        match printer.input(&mut stdin, "stdin") {
            Ok(fine) => ok &= fine,
            Err(error) if is_broken_pipe(&error) => return ExitCode::SUCCESS,
            Err(error) => {
                log::error!("{}", io_failure(&printer, "stdin", &error));
                return ExitCode::FAILURE;
            }
        }
    }
    for path in &args.files {
        let name = path.display().to_string();
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) => {
                log::error!("failed to open {name}: {error}");
                ok = false;
                continue;
            }
        };
        match printer.input(&mut BufReader::new(file), &name) {
            Ok(fine) => ok &= fine,
            Err(error) if is_broken_pipe(&error) => return ExitCode::SUCCESS,
            Err(error) if printer.write_failed => {
                log::error!("{}", io_failure(&printer, &name, &error));
                return ExitCode::FAILURE;
            }
            Err(error) => {
                log::error!("{}", io_failure(&printer, &name, &error));
                ok = false;
            }
        }
    }
    if let Err(error) = printer.out.flush() {
        if !is_broken_pipe(&error) {
            log::error!("writing to stdout failed: {error}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
