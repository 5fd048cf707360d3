// net.js — the WebSocket connection to the server: binary frames through protocol.js, the
// connection's state (connecting, open, closed with a reason in words), and the ping
// measurement (Ping/Pong every couple of seconds, which also keeps an idle connection from
// timing out).
//
// Owns: the socket and the round-trip time. Must not: know about rooms, the game or the DOM.
// A frame that does not decode closes the connection with a reason rather than being skipped.

import { CLOSE_CODES, decodeServer, encodeClient } from "./protocol.js";

const PING_INTERVAL_MS = 2000;

/** The reason a connection ended, in words, from its close code (src/protocol.rs close_code). */
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
   * @param handlers { onOpen(), onMessage(msg), onClose(description) }
   */
  constructor(url, handlers) {
    this.handlers = handlers;
    this.state = "connecting";
    this.rttMs = null;
    this.closedByUs = false;
    this.socket = new WebSocket(url);
    this.socket.binaryType = "arraybuffer";
    this.socket.addEventListener("open", () => this.opened());
    this.socket.addEventListener("message", (event) => this.received(event));
    this.socket.addEventListener("close", (event) => this.closed(event.code, event.reason));
    this.pingTimer = null;
  }

  opened() {
    this.state = "open";
    this.handlers.onOpen();
    this.ping();
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
    this.finish(describeClose(code, reason));
  }

  finish(description) {
    if (this.state === "closed") return;
    this.state = "closed";
    clearInterval(this.pingTimer);
    this.handlers.onClose(description);
  }
}
