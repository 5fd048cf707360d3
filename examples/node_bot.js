#!/usr/bin/env node
// A Skirmish bot in one Node.js file, written from PROTOCOL.md alone.
//
// It plays the arena (mode "arena", PROTOCOL.md section 10). It connects, says Hello,
// quick-joins an arena room (or joins the room with --code), following the server to another
// node of a cluster when it answers with a Redirect (section 4.11), then plays: it runs towards
// the nearest living enemy, aims at it and shoots when the line is clear of walls, steers around
// walls, and wanders when alone. It prints what it does. A room of another game (a code can
// lead anywhere) it says it cannot play, and leaves.
//
//   npm ci --prefix examples        (installs ws 8.23.0 from examples/package-lock.json)
//   node examples/node_bot.js --url ws://127.0.0.1:8080/ws [--code CODE] [--seconds N]

"use strict";

const PROTOCOL_VERSION = 5;
// The one game this bot plays (RoomInfo.mode), and the error a server sends when it does not
// run a mode asked for.
const MODE = "arena";
const UNKNOWN_MODE = 18;
// Further behind its schedule than this many ticks (a stalled process), the bot skips ahead
// instead of sending a burst: the server consumes one input per tick.
const MAX_BEHIND_TICKS = 5;
// A join sent on from node to node more often than this is given up (a cluster in a loop).
const MAX_REDIRECTS = 3;
// The largest frame the bot accepts from a server.
const MAX_FRAME_BYTES = 1 << 20;

// Message tags (u32 at offset 0).
const C = { HELLO: 0, JOIN_BY_CODE: 4, QUICK_JOIN: 5, LEAVE_ROOM: 6, INPUT: 7, REDEEM: 13 };
const S = {
  WELCOME: 0, ERROR: 1, JOINED: 3, LEFT: 4, PLAYER_JOINED: 5, PLAYER_LEFT: 6,
  SNAPSHOT: 7, GAME_EVENT: 8, CHAT: 9, PONG: 10, ROOM_CLOSED: 11, REDIRECT: 14,
};
// The arena's events (GameEvent.event: a u32 variant tag, then its fields).
const ARENA_KILL = 0;
const MOVE_UP = 1, MOVE_DOWN = 2, MOVE_LEFT = 4, MOVE_RIGHT = 8;
const PLAYER_ALIVE = 1;
const POSITION_SCALE = 16;
const HEADING_STEPS = 65536;
const MAX_SLOTS = 100;
// 2-bit codes of a snapshot's change map.
const MOVED = 1, STATE = 2, GONE = 3;

// ---- the envelope, encoding: little-endian fixed ints, u32 enum tags, u64 string lengths ----

function encodeString(text) {
  const bytes = Buffer.from(text, "utf8");
  const out = Buffer.alloc(8 + bytes.length);
  out.writeBigUInt64LE(BigInt(bytes.length), 0);
  bytes.copy(out, 8);
  return out;
}

function tag(value) {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value, 0);
  return out;
}

// A tag and the protocol version: how Hello and Redeem begin.
function handshake(value) {
  const head = Buffer.alloc(6);
  head.writeUInt32LE(value, 0);
  head.writeUInt16LE(PROTOCOL_VERSION, 4);
  return head;
}

const encodeHello = (name) => Buffer.concat([handshake(C.HELLO), encodeString(name)]);
// The first message to the node a Redirect names, instead of Hello.
const encodeRedeem = (ticket) => Buffer.concat([handshake(C.REDEEM), encodeString(ticket)]);

const encodeJoinByCode = (code) => Buffer.concat([tag(C.JOIN_BY_CODE), encodeString(code)]);
const encodeQuickJoin = (mode = MODE) => Buffer.concat([tag(C.QUICK_JOIN), encodeString(mode)]);
const encodeLeaveRoom = () => tag(C.LEAVE_ROOM);

// Input is packed by hand: tag, seq, then the mode's input payload to the end of the frame
// (no length prefix).
function encodeInput(seq, payload) {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(C.INPUT, 0);
  head.writeUInt32LE(seq, 4);
  return Buffer.concat([head, payload]);
}

// The arena's input payload, 10 bytes. `renderTick`: the tick of the world the bot decided on
// (its newest snapshot's), which the server uses to test the bot's shots against the players
// where the bot saw them.
function encodeArenaInput(movement, aim, fire, renderTick) {
  const out = Buffer.alloc(10);
  out.writeUInt8(movement, 0);
  out.writeFloatLE(aim, 1);
  out.writeUInt8(fire ? 1 : 0, 5);
  out.writeUInt32LE(renderTick, 6);
  return out;
}

// ---- decoding ----

class Reader {
  constructor(buf) { this.buf = buf; this.at = 0; }
  need(n) { if (this.at + n > this.buf.length) throw new Error("message ends early"); }
  u8() { this.need(1); return this.buf.readUInt8(this.at++); }
  i8() { this.need(1); return this.buf.readInt8(this.at++); }
  u16() { this.need(2); const v = this.buf.readUInt16LE(this.at); this.at += 2; return v; }
  u32() { this.need(4); const v = this.buf.readUInt32LE(this.at); this.at += 4; return v; }
  f32() { this.need(4); const v = this.buf.readFloatLE(this.at); this.at += 4; return v; }
  bytes(n) { this.need(n); this.at += n; return this.buf.subarray(this.at - n, this.at); }
  i32() { this.need(4); const v = this.buf.readInt32LE(this.at); this.at += 4; return v; }
  u64() { this.need(8); const v = this.buf.readBigUInt64LE(this.at); this.at += 8; return v; }
  bool() {
    const v = this.u8();
    if (v > 1) throw new Error(`a bool is 0 or 1, not ${v}`);
    return v === 1;
  }
  count(itemSize) {
    const n = this.u64();
    if (n * BigInt(itemSize) > BigInt(this.buf.length - this.at)) throw new Error("list runs past the end");
    return Number(n);
  }
  string() {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytesField());
  }
  // A `bytes` field: u64 length, then that many raw bytes (a payload of the mode).
  bytesField() { return Buffer.from(this.bytes(this.count(1))); }
  // Everything left in the frame (a payload that runs to its end).
  rest() { return Buffer.from(this.bytes(this.buf.length - this.at)); }
  end(what = "the message") {
    if (this.at !== this.buf.length) throw new Error(`bytes left over after ${what}`);
  }
}

function readRoomInfo(r) {
  return { id: r.u32(), name: r.string(), mode: r.string(), players: r.u8(), capacity: r.u8(), public: r.bool(), bots: r.u8() };
}

function readRosterEntry(r) {
  const slot = r.u8(), playerId = r.u32(), name = r.string();
  const score = repeat(r.count(4), () => r.i32()); // arena: [kills, deaths]
  return { slot, playerId, name, score, bot: r.bool() };
}

function repeat(n, read) {
  const items = [];
  for (let i = 0; i < n; i++) items.push(read());
  return items;
}

// ---- the arena's payloads (PROTOCOL.md section 10) ----

// Joined.setup of an arena room.
function decodeArenaSetup(data) {
  const r = new Reader(data);
  const width = r.u16(), height = r.u16();
  const walls = repeat(r.count(8), () => ({ x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16() }));
  const setup = {
    width, height, walls,
    playerRadius: r.f32(), playerSpeed: r.f32(), bulletRadius: r.f32(), bulletSpeed: r.f32(), maxHp: r.u8(),
    fireCooldownTicks: r.u16(), bulletRange: r.f32(), spawnProtectionTicks: r.u16(),
  };
  r.end("the arena's setup");
  return setup;
}

// GameEvent.event of an arena room: the only event is Kill.
function decodeArenaEvent(data) {
  const r = new Reader(data);
  const kind = r.u32();
  if (kind !== ARENA_KILL) throw new Error(`unknown arena event ${kind}`);
  const event = { event: "kill", killer: r.u8(), victim: r.u8(), respawnTick: r.u32() };
  r.end("the arena's Kill event");
  return event;
}

// A snapshot body of an arena room: the changes against its baseline, not yet applied to any
// state.
function decodeArenaBody(data) {
  const r = new Reader(data);
  const slotCount = r.u8();
  if (slotCount > MAX_SLOTS) throw new Error(`snapshot describes ${slotCount} slots, more than ${MAX_SLOTS}`);
  const changeMap = r.bytes(Math.ceil(slotCount / 4));
  const players = [];
  for (let slot = 0; slot < slotCount; slot++) {
    const code = (changeMap[slot >> 2] >> ((slot & 3) * 2)) & 3;
    if (code === MOVED) players.push({ change: "moved", slot, dx: r.i8(), dy: r.i8() });
    else if (code === STATE) {
      players.push({ change: "state", slot, x: r.u16(), y: r.u16(), aim: r.u8(), hp: r.u8(), flags: r.u8() });
    } else if (code === GONE) players.push({ change: "gone", slot });
  }
  const addedBullets = repeat(r.u16(), () => ({ id: r.u16(), owner: r.u8(), x: r.u16(), y: r.u16(), heading: r.u16() }));
  const removedBullets = repeat(r.u16(), () => r.u16());
  r.end("the snapshot");
  return { players, addedBullets, removedBullets };
}

// A whole Snapshot frame of an arena room: the header's fields and the decoded body.
function decodeArenaSnapshot(buf) {
  const msg = decode(buf);
  if (msg.tag !== S.SNAPSHOT) throw new Error(`message ${msg.tag} is not a snapshot`);
  return { ...msg, ...decodeArenaBody(msg.body) };
}

// ---- the envelope, decoding ----

// The fields of one server message (after its tag); payloads (setup, event, snapshot body)
// stay bytes: which codec reads them depends on the room's mode.
function readFields(t, r) {
  switch (t) {
    case S.WELCOME: {
      const fields = { protocol: r.u16(), playerId: r.u32(), tickRate: r.u16() };
      r.u32(); // max_message_bytes
      return fields;
    }
    case S.ERROR: return { code: r.u16(), message: r.string() };
    case S.JOINED: {
      const room = readRoomInfo(r);
      const code = r.string();
      const you = r.u8();
      const tick = r.u32();
      const setup = r.bytesField();
      const roster = repeat(r.count(22), () => readRosterEntry(r));
      return { room, code, you, tick, setup, roster };
    }
    // Packed by hand: a 13-byte header, then the mode's body to the end of the frame.
    case S.SNAPSHOT: return { tick: r.u32(), ack: r.u32(), baselineAge: r.u8(), body: r.rest() };
    case S.LEFT: return { room: r.u32() };
    case S.PLAYER_JOINED: return { player: readRosterEntry(r) };
    case S.PLAYER_LEFT: return { slot: r.u8() };
    case S.GAME_EVENT: return { tick: r.u32(), event: r.bytesField() };
    case S.CHAT: return { tick: r.u32(), from: r.u8(), text: r.string() };
    case S.PONG: return { t: r.u64() };
    case S.ROOM_CLOSED: return { reason: r.string() };
    case S.REDIRECT: return { url: r.string(), ticket: r.string() };
    default: return null;
  }
}

// One server message as { tag, ...fields }.
function decode(buf) {
  const r = new Reader(buf);
  const t = r.u32();
  const fields = readFields(t, r);
  if (fields === null) return { tag: t }; // a message this bot does not read (SessionToken, ...)
  r.end();
  return { tag: t, ...fields };
}

// What to tell the user about a room of a game this bot cannot play, or null.
function cannotPlay(room) {
  if (room.mode === MODE) return null;
  return `room ${room.id} "${room.name}" runs the game "${room.mode}", which this bot cannot play (it plays only "${MODE}")`;
}

// ---- room state: what the snapshots so far add up to ----

// The room state after `snap`, given the state after the previous one (null before the first).
// Positions stay in 1/16 units. Throws if the snapshot does not fit.
function applySnapshot(state, snap) {
  const { tick, baselineAge } = snap;
  const baselineTick = (tick - baselineAge) >>> 0; // ticks are u32
  let players, bullets;
  if (baselineAge === 0) {
    players = new Map();
    bullets = new Map();
  } else if (state === null || state.tick !== baselineTick) {
    const had = state === null ? "no state" : `the state of tick ${state.tick}`;
    throw new Error(`snapshot ${tick} changes tick ${baselineTick}, but we have ${had}`);
  } else {
    players = new Map(state.players);
    bullets = new Map(state.bullets);
  }
  for (const change of snap.players) {
    const { slot } = change;
    const player = players.get(slot);
    if (change.change === "state") {
      const { x, y, aim, hp, flags } = change;
      players.set(slot, { x, y, aim, hp, flags });
    } else if (player === undefined) {
      throw new Error(`snapshot ${tick}: slot ${slot} is ${change.change} but was empty`);
    } else if (change.change === "gone") {
      players.delete(slot);
    } else {
      const x = player.x + change.dx, y = player.y + change.dy;
      if (x < 0 || x > 0xffff || y < 0 || y > 0xffff) throw new Error(`snapshot ${tick}: slot ${slot} moves off the u16 range`);
      players.set(slot, { ...player, x, y });
    }
  }
  for (const id of snap.removedBullets) {
    if (!bullets.delete(id)) throw new Error(`snapshot ${tick} removes bullet ${id}, which is not in flight`);
  }
  for (const { id, owner, x, y, heading } of snap.addedBullets) {
    if (bullets.has(id)) throw new Error(`snapshot ${tick} adds bullet ${id}, which is in flight`);
    bullets.set(id, { owner, x, y, heading, since: tick });
  }
  return { tick, players, bullets };
}

// Where a bullet of the room state is at `tick`, in world units, and its heading in radians:
// it flies straight from (x, y), where it was at tick `since`.
function bulletPosition(bullet, tick, bulletSpeed, tickRate) {
  const heading = (bullet.heading / HEADING_STEPS) * 2 * Math.PI;
  const flown = (bulletSpeed * (tick - bullet.since)) / tickRate;
  return {
    x: bullet.x / POSITION_SCALE + Math.cos(heading) * flown,
    y: bullet.y / POSITION_SCALE + Math.sin(heading) * flown,
    heading,
  };
}

// ---- geometry: walls are axis-aligned rectangles ----

function blocked(walls, x, y, margin) {
  return walls.some((w) => w.x - margin < x && x < w.x + w.w + margin && w.y - margin < y && y < w.y + w.h + margin);
}

function lineClear(walls, x0, y0, x1, y1, margin) {
  const steps = Math.max(1, Math.floor(Math.hypot(x1 - x0, y1 - y0) / 6));
  for (let i = 0; i <= steps; i++) {
    if (blocked(walls, x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, margin)) return false;
  }
  return true;
}

function movementBits(angle) {
  const dx = Math.cos(angle), dy = Math.sin(angle);
  let bits = 0;
  if (dx > 0.38) bits |= MOVE_RIGHT;
  else if (dx < -0.38) bits |= MOVE_LEFT;
  if (dy > 0.38) bits |= MOVE_DOWN; // +y is down on screen
  else if (dy < -0.38) bits |= MOVE_UP;
  return bits;
}

class Bot {
  constructor(name) {
    this.name = name;
    this.you = null;
    this.setup = null;
    this.roster = new Map();
    this.tickRate = null;
    this.joinedTick = 0;
    this.state = null; // the room state after the last snapshot; null until the first one
    this.players = new Map(); // the state's players in world units, for deciding
    this.ack = 0;
    this.seq = 0;
    this.aim = 0;
    this.wander = Math.random() * 2 * Math.PI;
    this.wanderUntil = 0;
    this.lastReport = 0;
  }

  say(line) { console.log(`${this.name}: ${line}`); }

  nameOf(slot) { return this.roster.has(slot) ? this.roster.get(slot).name : `slot ${slot}`; }

  // Takes in Joined. False (after saying so) when the room runs a game this bot cannot play:
  // then it must not decode the room's payloads, and leaves.
  joined(msg) {
    const problem = cannotPlay(msg.room);
    if (problem !== null) {
      this.say(`${problem}; leaving the room`);
      return false;
    }
    this.you = msg.you;
    this.joinedTick = msg.tick;
    this.setup = decodeArenaSetup(msg.setup);
    this.roster = new Map();
    for (const entry of msg.roster) this.roster.set(entry.slot, entry);
    this.forgetRoomState();
    this.say(`joined room ${msg.room.id} "${msg.room.name}" (code ${msg.code}) as slot ${msg.you}, ` +
      `${msg.roster.length - 1} other player(s)`);
    return true;
  }

  // The scoreboard: [name, kills, deaths] by slot.
  scores() {
    const board = new Map();
    for (const slot of [...this.roster.keys()].sort((a, b) => a - b)) {
      const { name, score } = this.roster.get(slot);
      board.set(slot, [name, ...score.slice(0, 2)]);
    }
    return board;
  }

  // The tick of the newest snapshot (the bot draws nothing, so that is what it saw).
  renderTick() { return this.state !== null ? this.state.tick : this.joinedTick; }

  // Outside a room there is no state; in a new one the first snapshot is a full one.
  forgetRoomState() {
    this.state = null;
    this.players = new Map();
    this.ack = 0;
  }

  // Takes in one message; throws for a snapshot that does not fit our state.
  observe(msg) {
    switch (msg.tag) {
      case S.SNAPSHOT:
        this.state = applySnapshot(this.state, { ...msg, ...decodeArenaBody(msg.body) });
        this.ack = msg.ack;
        this.players = new Map();
        for (const [slot, p] of this.state.players) {
          this.players.set(slot, { x: p.x / POSITION_SCALE, y: p.y / POSITION_SCALE, alive: (p.flags & PLAYER_ALIVE) !== 0 });
        }
        break;
      case S.LEFT: case S.ROOM_CLOSED: this.forgetRoomState(); break;
      case S.PLAYER_JOINED: this.roster.set(msg.player.slot, msg.player); this.say(`${msg.player.name} joined`); break;
      case S.PLAYER_LEFT: this.say(`${this.nameOf(msg.slot)} left`); this.roster.delete(msg.slot); break;
      case S.GAME_EVENT: {
        const { killer, victim } = decodeArenaEvent(msg.event);
        // The server sends no roster updates: clients count kills and deaths themselves.
        for (const [slot, index] of [[killer, 0], [victim, 1]]) {
          const score = this.roster.has(slot) ? this.roster.get(slot).score : [];
          if (score.length > index) score[index] += 1;
        }
        if (killer === this.you) this.say(`shot ${this.nameOf(victim)}`);
        if (victim === this.you) this.say(`killed by ${this.nameOf(killer)}`);
        break;
      }
      case S.ERROR: this.say(`server error ${msg.code}: ${msg.message}`); break;
      default: break;
    }
  }

  // { movement, aim, fire } for the current state.
  decide() {
    const me = this.players.get(this.you);
    if (!me || !me.alive) return { movement: 0, aim: this.aim, fire: false };
    const { walls } = this.setup;
    let nearest = null;
    for (const [slot, p] of this.players) {
      if (slot === this.you || !p.alive) continue;
      const distance = Math.hypot(p.x - me.x, p.y - me.y);
      if (!nearest || distance < nearest.distance) nearest = { slot, p, distance };
    }
    let heading;
    let fire = false;
    let doing;
    if (nearest) {
      this.aim = Math.atan2(nearest.p.y - me.y, nearest.p.x - me.x);
      const clear = lineClear(walls, me.x, me.y, nearest.p.x, nearest.p.y, this.setup.bulletRadius);
      fire = clear && nearest.distance < this.setup.bulletSpeed * 1.2;
      heading = nearest.distance > this.setup.playerRadius * 8 || !clear ? this.aim : this.aim + Math.PI / 2;
      doing = `chasing ${this.nameOf(nearest.slot)} at ${nearest.distance.toFixed(0)} units${fire ? ", firing" : ""}`;
    } else {
      const now = Date.now();
      if (now > this.wanderUntil) {
        this.wander = Math.random() * 2 * Math.PI;
        this.wanderUntil = now + 2000;
      }
      heading = this.aim = this.wander;
      doing = "alone, wandering";
    }
    const dodge = this.dodge(me.x, me.y);
    if (dodge !== null) {
      heading = dodge;
      doing += ", dodging a bullet";
    }
    heading = this.steer(me.x, me.y, heading);
    this.report(`at (${me.x.toFixed(0)}, ${me.y.toFixed(0)}), ${doing}; input ${this.ack} of ${this.seq} applied`);
    return { movement: heading === null ? 0 : movementBits(heading), aim: this.aim, fire };
  }

  // A heading that steps out of the way of an enemy bullet arriving within half a second, or null.
  dodge(x, y) {
    const s = this.setup;
    const reach = s.playerRadius + s.bulletRadius + 2;
    for (const bullet of this.state.bullets.values()) {
      if (bullet.owner === this.you) continue;
      const b = bulletPosition(bullet, this.state.tick, s.bulletSpeed, this.tickRate);
      const along = (x - b.x) * Math.cos(b.heading) + (y - b.y) * Math.sin(b.heading);
      const across = (y - b.y) * Math.cos(b.heading) - (x - b.x) * Math.sin(b.heading);
      if (along > 0 && along < s.bulletSpeed * 0.5 && Math.abs(across) < reach) {
        return b.heading + (across < 0 ? -Math.PI / 2 : Math.PI / 2);
      }
    }
    return null;
  }

  // The heading closest to the wanted one whose next step is clear of walls and edges.
  steer(x, y, heading) {
    const s = this.setup;
    const ahead = s.playerRadius + s.playerSpeed * 0.15;
    const margin = s.playerRadius - 1;
    for (const turn of [0, 1, -1, 2, -2, 3, -3, 4]) {
      const angle = heading + (turn * Math.PI) / 4;
      let free = true;
      for (const k of [1, 2, 3, 4]) {
        const px = x + (Math.cos(angle) * ahead * k) / 4;
        const py = y + (Math.sin(angle) * ahead * k) / 4;
        const inside = margin < px && px < s.width - margin && margin < py && py < s.height - margin;
        if (!inside || blocked(s.walls, px, py, margin)) { free = false; break; }
      }
      if (free) {
        if (turn !== 0) this.wander = angle;
        return angle;
      }
    }
    return null;
  }

  report(line) {
    const now = Date.now();
    if (now - this.lastReport >= 1000) {
      this.lastReport = now;
      this.say(line);
    }
  }
}

function parseArgs(argv) {
  const args = { url: "ws://127.0.0.1:8080/ws", code: null, name: "node-bot", seconds: null };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--url": args.url = value; i++; break;
      case "--code": args.code = value; i++; break;
      case "--name": args.name = value; i++; break;
      case "--seconds": args.seconds = Number(value); i++; break;
      default:
        console.error("usage: node node_bot.js [--url ws://HOST:PORT/ws] [--code CODE] [--name NAME] [--seconds N]");
        process.exit(2);
    }
  }
  return args;
}

function main() {
  const WebSocket = require("ws"); // only to play: the codec and its tests need nothing
  const args = parseArgs(process.argv.slice(2));
  const bot = new Bot(args.name);
  let ws = null; // the connection the bot plays on (a Redirect replaces it)
  let redirects = 0;
  let unplayable = null; // why the room joined cannot be played, once it is known
  let inputs = null;
  let stop = null;
  let stage = "handshake";

  // Opens the bot's connection, whose first message is `first` (Hello, or Redeem after a
  // Redirect); the events of a connection it replaced are no longer the bot's.
  const open = (url, first) => {
    const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES });
    socket.on("open", () => socket.send(first));
    socket.on("message", (data, isBinary) => { if (socket === ws) onMessage(data, isBinary); });
    socket.on("close", (code, reason) => { if (socket === ws) onClose(code, reason); });
    socket.on("error", (err) => { if (socket === ws) onError(err); });
    ws = socket;
  };

  // The room is on another node of a cluster (or a new one is placed there): that node carries
  // the join out once given the ticket instead of Hello.
  const follow = ({ url, ticket }) => {
    if (redirects === MAX_REDIRECTS) {
      console.error(`${args.name}: redirected more than ${MAX_REDIRECTS} times, giving up`);
      process.exitCode = 1;
      ws.close();
      return;
    }
    redirects += 1;
    bot.say(`redirected to ${url}`);
    stage = "redeeming";
    // The first connection stays in its node's lobby, with nothing left to do: close it.
    const previous = ws;
    open(url, encodeRedeem(ticket));
    previous.close(1000);
  };

  const onMessage = (data, isBinary) => {
    if (!isBinary) return;
    let msg;
    let playable = false;
    try {
      msg = decode(data);
      if (stage === "playing") bot.observe(msg);
      if (stage === "joining" && msg.tag === S.JOINED) playable = bot.joined(msg);
    } catch (err) {
      console.error(`${args.name}: protocol error: ${err.message}`);
      process.exitCode = 1;
      clearTimeout(inputs);
      ws.close(1002, "protocol error");
      return;
    }
    if (stage !== "playing" && msg.tag === S.ERROR && msg.code === UNKNOWN_MODE) {
      console.error(`${args.name}: this server does not run the game "${MODE}", the only one this bot plays: ${msg.message}`);
      process.exitCode = 1;
      ws.close();
    } else if (stage !== "playing" && msg.tag === S.ERROR) {
      console.error(`${args.name}: server refused: error ${msg.code}: ${msg.message}`);
      process.exitCode = 1;
      ws.close();
    } else if ((stage === "handshake" || stage === "redeeming") && msg.tag === S.WELCOME) {
      bot.say(`welcomed as player ${msg.playerId}, ${msg.tickRate} ticks per second`);
      bot.tickRate = msg.tickRate;
      // After a Redeem, the node carries out the join its ticket holds by itself.
      if (stage === "handshake") ws.send(args.code ? encodeJoinByCode(args.code) : encodeQuickJoin());
      stage = "joining";
    } else if (stage === "joining" && msg.tag === S.REDIRECT) {
      follow(msg);
    } else if (stage === "joining" && msg.tag === S.JOINED && !playable) {
      // A room of another game (a code can lead to any room): leave it, reading its messages
      // with the envelope only, and end with the reason.
      unplayable = cannotPlay(msg.room);
      stage = "leaving";
      ws.send(encodeLeaveRoom());
    } else if (stage === "leaving" && (msg.tag === S.LEFT || msg.tag === S.ROOM_CLOSED)) {
      bot.say("back in the lobby");
      console.error(`${args.name}: ${unplayable}`);
      process.exitCode = 1;
      ws.close();
    } else if (stage === "joining" && msg.tag === S.JOINED) {
      stage = "playing";
      // One input per server tick, on a fixed schedule (a timer re-armed after each send would
      // drift slower than the server's clock).
      const period = 1000 / bot.tickRate;
      let due = performance.now();
      const send = () => {
        const { movement, aim, fire } = bot.decide();
        bot.seq += 1;
        ws.send(encodeInput(bot.seq, encodeArenaInput(movement, aim, fire, bot.renderTick())));
        due += period;
        const now = performance.now();
        if (now - due > MAX_BEHIND_TICKS * period) due = now;
        inputs = setTimeout(send, Math.max(0, due - now));
      };
      send();
    } else if (stage === "playing" && (msg.tag === S.LEFT || msg.tag === S.ROOM_CLOSED)) {
      bot.say("back in the lobby");
      ws.close();
    }
  };
  const onClose = (code, reason) => {
    clearTimeout(inputs);
    clearTimeout(stop);
    if (code !== 1000 && code !== 1005) {
      console.error(`${args.name}: connection closed: ${code} ${reason}`);
      process.exitCode = 1;
    }
  };
  const onError = (err) => {
    console.error(`${args.name}: ${err.message}`);
    process.exitCode = 1;
  };

  open(args.url, encodeHello(args.name));
  if (args.seconds !== null) {
    stop = setTimeout(() => {
      if (stage === "leaving") return;
      bot.say(`${args.seconds} seconds are up, leaving`);
      clearTimeout(inputs);
      // A close alone keeps the seat for the reconnect grace: leave the room first.
      ws.send(encodeLeaveRoom());
      ws.close(1000);
    }, args.seconds * 1000);
  }
}

if (require.main === module) main();

module.exports = {
  PROTOCOL_VERSION, MODE, S, PLAYER_ALIVE, Bot, cannotPlay,
  encodeHello, encodeRedeem, encodeQuickJoin, encodeJoinByCode, encodeLeaveRoom, encodeInput, encodeArenaInput,
  decode, decodeArenaSetup, decodeArenaEvent, decodeArenaBody, decodeArenaSnapshot, applySnapshot, bulletPosition,
};
