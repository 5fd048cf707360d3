// Checks the resuming and redirects in client/net.js against a stand-in WebSocket: after a drop
// the connection opens a new socket and presents its session token; a refusal or a deliberate
// close ends it; a Redirect moves it to another node with the ticket. Run with
// `node --test client/` (cargo test --test client_js runs it).

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
  close(code) {
    this.closedWith = code;
  }
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

test("a redirect moves the connection to the other node with its ticket", async () => {
  const { connection, events, first } = connected();
  first.receive({ type: "Redirect", url: "ws://other/ws", ticket: "t1" });
  assert.equal(first.closedWith, 1000, "the first node is left");
  assert.equal(FakeSocket.made.length, 2);
  const second = FakeSocket.made[1];
  assert.equal(second.url, "ws://other/ws");
  first.receive({ type: "RoomList", rooms: [] });
  assert.equal(events.messages.length, 0, "the left socket's late messages are not the page's");
  second.fire("open");
  assert.deepEqual(second.sent[0], { type: "Redeem", protocol: PROTOCOL_VERSION, ticket: "t1" });
  const welcome = { protocol: PROTOCOL_VERSION, player_id: 9, tick_rate: 30, max_message_bytes: 4096 };
  second.receive({ type: "Welcome", ...welcome });
  second.receive({ type: "SessionToken", token: "other.tok", grace_ms: 15000 });
  assert.equal(events.messages[0].type, "Welcome");

  second.fire("close", { code: 1006, reason: "" });
  await waitFor(() => FakeSocket.made.length === 3);
  const third = FakeSocket.made[2];
  assert.equal(third.url, "ws://other/ws", "a resume goes to the node that issued the token");
  third.fire("open");
  assert.deepEqual(third.sent[0], { type: "Resume", protocol: PROTOCOL_VERSION, token: "other.tok" });
  connection.close();
});

test("a resume sent to the wrong node is sent again where the redirect says", async () => {
  const { connection, first } = connected();
  first.fire("close", { code: 1006, reason: "" });
  await waitFor(() => FakeSocket.made.length === 2);
  const wrong = FakeSocket.made[1];
  wrong.fire("open");
  wrong.receive({ type: "Redirect", url: "ws://holder/ws", ticket: "abc" });
  const holder = FakeSocket.made[2];
  assert.equal(holder.url, "ws://holder/ws");
  holder.fire("open");
  assert.deepEqual(holder.sent[0], { type: "Resume", protocol: PROTOCOL_VERSION, token: "abc" });
  wrong.fire("close", { code: 1000, reason: "" });
  assert.equal(connection.state, "open", "the left socket's close is not the connection's");
  connection.close();
});

test("redirects without end, or a refused ticket, end the connection with words", () => {
  const { events, first } = connected();
  let socket = first;
  for (let hop = 0; hop < 4; hop += 1) {
    socket.receive({ type: "Redirect", url: `ws://n${hop}/ws`, ticket: "t" });
    socket = FakeSocket.made.at(-1);
    socket.fire("open");
  }
  assert.match(events.closed, /more than 3 times/);

  const refused = connected();
  refused.first.receive({ type: "Redirect", url: "ws://other/ws", ticket: "t" });
  FakeSocket.made[1].fire("close", { code: CLOSE_CODES.BAD_TICKET, reason: "" });
  assert.match(refused.events.closed, /ticket was refused/);
  assert.equal(FakeSocket.made.length, 2, "a refused ticket is not retried");
});
