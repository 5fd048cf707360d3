//! Just enough of RFC 6455 for a frugal client: the HTTP upgrade, masked client frames written
//! into a caller's buffer, and server frames parsed in place. No allocation per frame.
//!
//! Knows nothing about Skirmish. Refuses what a Skirmish server never sends: extensions
//! (reserved bits), masked server frames and fragmented messages.

use std::ops::Range;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};

pub const OPCODE_CONTINUATION: u8 = 0x0;
pub const OPCODE_TEXT: u8 = 0x1;
pub const OPCODE_BINARY: u8 = 0x2;
pub const OPCODE_CLOSE: u8 = 0x8;
pub const OPCODE_PING: u8 = 0x9;
pub const OPCODE_PONG: u8 = 0xA;

/// The longest upgrade response accepted.
const MAX_RESPONSE_HEAD: usize = 8 * 1024;

/// One complete frame at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub opcode: u8,
    /// Where the payload lies in the parsed buffer.
    pub payload: Range<usize>,
    /// Header and payload: how many bytes to consume.
    pub len: usize,
}

/// Why a server's bytes are not a frame this client can handle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("reserved bits set (no extension was negotiated)")]
    ReservedBits,
    #[error("the server masked a frame")]
    MaskedByServer,
    #[error("fragmented messages are not supported")]
    Fragmented,
    #[error("frame of {0} bytes is over the limit of {1}")]
    TooLarge(u64, usize),
}

/// Parses the frame at the start of `buf`: `Ok(None)` while it is incomplete. A frame whose
/// payload exceeds `max_payload` is refused as soon as its header is in.
pub fn parse(buf: &[u8], max_payload: usize) -> Result<Option<Frame>, FrameError> {
    let [first, second, ..] = *buf else {
        return Ok(None);
    };
    if first & 0x70 != 0 {
        return Err(FrameError::ReservedBits);
    }
    if second & 0x80 != 0 {
        return Err(FrameError::MaskedByServer);
    }
    let opcode = first & 0x0F;
    if first & 0x80 == 0 || opcode == OPCODE_CONTINUATION {
        return Err(FrameError::Fragmented);
    }
    let (payload_len, header) = match second & 0x7F {
        126 => match buf.get(2..4) {
            Some(bytes) => (u64::from(u16::from_be_bytes([bytes[0], bytes[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(bytes) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(bytes);
                (u64::from_be_bytes(be), 10)
            }
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    if payload_len > max_payload as u64 {
        return Err(FrameError::TooLarge(payload_len, max_payload));
    }
    let len = header + payload_len as usize;
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some(Frame {
        opcode,
        payload: header..len,
        len,
    }))
}

/// How many bytes the frame starting `buf` needs in all, once its header is in.
pub fn needed(buf: &[u8]) -> Option<usize> {
    let second = *buf.get(1)?;
    match second & 0x7F {
        126 => buf
            .get(2..4)
            .map(|b| 4 + usize::from(u16::from_be_bytes([b[0], b[1]]))),
        127 => buf.get(2..10).map(|b| {
            let mut be = [0u8; 8];
            be.copy_from_slice(b);
            10usize.saturating_add(usize::try_from(u64::from_be_bytes(be)).unwrap_or(usize::MAX))
        }),
        short => Some(2 + usize::from(short)),
    }
}

/// Appends one final client frame to `out`, masked with `mask` as RFC 6455 requires of clients.
pub fn write_masked(opcode: u8, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(
        payload
            .iter()
            .zip(mask.iter().cycle())
            .map(|(byte, key)| byte ^ key),
    );
}

/// Sends the upgrade request for `path` on a connected stream and reads the response into
/// `buf` (from index 0). Returns the number of bytes of `buf` that follow the response head
/// (frames the server sent at once), moved to the start of `buf`.
pub async fn upgrade(
    stream: &TcpStream,
    host: &str,
    path: &str,
    buf: &mut [u8],
) -> Result<usize, String> {
    let key = generate_key();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    write_all(stream, request.as_bytes())
        .await
        .map_err(|e| format!("sending the upgrade request: {e}"))?;
    let mut filled = 0;
    loop {
        if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            check_upgrade_response(&buf[..end], &derive_accept_key(key.as_bytes()))?;
            let head = end + 4;
            buf.copy_within(head..filled, 0);
            return Ok(filled - head);
        }
        if filled == buf.len() || filled >= MAX_RESPONSE_HEAD {
            return Err("the upgrade response head is too long".into());
        }
        let n = read_some(stream, &mut buf[filled..])
            .await
            .map_err(|e| format!("reading the upgrade response: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection during the upgrade".into());
        }
        filled += n;
    }
}

fn check_upgrade_response(head: &[u8], accept: &str) -> Result<(), String> {
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 101") {
        return Err(format!("the server refused the upgrade: {status:?}"));
    }
    let accepted = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("sec-websocket-accept") && value.trim() == accept
        })
    });
    if accepted {
        Ok(())
    } else {
        Err("the upgrade response lacks the right Sec-WebSocket-Accept".into())
    }
}

/// Waits until the stream is readable and reads once (0: the peer closed). Cancel-safe: if
/// dropped while waiting, nothing was read.
pub async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            done => return done,
        }
    }
}

/// Writes all of `bytes`. Not cancel-safe (a dropped call may leave half a frame written).
pub async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match stream.try_write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => stream.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_length_forms_and_waits_for_the_rest() {
        let short = [0x82, 3, 1, 2, 3, 0x89];
        assert_eq!(
            parse(&short, 1 << 20),
            Ok(Some(Frame {
                opcode: OPCODE_BINARY,
                payload: 2..5,
                len: 5
            }))
        );
        assert_eq!(parse(&short[..4], 1 << 20), Ok(None));
        assert_eq!(parse(&short[5..], 1 << 20), Ok(None));

        let mut medium = vec![0x82, 126, 0x01, 0x00];
        medium.extend(std::iter::repeat_n(7, 256));
        let frame = parse(&medium, 1 << 20).expect("valid").expect("complete");
        assert_eq!((frame.payload, frame.len), (4..260, 260));
        assert_eq!(needed(&medium[..4]), Some(260));
        assert_eq!(parse(&medium[..259], 1 << 20), Ok(None));

        let mut long = vec![0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0];
        long.extend(std::iter::repeat_n(0, 65536));
        let frame = parse(&long, 1 << 20).expect("valid").expect("complete");
        assert_eq!((frame.payload, frame.len), (10..65546, 65546));
    }

    #[test]
    fn refuses_what_a_server_must_not_send() {
        assert_eq!(parse(&[0xC2, 0], 100), Err(FrameError::ReservedBits));
        assert_eq!(parse(&[0x82, 0x80], 100), Err(FrameError::MaskedByServer));
        assert_eq!(parse(&[0x02, 0], 100), Err(FrameError::Fragmented));
        assert_eq!(parse(&[0x80, 0], 100), Err(FrameError::Fragmented));
        assert_eq!(
            parse(&[0x82, 126, 0x10, 0x00], 100),
            Err(FrameError::TooLarge(4096, 100))
        );
    }

    #[test]
    fn masked_frames_unmask_to_the_payload() {
        let mut out = Vec::new();
        let mask = [0x11, 0x22, 0x33, 0x44];
        write_masked(OPCODE_BINARY, b"hello", mask, &mut out);
        assert_eq!(&out[..6], [0x82, 0x85, 0x11, 0x22, 0x33, 0x44]);
        let unmasked: Vec<u8> = out[6..]
            .iter()
            .zip(mask.iter().cycle())
            .map(|(b, k)| b ^ k)
            .collect();
        assert_eq!(unmasked, b"hello");

        let mut out = Vec::new();
        write_masked(OPCODE_BINARY, &[0; 300], mask, &mut out);
        assert_eq!(&out[..4], [0x82, 0x80 | 126, 0x01, 0x2C]);
        assert_eq!(out.len(), 4 + 4 + 300);
    }

    #[test]
    fn checks_the_accept_header() {
        let accept = derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        let good = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nsec-websocket-accept: {accept}");
        assert!(check_upgrade_response(good.as_bytes(), &accept).is_ok());
        let wrong = "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: nope";
        assert!(check_upgrade_response(wrong.as_bytes(), &accept).is_err());
        let refused = format!("HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Accept: {accept}");
        assert!(check_upgrade_response(refused.as_bytes(), &accept).is_err());
    }
}
