//! `logkeep parse`: reads syslog messages from files or stdin and prints
//! one JSON object per message (NDJSON).
//!
//! Messages that match no grammar are printed as `unparsed` events with a
//! `parse_error`, so a bad message never fails the run. The exit status is
//! non-zero only when an input cannot be read, an octet-counted frame has
//! a framing defect (reported in the output), or stdout cannot be written.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Utc};
use logkeep::event::TransportError;
use logkeep::framing::{DecoderConfig, Frame, FrameDecoder, Framing as WireFraming};
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

/// Maximum frame size with octet counting; longer frames are cut to it
/// and reported. RFC 6587 sets no limit, and RFC 5425 § 4.3.1 requires
/// 2048 octets and recommends 8192. Files can be trusted further than a
/// network peer, so this is larger than the collector's default.
const MAX_FRAME_LEN: usize = 1024 * 1024;

/// Returns the defect recorded on the event of a frame read with octet
/// counting. A frame without MSG-LEN, which the decoder reads up to LF,
/// has an invalid length here, because octet counting requires one.
fn frame_transport_error(frame: &Frame<'_>) -> Option<TransportError> {
    if frame.framing == WireFraming::NonTransparent && !frame.flags.oversize {
        return Some(TransportError::InvalidLength);
    }
    frame.flags.transport_error()
}

/// Describes the framing defects of a frame read with octet counting for
/// the error log, or returns `None` for a clean frame.
fn frame_problem(frame: &Frame<'_>) -> Option<String> {
    let mut problems = Vec::new();
    if frame.framing == WireFraming::NonTransparent {
        // The decoder falls back to reading up to LF when a frame does not
        // start with MSG-LEN, which octet counting does not allow.
        problems.push("invalid octet count: expected MSG-LEN digits and a space".to_string());
    } else if frame.flags.truncated {
        let received = frame.data.len();
        problems.push(format!(
            "truncated frame: the input ended after {received} bytes of the message"
        ));
    }
    if frame.flags.oversize {
        problems.push(format!(
            "oversize frame: MSG-LEN exceeds the maximum of {MAX_FRAME_LEN} bytes, the rest was skipped"
        ));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Results of printing the frames of one input.
#[derive(Default)]
struct FrameOutcome {
    /// Frames that had a framing defect.
    defects: u64,
    /// Of those, frames cut short by the end of the input.
    truncated: u64,
    /// The first error writing to stdout; frames after it are not printed.
    error: Option<io::Error>,
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

    /// Parses and prints one message, with the defect of the frame it
    /// came in, if any.
    fn print(&mut self, bytes: &[u8], defect: Option<TransportError>) -> io::Result<()> {
        let mut event = parse(bytes, &self.options()).to_event();
        event.transport_error = defect;
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

    /// Prints one frame of an octet-counted input, with its framing defect
    /// as `transport_error`, and logs the defect.
    fn print_frame(&mut self, frame: Frame<'_>, name: &str, outcome: &mut FrameOutcome) {
        if outcome.error.is_some() {
            return;
        }
        let problem = frame_problem(&frame);
        if let Some(problem) = &problem {
            log::error!("{name}: {problem}");
            outcome.defects += 1;
            outcome.truncated += u64::from(frame.flags.truncated);
        }
        if let Err(error) = self.print(frame.data, frame_transport_error(&frame)) {
            outcome.error = Some(error);
        }
    }

    /// Prints every frame, decoded by the same RFC 6587 decoder as the TCP
    /// receiver; returns `false` when a frame had a framing defect.
    fn frames(&mut self, reader: &mut impl BufRead, name: &str) -> io::Result<bool> {
        let config = DecoderConfig {
            max_frame_size: MAX_FRAME_LEN,
            ..DecoderConfig::default()
        };
        let mut decoder = FrameDecoder::new(config);
        let mut outcome = FrameOutcome::default();
        loop {
            let buffer = reader.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            let len = buffer.len();
            decoder.feed(buffer, &mut |frame| {
                self.print_frame(frame, name, &mut outcome)
            });
            reader.consume(len);
            if let Some(error) = outcome.error.take() {
                return Err(error);
            }
        }
        decoder.finish(&mut |frame| self.print_frame(frame, name, &mut outcome));
        if let Some(error) = outcome.error.take() {
            return Err(error);
        }
        // The decoder counts, but does not deliver, a frame whose MSG-LEN
        // arrived without any of the message.
        if decoder.counters().truncated > outcome.truncated {
            let problem = "truncated frame: the input ended after MSG-LEN".to_string();
            log::error!("{name}: {problem}");
            self.print(b"", Some(TransportError::Truncated))?;
            outcome.defects += 1;
        }
        Ok(outcome.defects == 0)
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
