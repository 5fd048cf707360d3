//! What lies under HTTP on every accepted connection, plain or TLS: the per-IP connection
//! limits (for every HTTP connection, not only `/ws`), the socket options, and a thin layer
//! over the byte stream that
//!
//! - stops reading a connection's requests while its responses are not being taken (a write
//!   that would block pauses reading until a write succeeds again), and reads at most
//!   `READ_AHEAD` bytes beyond the requests the server has taken up, so that a client that
//!   pipelines requests, reading its answers or not, costs a bounded amount of memory (the
//!   HTTP/1 dispatcher parses every request it has read into a queue, without a bound);
//! - counts the bytes handed to the socket, so that a session can tell how much of what it
//!   wrote the client has taken (with the kernel's send queue, `ConnectionMeter`);
//! - closes promptly but without losing the end: on shutdown it sends FIN at once, then reads
//!   and drops what the client still sends until the client has acknowledged everything (or
//!   closed, or `CLOSING_DRAIN` passed). Closing a socket with unread data resets the
//!   connection, and a reset destroys what the client has not read yet, such as a close frame.
//!
//! The HTTP layer above sees the connection's `ConnectionMeter` in its connection data: it
//! refuses requests on a connection over the per-IP limits, and caps requests per connection.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::limits::{ConnectionPermit, IpLimiter, IpRefusal};

mod frames;

use frames::FrameScan;

/// Requests one HTTP connection may make; the last is answered with `Connection: close`.
pub const MAX_REQUESTS_PER_CONNECTION: u32 = 1000;
/// Bytes of requests read ahead of those being answered (pipelined); a longer request head
/// than this is not read (browsers send a few kilobytes at most).
const READ_AHEAD: u64 = 8 * 1024;

/// The longest a closing connection waits for its client to take the rest.
const CLOSING_DRAIN: Duration = Duration::from_secs(2);
/// How often a closing connection looks whether the client has taken the rest.
const CLOSING_CHECK: Duration = Duration::from_millis(20);

/// What the HTTP layer and a session know of their connection (in the connection data).
pub struct ConnectionMeter {
    fd: RawFd,
    /// Bytes the layer above handed to the socket (for TLS: plaintext handed to the TLS layer).
    written: Cell<u64>,
    /// Why the connection is over the per-IP limits, if it is: its requests are refused.
    pub refused: Option<IpRefusal>,
    requests: Cell<u32>,
    /// Bytes read, and the length of the requests taken up (at least the bytes they took).
    read: Cell<u64>,
    taken: Cell<u64>,
    /// Upgraded to a WebSocket: read without the request bound.
    upgraded: Cell<bool>,
    /// The client's frame headers since the upgrade.
    frames: std::cell::RefCell<FrameScan>,
    reader: Cell<Option<Waker>>,
    /// A write would have blocked: reading, and answering more requests, wait for a write to
    /// succeed.
    write_blocked: Cell<bool>,
    answerer: Cell<Option<Waker>>,
}

impl ConnectionMeter {
    /// Bytes handed to the socket so far.
    pub fn written(&self) -> u64 {
        self.written.get()
    }

    /// Of the bytes handed to the socket, those the client has not acknowledged yet: the
    /// kernel's send queue (`SIOCOUTQ`). 0 where that cannot be read.
    pub fn unacknowledged(&self) -> u64 {
        unacknowledged_bytes(self.fd)
    }

    /// Counts one more request, whose head (and body) took `bytes` or more: reading goes on
    /// beyond them. False once the connection has made its maximum.
    pub fn count_request(&self, bytes: u64) -> bool {
        self.taken.set(self.taken.get() + bytes);
        self.wake_reader();
        let made = self.requests.get().saturating_add(1);
        self.requests.set(made);
        made <= MAX_REQUESTS_PER_CONNECTION
    }

    /// The connection is a WebSocket now: its frames are read as they come.
    pub fn upgraded(&self) {
        self.upgraded.set(true);
        self.wake_reader();
    }

    /// Whether a client frame since the upgrade had a reserved bit (RSV1–RSV3) set.
    pub fn reserved_bits_seen(&self) -> bool {
        self.frames.borrow().reserved_bits
    }

    /// How many bytes may be read now.
    fn allowance(&self) -> usize {
        if self.upgraded.get() {
            return usize::MAX;
        }
        let ahead = self.read.get().saturating_sub(self.taken.get());
        usize::try_from(READ_AHEAD.saturating_sub(ahead)).unwrap_or(usize::MAX)
    }

    /// Waits until the connection's last write did not block: an answer made while the client
    /// is not taking the previous ones would only wait in memory.
    pub async fn writable(&self) {
        std::future::poll_fn(|cx| {
            if self.write_blocked.get() {
                self.answerer.set(Some(cx.waker().clone()));
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    }

    fn wake_reader(&self) {
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
    }

    /// Whether this request is the last this connection may make.
    pub fn is_last_request(&self) -> bool {
        self.requests.get() >= MAX_REQUESTS_PER_CONNECTION
    }
}

#[cfg(target_os = "linux")]
fn unacknowledged_bytes(fd: RawFd) -> u64 {
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (= TIOCOUTQ) writes one int through the pointer; a closed or reused
    // descriptor fails or answers for another socket, never writes elsewhere.
    let done = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut queued) };
    if done == 0 {
        u64::try_from(queued).unwrap_or(0)
    } else {
        0
    }
}

#[cfg(not(target_os = "linux"))]
fn unacknowledged_bytes(_fd: RawFd) -> u64 {
    0
}

/// One accepted connection's byte stream, with the read pause and the byte count.
pub struct Transport<T> {
    io: T,
    meter: Rc<ConnectionMeter>,
    /// Holds the connection's place in the per-IP limits until it closes.
    _permit: Option<ConnectionPermit>,
    /// Set once the write side is shut: until when to wait, and the timer of the next look.
    closing: Option<(Instant, Pin<Box<tokio::time::Sleep>>)>,
}

impl<T> Transport<T> {
    pub fn meter(&self) -> Rc<ConnectionMeter> {
        self.meter.clone()
    }

    fn wrote(&self, bytes: usize) {
        let meter = &self.meter;
        meter.written.set(meter.written.get() + bytes as u64);
        if bytes > 0 && meter.write_blocked.replace(false) {
            meter.wake_reader();
            if let Some(waker) = meter.answerer.take() {
                waker.wake();
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Transport<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let allowance = self.meter.allowance();
        if self.meter.write_blocked.get() || allowance == 0 {
            self.meter.reader.set(Some(cx.waker().clone()));
            return Poll::Pending;
        }
        let mut limited = buf.take(allowance);
        let polled = Pin::new(&mut self.io).poll_read(cx, &mut limited);
        let read = limited.filled().len();
        // SAFETY: `limited` is the start of `buf`'s unfilled part, and the read filled `read`
        // bytes of it.
        unsafe { buf.assume_init(read) };
        buf.advance(read);
        let meter = &self.meter;
        meter.read.set(meter.read.get() + read as u64);
        if meter.upgraded.get() {
            let filled = buf.filled();
            meter
                .frames
                .borrow_mut()
                .scan(&filled[filled.len() - read..]);
        }
        polled
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Transport<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        match &polled {
            Poll::Ready(Ok(n)) => self.wrote(*n),
            Poll::Pending => self.meter.write_blocked.set(true),
            Poll::Ready(Err(_)) => {}
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        match &polled {
            Poll::Ready(Ok(n)) => self.wrote(*n),
            Poll::Pending => self.meter.write_blocked.set(true),
            Poll::Ready(Err(_)) => {}
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.closing.is_none() {
            std::task::ready!(Pin::new(&mut self.io).poll_shutdown(cx))?;
            let now = Instant::now();
            let timer = Box::pin(tokio::time::sleep(CLOSING_CHECK));
            self.closing = Some((now + CLOSING_DRAIN, timer));
        }
        let mut scratch = [0u8; 1024];
        loop {
            let mut dropped = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.io).poll_read(cx, &mut dropped) {
                // The client closed too, or the connection is gone: nothing more to wait for.
                Poll::Ready(Ok(())) if dropped.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {}
                Poll::Pending => break,
            }
        }
        let unacknowledged = self.meter.unacknowledged();
        let Some((deadline, timer)) = self.closing.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let now = Instant::now();
        if unacknowledged == 0 || now >= *deadline {
            return Poll::Ready(Ok(()));
        }
        while timer.as_mut().poll(cx).is_ready() {
            timer.as_mut().reset((now + CLOSING_CHECK).into());
        }
        Poll::Pending
    }
}

/// Prepares a freshly accepted TCP connection: no coalescing of small writes, and the kernel
/// drops it when its data stays unacknowledged (also behind a zero window: a client that
/// stopped reading) for `timeout`. A stalled client stalls its session too (actix-web stops
/// polling a response body it cannot write), so the session's own heartbeat cannot notice; the
/// kernel can.
pub fn prepare_socket(tcp: &TcpStream, timeout: Duration) {
    if let Err(err) = tcp.set_nodelay(true) {
        log::warn!("cannot set TCP_NODELAY: {err}");
    }
    if let Err(err) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(timeout)) {
        log::warn!("cannot set TCP_USER_TIMEOUT: {err}");
    }
}

/// Wraps `io` (a connection from `peer` on the TCP socket `fd`, possibly TLS over it), counting
/// it against the per-IP limits: a connection over them is kept only to be told so in its
/// first answer. The flag says whether it was refused.
pub fn wrap<T>(
    io: T,
    fd: RawFd,
    peer: Option<SocketAddr>,
    limiter: &Arc<IpLimiter>,
) -> (Transport<T>, bool) {
    let admitted = match peer {
        Some(peer) => limiter.admit(peer.ip(), Instant::now()).map(Some),
        None => Ok(None),
    };
    let (permit, refused) = match admitted {
        Ok(permit) => (permit, None),
        Err(refusal) => (None, Some(refusal)),
    };
    let was_refused = refused.is_some();
    let meter = Rc::new(ConnectionMeter {
        fd,
        written: Cell::new(0),
        refused,
        requests: Cell::new(0),
        read: Cell::new(0),
        taken: Cell::new(0),
        upgraded: Cell::new(false),
        frames: Default::default(),
        reader: Cell::new(None),
        write_blocked: Cell::new(false),
        answerer: Cell::new(None),
    });
    let transport = Transport {
        io,
        meter,
        _permit: permit,
        closing: None,
    };
    (transport, was_refused)
}
