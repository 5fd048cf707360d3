// net.js — the WebSocket connection to the server: binary frames through protocol.js, the
// connection's state (connecting, open, closed with a reason in words), and the ping
// measurement (Ping/Pong every couple of seconds, which also keeps an idle connection from
// timing out).
//
// Owns: the socket, the round-trip time, resuming and redirects. When the connection drops, it
// opens a new socket and presents the session token (Resume instead of Hello) until the server's
// grace period runs out, so the player keeps its seat. When a node of a cluster answers
// `Redirect` (the room is on another node), it opens a socket to that node and presents the
// ticket (Redeem instead of Hello; or Resume with it, when a Resume went to the wrong node).
// Must not: know about rooms, the game or the DOM.
// A frame that does not decode closes the connection with a reason rather than being skipped.

import { CLOSE_CODES, PROTOCOL_VERSION, decodeServer, encodeClient } from "./protocol.js";

const PING_INTERVAL_MS = 2000;
// Pauses between attempts to resume; the last one repeats until the grace period is over.
const RESUME_DELAYS_MS = [250, 1000, 2000];
// Redirects followed in a row before the page gives up: nodes whose directories disagree for a
// moment can send a player back and forth, never for long.
const MAX_REDIRECTS = 3;
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
  CLOSE_CODES.BAD_TICKET,
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
    case CLOSE_CODES.BAD_TICKET:
      return "The move to another server failed: its ticket was refused.";
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
    this.redirects = 0;
    this.open(null);
  }

  /** A new socket to `this.url`; `greeting` is its first message (null: the page's `onOpen`). */
  open(greeting) {
    this.greeting = greeting;
    this.socket = new WebSocket(this.url);
    this.socket.binaryType = "arraybuffer";
    const socket = this.socket;
    // A socket left for another (a redirect) may still deliver; only the current one counts.
    socket.addEventListener("open", () => {
      if (socket === this.socket) this.opened();
    });
    socket.addEventListener("message", (event) => {
      if (socket === this.socket) this.received(event);
    });
    socket.addEventListener("close", (event) => {
      if (socket === this.socket) this.closed(event.code, event.reason);
    });
  }

  opened() {
    if (this.state === "closed") return;
    this.state = "open";
    if (this.greeting) {
      this.send(this.greeting);
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
    if (msg.type === "Redirect") {
      this.follow(msg);
      return;
    }
    if (msg.type !== "Welcome") this.redirects = 0;
    this.handlers.onMessage(msg);
  }

  /** Goes to the node that holds the room (or, for a Resume, the seat); this one is left. */
  follow({ url, ticket }) {
    this.redirects += 1;
    if (this.redirects > MAX_REDIRECTS) {
      this.fail(`The servers sent this page on more than ${MAX_REDIRECTS} times in a row.`);
      return;
    }
    const resuming = this.greeting?.type === "Resume";
    const greeting = resuming
      ? { type: "Resume", protocol: PROTOCOL_VERSION, token: ticket }
      : { type: "Redeem", protocol: PROTOCOL_VERSION, ticket };
    // A redeemed ticket makes a new session on the other node, which sends its own token.
    if (!resuming) this.session = null;
    const left = this.socket;
    this.url = url;
    this.state = "connecting";
    clearInterval(this.pingTimer);
    this.open(greeting);
    left.close(1000, "redirected");
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
      if (this.state === "resuming") {
        this.open({ type: "Resume", protocol: PROTOCOL_VERSION, token: this.session.token });
      }
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
