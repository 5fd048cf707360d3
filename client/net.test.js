// Checks the resuming in client/net.js against a stand-in WebSocket: after a drop the
// connection opens a new socket and presents its session token; a refusal or a deliberate close
// ends it. Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { Connection } from "./net.js";
import { CLOSE_CODES, decodeClient, encodeServer, PROTOCOL_VERSION } from "./protocol.js";

class FakeSocket {
  static made = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.listeners = {};
    FakeSocket.made.push(this);
  }
  addEventListener(kind, listener) {
    this.listeners[kind] = listener;
  }
  send(bytes) {
    this.sent.push(decodeClient(bytes));
  }
  close() {}
  fire(kind, event = {}) {
    this.listeners[kind]?.(event);
  }
  receive(msg) {
    const bytes = encodeServer(msg);
    this.fire("message", { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
  }
}
globalThis.WebSocket = FakeSocket;

const waitFor = async (check) => {
  for (let i = 0; i < 200 && !check(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(check(), "in time");
};

function connected() {
  FakeSocket.made = [];
  const events = { closed: null, resuming: 0, messages: [] };
  const connection = new Connection("ws://test/ws", {
    onOpen: () => connection.send({ type: "Hello", protocol: PROTOCOL_VERSION, name: "ada" }),
    onMessage: (msg) => events.messages.push(msg),
    onClose: (description) => (events.closed = description),
    onResuming: () => (events.resuming += 1),
  });
  const first = FakeSocket.made[0];
  first.fire("open");
  first.receive({ type: "SessionToken", token: "abc", grace_ms: 15000 });
  return { connection, events, first };
}

test("a dropped connection resumes with its session token", async () => {
  const { connection, events, first } = connected();
  assert.equal(first.sent[0].type, "Hello");
  assert.ok(events.messages.every((m) => m.type !== "SessionToken"), "the token stays in net.js");
  first.fire("close", { code: 1006, reason: "" });
  assert.equal(events.closed, null, "not closed: resuming");
  assert.equal(events.resuming, 1);
  await waitFor(() => FakeSocket.made.length === 2);
  const second = FakeSocket.made[1];
  second.fire("open");
  assert.deepEqual(second.sent[0], { type: "Resume", protocol: PROTOCOL_VERSION, token: "abc" });
  assert.equal(connection.state, "open");
  connection.close();
});

test("a refused resume or a deliberate close ends the connection", async () => {
  const { events, first } = connected();
  first.fire("close", { code: 1006, reason: "" });
  await waitFor(() => FakeSocket.made.length === 2);
  FakeSocket.made[1].fire("close", { code: CLOSE_CODES.BAD_SESSION_TOKEN, reason: "" });
  assert.match(events.closed, /could not be resumed/);

  const other = connected();
  other.connection.close();
  other.first.fire("close", { code: 1000, reason: "" });
  assert.equal(other.events.closed, "You left.");
  assert.equal(FakeSocket.made.length, 1, "no new socket after leaving");
});
