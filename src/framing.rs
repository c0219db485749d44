//! RFC 6587 framing: splitting a TCP byte stream into syslog messages.
//!
//! Syslog over TCP carries messages back to back, framed in one of two ways
//! ([RFC 6587 § 3.4](https://www.rfc-editor.org/rfc/rfc6587#section-3.4)):
//!
//! - octet counting (§ 3.4.1): `MSG-LEN SP SYSLOG-MSG`, where
//!   `MSG-LEN = NONZERO-DIGIT *DIGIT` is the message length in octets;
//! - non-transparent framing (§ 3.4.2): the message followed by a trailer,
//!   LF in practice. Some senders use NUL instead, and some end lines with
//!   CRLF, so [`FrameDecoder`] accepts LF and NUL and strips the CR.
//!
//! Senders that end frames with NUL do so because their messages may
//! contain LF: Python's `logging.handlers.SysLogHandler` sends a traceback
//! as one NUL-terminated message of many lines. So a frame that starts
//! with `<` right after a frame that ended with NUL ends only at NUL, and
//! its LFs stay in the message. An LF between the two (`NUL LF`) means
//! LF framing again. The first frame of a stream is still cut
//! at LF, because waiting to see which trailer comes would hold back every
//! LF-framed message until the next one arrives. A stray NUL in an
//! LF-framed stream is rarely followed directly by `<`. If it is, and the
//! next frame outgrows the maximum frame size, LF ends frames again from
//! there, so the decoder does not skip the stream up to some later NUL.
//!
//! A sender may switch between the two on every frame, so the decoder looks
//! at each frame's first byte: a digit starts a length prefix, anything else
//! a non-transparent frame. Spaces between frames are skipped before that
//! decision, because Cisco ASA firewalls send a space after each LF.
//!
//! [`FrameDecoder::feed`] takes bytes as they come from a socket read and
//! hands each complete frame to a callback, borrowed from the input when the
//! frame lies within one read. Only an unfinished frame is copied, so the
//! decoder never buffers more than the maximum frame size.
//!
//! Nothing is dropped without a trace: a frame that is cut short is still
//! delivered, with [`FrameFlags`] saying why, and [`FrameCounters`] counts
//! every such case.

use alloc::vec::Vec;

use crate::event::TransportError;

/// The default maximum frame size in octets: 64 KiB, eight times the 8192
/// octets go-syslog accepts by default. RFC 5424 § 6.1 requires receivers
/// to accept 480 octets, recommends 2048, and allows them to truncate
/// longer messages.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 64 * 1024;

/// Maximum number of digits in a length prefix. A longer digit run cannot
/// be a real length (it would be at least 10 GB), so it is read as the
/// start of a non-transparent frame instead.
const MAX_LENGTH_DIGITS: usize = 10;

/// The result of a parser that may need more input, as in httparse:
/// `Partial` means the bytes so far are a valid start but not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    Complete(T),
    Partial,
}

/// Reason a digit run at the start of a frame is not an RFC 6587 MSG-LEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LengthError {
    #[error("length prefix starts with 0")]
    LeadingZero,
    #[error("length prefix starts with {0:#04x}, not a digit")]
    NotADigit(u8),
    #[error("length prefix has more than 10 digits")]
    TooLong,
    #[error("length prefix exceeds 4294967295")]
    TooLarge,
    #[error("length prefix ends with {0:#04x}, not a space")]
    MissingSpace(u8),
}

/// Parses an RFC 6587 § 3.4.1 length prefix (`MSG-LEN SP`) at the start of
/// `input`. Returns the message length and the prefix length in octets, or
/// `Partial` when `input` ends inside a prefix that is valid so far.
///
/// Lengths above `u32::MAX` are rejected: no syslog message is that long,
/// and skipping that many bytes would lose the rest of the connection.
pub fn parse_length_prefix(input: &[u8]) -> Result<Status<(u32, usize)>, LengthError> {
    match input.first() {
        None => return Ok(Status::Partial),
        Some(b'0') => return Err(LengthError::LeadingZero),
        Some(byte) if !byte.is_ascii_digit() => return Err(LengthError::NotADigit(*byte)),
        Some(_) => {}
    }

    let mut length: u64 = 0;
    for (index, &byte) in input.iter().enumerate() {
        if byte.is_ascii_digit() {
            if index == MAX_LENGTH_DIGITS {
                return Err(LengthError::TooLong);
            }
            length = length * 10 + u64::from(byte - b'0');
            continue;
        }
        if byte != b' ' {
            return Err(LengthError::MissingSpace(byte));
        }
        let length = u32::try_from(length).map_err(|_| LengthError::TooLarge)?;
        return Ok(Status::Complete((length, index + 1)));
    }
    Ok(Status::Partial)
}

/// Returns the message in `datagram` without the RFC 6587 § 3.4.1 length
/// prefix that some senders put in UDP datagrams too (`logger
/// --octet-count --udp`), and `datagram` unchanged otherwise.
///
/// The prefix is taken off only when it is a valid `MSG-LEN SP`, the
/// message after it starts with `<` (a PRI), and MSG-LEN counts exactly the
/// octets after the prefix, not counting trailing CR, LF or NUL. A line
/// that merely starts with a number and a space rarely meets all three.
pub fn strip_datagram_length_prefix(datagram: &[u8]) -> &[u8] {
    let Ok(Status::Complete((length, used))) = parse_length_prefix(datagram) else {
        return datagram;
    };
    let message = &datagram[used..];
    let length = length as usize;
    let exact = message.len() >= length
        && message[length..]
            .iter()
            .all(|byte| matches!(byte, b'\r' | b'\n' | 0));
    if exact && message.first() == Some(&b'<') {
        message
    } else {
        datagram
    }
}

/// The framing a frame arrived in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// RFC 6587 § 3.4.1: a length prefix.
    OctetCounting,
    /// RFC 6587 § 3.4.2: an LF (or NUL) trailer.
    NonTransparent,
}

/// Defects of a delivered frame, all false for a clean frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameFlags {
    /// The frame was longer than the maximum frame size. `data` contains its
    /// first maximum-frame-size octets and the rest was skipped.
    pub oversize: bool,
    /// The stream ended inside the frame, so `data` is what arrived. A last
    /// non-transparent frame without its trailer counts as truncated too.
    pub truncated: bool,
    /// The frame started with a digit but not with a valid length prefix
    /// (such as `12abc` or a 20-digit number), so it was read as a
    /// non-transparent frame, prefix included.
    pub invalid_length: bool,
}

impl FrameFlags {
    pub fn is_clean(&self) -> bool {
        *self == FrameFlags::default()
    }

    /// Returns the defect to record on the event. When a frame has several,
    /// the one that tells most about lost bytes wins: oversize (bytes were
    /// dropped), then truncated (bytes never came), then invalid length
    /// (the bytes are all there, framed by a guess).
    pub fn transport_error(&self) -> Option<TransportError> {
        if self.oversize {
            Some(TransportError::Oversize)
        } else if self.truncated {
            Some(TransportError::Truncated)
        } else if self.invalid_length {
            Some(TransportError::InvalidLength)
        } else {
            None
        }
    }
}

/// One syslog message cut from the stream, without its framing (no length
/// prefix, no trailer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub data: &'a [u8],
    pub framing: Framing,
    pub flags: FrameFlags,
}

/// Settings of a [`FrameDecoder`].
#[derive(Clone, Debug)]
pub struct DecoderConfig {
    /// Maximum frame size in octets. Longer frames are cut to this size.
    pub max_frame_size: usize,
    /// Whether NUL ends a non-transparent frame as LF does. On by default
    /// because some senders use it; turn it off if messages contain NUL.
    pub nul_trailer: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            nul_trailer: true,
        }
    }
}

/// Totals over every frame a decoder delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameCounters {
    /// Frames delivered, flagged or not.
    pub frames: u64,
    pub oversize: u64,
    /// Frames cut short by the end of the stream, including an announced
    /// octet-counted frame whose body never arrived (delivered as nothing).
    pub truncated: u64,
    pub invalid_length: u64,
}

impl FrameCounters {
    fn count(&mut self, flags: FrameFlags) {
        self.oversize += u64::from(flags.oversize);
        self.truncated += u64::from(flags.truncated);
        self.invalid_length += u64::from(flags.invalid_length);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between frames, after `spaces` spaces.
    Idle { spaces: usize },
    /// Inside a length prefix; the digits so far are in the buffer.
    Length { spaces: usize },
    /// Reading `remaining` more octets of an octet-counted frame, then
    /// skipping `excess` octets beyond the maximum frame size.
    Counted { remaining: usize, excess: u64 },
    /// Skipping the excess of an oversize octet-counted frame.
    SkipCounted { remaining: u64 },
    /// Inside a non-transparent frame.
    Delimited { invalid_length: bool },
    /// Skipping the excess of an oversize non-transparent frame.
    SkipDelimited,
}

/// A streaming RFC 6587 decoder for one TCP connection.
pub struct FrameDecoder {
    config: DecoderConfig,
    state: State,
    /// The unfinished frame, or the unfinished length prefix.
    buffer: Vec<u8>,
    counters: FrameCounters,
    /// Whether the last frame ended with NUL.
    ended_with_nul: bool,
    /// Whether the current non-transparent frame ends only at NUL, LF
    /// being part of the message (see the module documentation).
    nul_framed: bool,
}

impl FrameDecoder {
    /// Creates a decoder. A `max_frame_size` below 10 is raised to 10, so
    /// that a length prefix falling back to a non-transparent frame fits.
    pub fn new(mut config: DecoderConfig) -> FrameDecoder {
        config.max_frame_size = config.max_frame_size.max(MAX_LENGTH_DIGITS);
        FrameDecoder {
            config,
            state: State::Idle { spaces: 0 },
            buffer: Vec::new(),
            counters: FrameCounters::default(),
            ended_with_nul: false,
            nul_framed: false,
        }
    }

    pub fn counters(&self) -> FrameCounters {
        self.counters
    }

    /// Returns the number of octets held for an unfinished frame. It never
    /// exceeds the maximum frame size.
    pub fn buffered_len(&self) -> usize {
        self.buffer.len()
    }

    /// Returns whether the decoder is between frames, so that closing the
    /// stream now loses nothing.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle { .. }) && self.buffer.is_empty()
    }

    /// Decodes `input`, the next bytes of the stream, and calls `on_frame`
    /// for every frame it completes. Bytes of an unfinished frame are kept
    /// for the next call.
    pub fn feed(&mut self, mut input: &[u8], on_frame: &mut impl FnMut(Frame<'_>)) {
        while !input.is_empty() {
            input = match self.state {
                State::Idle { spaces } => self.decode_idle(input, spaces),
                State::Length { spaces } => self.decode_length(input, spaces),
                State::Counted { remaining, excess } => {
                    self.decode_counted(input, remaining, excess, on_frame)
                }
                State::SkipCounted { remaining } => self.skip_counted(input, remaining),
                State::Delimited { invalid_length } => {
                    self.decode_delimited(input, invalid_length, on_frame)
                }
                State::SkipDelimited => self.skip_delimited(input),
            };
        }
    }

    /// Ends the stream: delivers the unfinished frame, if any, flagged as
    /// truncated, and resets the decoder for a new stream.
    ///
    /// The partial frame is delivered rather than dropped because an
    /// operator would rather see the start of a message, marked as cut, than
    /// lose it. Senders that close after a last line without LF are common.
    pub fn finish(&mut self, on_frame: &mut impl FnMut(Frame<'_>)) {
        let truncated = FrameFlags {
            truncated: true,
            ..FrameFlags::default()
        };
        match self.state {
            State::Idle { .. } | State::SkipCounted { .. } | State::SkipDelimited => {}
            State::Length { .. } => {
                let flags = FrameFlags {
                    invalid_length: true,
                    ..truncated
                };
                self.emit_buffer(Framing::NonTransparent, flags, on_frame);
            }
            State::Counted { excess, .. } => {
                let flags = FrameFlags {
                    oversize: excess > 0,
                    ..truncated
                };
                if self.buffer.is_empty() {
                    self.counters.count(flags);
                } else {
                    self.emit_buffer(Framing::OctetCounting, flags, on_frame);
                }
            }
            State::Delimited { invalid_length } => {
                let flags = FrameFlags {
                    invalid_length,
                    ..truncated
                };
                strip_cr(&mut self.buffer);
                self.emit_buffer(Framing::NonTransparent, flags, on_frame);
            }
        }
        self.buffer.clear();
        self.state = State::Idle { spaces: 0 };
        self.ended_with_nul = false;
        self.nul_framed = false;
    }

    /// Returns whether `byte` ends a non-transparent frame: LF unless the
    /// frame is NUL-framed, and NUL when it is a trailer.
    fn is_trailer(&self, byte: u8) -> bool {
        (byte == b'\n' && !self.nul_framed) || (byte == 0 && self.config.nul_trailer)
    }

    fn emit_buffer(
        &mut self,
        framing: Framing,
        flags: FrameFlags,
        on_frame: &mut impl FnMut(Frame<'_>),
    ) {
        self.counters.frames += 1;
        self.counters.count(flags);
        on_frame(Frame {
            data: &self.buffer,
            framing,
            flags,
        });
        self.buffer.clear();
    }

    fn emit_slice(
        &mut self,
        data: &[u8],
        framing: Framing,
        flags: FrameFlags,
        on_frame: &mut impl FnMut(Frame<'_>),
    ) {
        self.counters.frames += 1;
        self.counters.count(flags);
        on_frame(Frame {
            data,
            framing,
            flags,
        });
    }

    /// Skips spaces and empty frames, then picks the framing from the first
    /// byte of the next frame.
    fn decode_idle<'i>(&mut self, input: &'i [u8], spaces: usize) -> &'i [u8] {
        let byte = input[0];
        if byte == b' ' {
            self.state = State::Idle {
                spaces: spaces.saturating_add(1),
            };
            return &input[1..];
        }
        if byte == b'\r' || byte == b'\n' || self.is_trailer(byte) {
            // An LF between frames means the sender ends frames with LF
            // (some write `NUL LF`), so the next frame ends at LF as well.
            if byte == b'\n' {
                self.ended_with_nul = false;
            }
            self.state = State::Idle { spaces: 0 };
            return &input[1..];
        }
        self.nul_framed = self.ended_with_nul && byte == b'<';
        self.ended_with_nul = false;
        if byte.is_ascii_digit() {
            self.state = State::Length { spaces };
            return input;
        }

        // A message starts with its PRI (RFC 5424 § 6, RFC 3164 § 4.1), so
        // spaces before `<` separate frames. Before anything else they may
        // be the message's own text, so they are kept.
        if byte != b'<' {
            self.push_spaces(spaces);
        }
        self.state = State::Delimited {
            invalid_length: false,
        };
        input
    }

    fn push_spaces(&mut self, spaces: usize) {
        let kept = spaces.min(self.config.max_frame_size);
        self.buffer.resize(self.buffer.len() + kept, b' ');
    }

    fn decode_length<'i>(&mut self, input: &'i [u8], spaces: usize) -> &'i [u8] {
        // Without buffered digits the prefix is parsed in place; it is
        // copied only when a read ends inside it.
        if self.buffer.is_empty() {
            return match parse_length_prefix(input) {
                Ok(Status::Complete((length, used))) => {
                    self.start_counted(length);
                    &input[used..]
                }
                Ok(Status::Partial) => {
                    self.buffer.extend_from_slice(input);
                    &[]
                }
                Err(_) => {
                    self.fall_back_to_delimited(spaces);
                    input
                }
            };
        }

        self.buffer.push(input[0]);
        match parse_length_prefix(&self.buffer) {
            Ok(Status::Complete((length, _))) => {
                self.buffer.clear();
                self.start_counted(length);
                &input[1..]
            }
            Ok(Status::Partial) => &input[1..],
            Err(_) => {
                // The byte that broke the prefix may be a trailer, so it is
                // decoded again as part of the non-transparent frame.
                self.buffer.pop();
                self.fall_back_to_delimited(spaces);
                input
            }
        }
    }

    /// Reads the frame whose length prefix was invalid as a non-transparent
    /// frame, keeping the prefix bytes, because such input is more often an
    /// unframed line starting with digits (a date, a sequence number) than
    /// a broken length.
    fn fall_back_to_delimited(&mut self, spaces: usize) {
        log::debug!("framing: invalid length prefix, reading the frame up to its trailer");
        let digits = core::mem::take(&mut self.buffer);
        let room = self.config.max_frame_size - digits.len();
        self.push_spaces(spaces.min(room));
        self.buffer.extend_from_slice(&digits);
        self.state = State::Delimited {
            invalid_length: true,
        };
    }

    fn start_counted(&mut self, length: u32) {
        let length = length as usize;
        let kept = length.min(self.config.max_frame_size);
        self.state = State::Counted {
            remaining: kept,
            excess: (length - kept) as u64,
        };
    }

    fn decode_counted<'i>(
        &mut self,
        input: &'i [u8],
        remaining: usize,
        excess: u64,
        on_frame: &mut impl FnMut(Frame<'_>),
    ) -> &'i [u8] {
        let flags = FrameFlags {
            oversize: excess > 0,
            ..FrameFlags::default()
        };
        let next = if excess > 0 {
            State::SkipCounted { remaining: excess }
        } else {
            State::Idle { spaces: 0 }
        };

        if self.buffer.is_empty() && input.len() >= remaining {
            self.emit_slice(&input[..remaining], Framing::OctetCounting, flags, on_frame);
            self.state = next;
            return &input[remaining..];
        }

        let taken = remaining.min(input.len());
        self.buffer.extend_from_slice(&input[..taken]);
        if taken == remaining {
            self.emit_buffer(Framing::OctetCounting, flags, on_frame);
            self.state = next;
        } else {
            self.state = State::Counted {
                remaining: remaining - taken,
                excess,
            };
        }
        &input[taken..]
    }

    fn skip_counted<'i>(&mut self, input: &'i [u8], remaining: u64) -> &'i [u8] {
        let skipped = remaining.min(input.len() as u64);
        let remaining = remaining - skipped;
        self.state = if remaining == 0 {
            State::Idle { spaces: 0 }
        } else {
            State::SkipCounted { remaining }
        };
        &input[skipped as usize..]
    }

    fn decode_delimited<'i>(
        &mut self,
        input: &'i [u8],
        invalid_length: bool,
        on_frame: &mut impl FnMut(Frame<'_>),
    ) -> &'i [u8] {
        let max = self.config.max_frame_size;
        let room = max.saturating_sub(self.buffer.len());
        let trailer = input.iter().position(|&byte| self.is_trailer(byte));
        let mut flags = FrameFlags {
            invalid_length,
            ..FrameFlags::default()
        };

        match trailer {
            Some(end) if end <= room => {
                self.ended_with_nul = input[end] == 0;
                if self.buffer.is_empty() {
                    let data = without_cr(&input[..end]);
                    self.emit_slice(data, Framing::NonTransparent, flags, on_frame);
                } else {
                    self.buffer.extend_from_slice(&input[..end]);
                    strip_cr(&mut self.buffer);
                    self.emit_buffer(Framing::NonTransparent, flags, on_frame);
                }
                self.state = State::Idle { spaces: 0 };
                &input[end + 1..]
            }
            None if input.len() <= room => {
                self.buffer.extend_from_slice(input);
                &[]
            }
            _ => {
                // No trailer within the maximum frame size: deliver the
                // head and skip to the next trailer, which may be many
                // reads away. Spaces and digits kept from before the frame
                // can overfill the buffer, hence the truncation.
                self.buffer.extend_from_slice(&input[..room]);
                self.buffer.truncate(max);
                flags.oversize = true;
                self.emit_buffer(Framing::NonTransparent, flags, on_frame);
                // Skipping to the next NUL could pass over many LF-framed
                // messages if the NUL before this frame was a stray byte.
                self.nul_framed = false;
                self.state = State::SkipDelimited;
                &input[room..]
            }
        }
    }

    fn skip_delimited<'i>(&mut self, input: &'i [u8]) -> &'i [u8] {
        match input.iter().position(|&byte| self.is_trailer(byte)) {
            Some(end) => {
                self.state = State::Idle { spaces: 0 };
                &input[end + 1..]
            }
            None => &[],
        }
    }
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DecoderConfig::default())
    }
}

fn without_cr(data: &[u8]) -> &[u8] {
    data.strip_suffix(b"\r").unwrap_or(data)
}

fn strip_cr(buffer: &mut Vec<u8>) {
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
}

#[cfg(test)]
mod tests;
