// net.js — the WebSocket connection to the server: binary frames through protocol.js, the
// connection's state (connecting, open, closed with a reason in words), and the ping
// measurement (Ping/Pong every couple of seconds, which also keeps an idle connection from
// timing out).
//
// Owns: the socket, the round-trip time and resuming: when the connection drops, it opens a
// new socket and presents the session token (Resume instead of Hello) until the server's grace
// period runs out, so the player keeps its seat. Must not: know about rooms, the game or the DOM.
// A frame that does not decode closes the connection with a reason rather than being skipped.

import { CLOSE_CODES, PROTOCOL_VERSION, decodeServer, encodeClient } from "./protocol.js";

const PING_INTERVAL_MS = 2000;
// Pauses between attempts to resume; the last one repeats until the grace period is over.
const RESUME_DELAYS_MS = [250, 1000, 2000];
// Ends after which resuming is pointless: the server threw the connection out on purpose.
const FINAL_CLOSE_CODES = new Set([
  CLOSE_CODES.NORMAL,
  CLOSE_CODES.UNSUPPORTED_DATA,
  CLOSE_CODES.INVALID_PAYLOAD,
  CLOSE_CODES.MESSAGE_TOO_BIG,
  CLOSE_CODES.VERSION_MISMATCH,
  CLOSE_CODES.BAD_NAME,
  CLOSE_CODES.HANDSHAKE_REQUIRED,
  CLOSE_CODES.TRY_AGAIN_LATER,
  CLOSE_CODES.TOO_SLOW,
  CLOSE_CODES.FLOODING,
  CLOSE_CODES.UNAUTHORIZED,
  CLOSE_CODES.BAD_SESSION_TOKEN,
  CLOSE_CODES.REPLACED,
]);

/** The reason a connection ended, in words, from its close code (`CloseCode` in src/protocol/codes.rs). */
export function describeClose(code, reason) {
  const detail = reason ? ` (${reason})` : "";
  switch (code) {
    case CLOSE_CODES.NORMAL:
      return `The server closed the connection${detail}.`;
    case CLOSE_CODES.GOING_AWAY:
      return "The server is shutting down.";
    case CLOSE_CODES.UNSUPPORTED_DATA:
      return "The server refused a message it cannot read (a text frame).";
    case CLOSE_CODES.INVALID_PAYLOAD:
      return `The server could not decode a message from this page${detail}.`;
    case CLOSE_CODES.MESSAGE_TOO_BIG:
      return "This page sent a message larger than the server accepts.";
    case CLOSE_CODES.VERSION_MISMATCH:
      return "This page speaks another protocol version than the server: reload the page.";
    case CLOSE_CODES.BAD_NAME:
      return `The server refused the name${detail}.`;
    case CLOSE_CODES.HANDSHAKE_REQUIRED:
      return "The server expected a greeting (Hello) first.";
    case CLOSE_CODES.TIMEOUT:
      return "The server heard nothing from this page for too long (timed out).";
    case CLOSE_CODES.TRY_AGAIN_LATER:
      return "The server is full: try again later.";
    case CLOSE_CODES.TOO_SLOW:
      return "This page fell too far behind the game.";
    case CLOSE_CODES.FLOODING:
      return "This page sent too many messages.";
    case CLOSE_CODES.UNAUTHORIZED:
      return `The server needs a valid join token${detail}.`;
    case CLOSE_CODES.BAD_SESSION_TOKEN:
      return "The game could not be resumed: it had already ended.";
    case CLOSE_CODES.REPLACED:
      return "The game continues in another tab or window.";
    case CLOSE_CODES.HANDSHAKE_TIMEOUT:
      return "The connection was too slow to say hello to the server.";
    case 1006:
      return "The connection was lost: the server is down or unreachable.";
    default:
      return `The connection closed with code ${code}${detail}.`;
  }
}

export function defaultServerUrl(location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

export class Connection {
  /**
   * @param url the /ws address
   * @param handlers { onOpen(), onMessage(msg), onClose(description), onResuming(description)? }
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.state = "connecting";
    /** The round trip smoothed, for timing inputs; and the latest one, for showing. */
    this.rttMs = null;
    this.lastRttMs = null;
    this.closedByUs = false;
    this.pingTimer = null;
    // From SessionToken: { token, resumableUntil (performance.now() ms) } or null.
    this.session = null;
    this.resumeAttempt = 0;
    this.open();
  }

  open() {
    this.socket = new WebSocket(this.url);
    this.socket.binaryType = "arraybuffer";
    const socket = this.socket;
    socket.addEventListener("open", () => this.opened());
    socket.addEventListener("message", (event) => this.received(event));
    socket.addEventListener("close", (event) => {
      if (socket === this.socket) this.closed(event.code, event.reason);
    });
  }

  opened() {
    const resuming = this.state === "resuming";
    this.state = "open";
    if (resuming) {
      this.send({ type: "Resume", protocol: PROTOCOL_VERSION, token: this.session.token });
    } else {
      this.handlers.onOpen();
    }
    this.ping();
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  received(event) {
    if (!(event.data instanceof ArrayBuffer)) {
      this.fail("The server sent a text frame; only binary messages are expected.");
      return;
    }
    let msg;
    try {
      msg = decodeServer(event.data);
    } catch (error) {
      this.fail(`A message from the server did not decode: ${error.message}`);
      return;
    }
    if (msg.type === "Pong") {
      const sample = performance.now() - Number(msg.t) / 1000;
      this.rttMs = this.rttMs === null ? sample : this.rttMs + (sample - this.rttMs) * 0.3;
      this.lastRttMs = sample;
      return;
    }
    if (msg.type === "SessionToken") {
      this.session = { token: msg.token, graceMs: msg.grace_ms };
      this.resumeAttempt = 0;
      return;
    }
    this.handlers.onMessage(msg);
  }

  ping() {
    this.send({ type: "Ping", t: BigInt(Math.round(performance.now() * 1000)) });
  }

  send(msg) {
    if (this.state !== "open") return false;
    this.socket.send(encodeClient(msg));
    return true;
  }

  /** Closes on purpose; the description is what the page shows. */
  fail(description) {
    this.finish(description);
    this.socket.close(1000, "client closed");
  }

  close() {
    this.closedByUs = true;
    this.finish("You left.");
    this.socket.close(1000, "client closed");
  }

  closed(code, reason) {
    if (this.resume(code)) return;
    this.finish(describeClose(code, reason));
  }

  /** After an unplanned end, tries again with the session token while the seat is kept. */
  resume(code) {
    if (this.closedByUs || this.state === "closed" || !this.session || FINAL_CLOSE_CODES.has(code)) {
      return false;
    }
    const now = performance.now();
    if (this.state !== "resuming") {
      this.session.resumableUntil = now + this.session.graceMs;
    }
    const delay = RESUME_DELAYS_MS[Math.min(this.resumeAttempt, RESUME_DELAYS_MS.length - 1)];
    if (now + delay >= this.session.resumableUntil) return false;
    this.resumeAttempt += 1;
    this.state = "resuming";
    clearInterval(this.pingTimer);
    this.handlers.onResuming?.("Connection lost: reconnecting…");
    setTimeout(() => {
      if (this.state === "resuming") this.open();
    }, delay);
    return true;
  }

  finish(description) {
    if (this.state === "closed") return;
    this.state = "closed";
    clearInterval(this.pingTimer);
    this.handlers.onClose(description);
  }
}
