#!/usr/bin/env node
// Offline checks of node_bot.js, no server needed (nor the ws package): its encoders and
// decoders against frames written out by hand from PROTOCOL.md (protocol 4: the envelope and
// the arena's payloads), its room state against a few hand-built snapshots, what it does in a
// room of a game it cannot play, and, when they are there for this protocol version, the golden
// vectors of tests/vectors/.
//
//   node examples/node_bot_test.js      (or: node --test examples/)

"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { describe, it } = require("node:test");

const bot = require("./node_bot.js");

const vectorDir = process.env.SKIRMISH_VECTORS || path.join(__dirname, "..", "tests", "vectors");

// A frame from hex pieces (spaces allowed), as PROTOCOL.md writes them.
const unhex = (...pieces) => Buffer.from(pieces.join("").replaceAll(" ", ""), "hex");

// ---- frames written out by hand from PROTOCOL.md (sections 3, 10 and 15) ----

// The arena's setup of the examples: 1600 × 1000, two walls, radius 15.5, speed 200, bullet
// radius 4, bullet speed 600, 100 hp, cooldown 6, range 1000, protection 53 (53 bytes).
const ARENA_SETUP = unhex(
  "4006 e803", // width 1600, height 1000
  "0200000000000000", // 2 walls
  "0000 0000 4006 1400", "bc02 9001 c800 2800", // (0, 0, 1600, 20), (700, 400, 200, 40)
  "00007841 00004843 00008040 00001644", // 15.5, 200, 4, 600
  "64 0600 00007a44 3500", // 100, 6, 1000, 53
);
const ROOM_CAFE = unhex(
  "2a000000", // id 42
  "0900000000000000 436166c3a920e29895", // name "Café ☕"
  "0500000000000000 6172656e61", // mode "arena"
  "03 64 01 00", // players 3, capacity 100, public, bots 0
);
const ROSTER_TWO = unhex(
  "0200000000000000", // 2 entries
  "00 03000000 0300000000000000 616461", // slot 0, player 3, "ada"
  "0200000000000000 05000000 02000000 00", // score [5, 2], not a bot
  "01 00000000 0700000000000000 426f7420416461", // slot 1, player 0, "Bot Ada"
  "0200000000000000 01000000 00000000 01", // score [1, 0], a bot
);
const JOINED_ARENA = Buffer.concat([
  unhex("03000000"), ROOM_CAFE,
  unhex("0600000000000000 5158374b3250", "02 d2040000"), // code "QX7K2P", you 2, tick 1234
  unhex("3500000000000000"), ARENA_SETUP, // setup: 53 bytes
  ROSTER_TWO,
]);
// Tag's setup of PROTOCOL.md section 11.3 (52 bytes).
const TAG_SETUP = unhex(
  "4006 e803 0200000000000000 0000 0000 4006 1400 bc02 9001 c800 2800",
  "00007841 00004843 00007043 08070000 96000000 1e00 2d00",
);
const JOINED_TAG = Buffer.concat([
  unhex(
    "03000000",
    "07000000 0300000000000000 726f6f", // id 7, name "roo"
    "0300000000000000 746167", // mode "tag"
    "01 08 00 00", // players 1, capacity 8, private, no bots
    "0400000000000000 54414731", // code "TAG1"
    "00 0a000000", // you 0, tick 10
    "3400000000000000", // setup: 52 bytes, tag's
  ),
  TAG_SETUP,
  unhex(
    "0100000000000000 00 05000000 0300000000000000 6a6f65", // slot 0, player 5, "joe"
    "0200000000000000 00000000 00000000 00", // score [0, 0] (points, tags), not a bot
  ),
]);
// The cluster's ticket of PROTOCOL.md section 4.11 (node 00c0ffee00c0ffee, Play{room: 42}, "ada"),
// and the Redirect to node ws://10.0.0.2:8080/ws that carries it (the golden vector
// server_redirect).
const TICKET = "100000000000000030306330666665653030633066666565000000002a00000003000000000000006164" +
  "6100505c18a3010000efcdab8967452301fcbaf38d37d74a2fbccc9131e725a56ec2a70d8ec34094dcd9" +
  "0466954d28c096";
const REDIRECT = Buffer.concat([
  unhex("0e000000", "1500000000000000"), Buffer.from("ws://10.0.0.2:8080/ws"),
  unhex("b600000000000000"), Buffer.from(TICKET),
]);
// GameEvent{tick 1240, Kill{killer 0, victim 1, respawn_tick 1330}} (PROTOCOL.md 10.3).
const GAME_EVENT_KILL = unhex("08000000 d8040000 0a00000000000000 00000000 00 01 32050000");
// The arena snapshots of section 15 (byte for byte protocol 3's).
const SNAPSHOT_FULL = unhex(
  "07000000d30400007600000000062208c832c112406401f4050028e00000c05d4c3d8023010200000000e0330814",
  "0020ffff05805c4c3d00800000",
);
const SNAPSHOT_DELTA = unhex("07000000d4040000770000000108218c75fd800c400b006401c003c0030064010100010000d034c01200c00100ffff");
const SNAPSHOT_EMPTY = unhex("070000000100000000000000000000000000");
const SNAPSHOTS_INVALID = {
  "cut in a player": unhex("07000000d30400007600000000062208c832c112"),
  "101 slots": unhex("0700000001000000000000000065", "00".repeat(26), "00000000"),
  "a trailing byte": Buffer.concat([SNAPSHOT_FULL, Buffer.from([0])]),
};

const snapshot = (tick, baselineAge, players = [], addedBullets = [], removedBullets = []) =>
  ({ tick, ack: 0, baselineAge, players, addedBullets, removedBullets });
const stateChange = (slot, x, y, aim = 0, hp = 100, flags = bot.PLAYER_ALIVE) =>
  ({ change: "state", slot, x, y, aim, hp, flags });
const moved = (slot, dx, dy) => ({ change: "moved", slot, dx, dy });
const gone = (slot) => ({ change: "gone", slot });
const bullet = (id, owner = 0, heading = 0, x = 160, y = 160) => ({ id, owner, x, y, heading });

// A Bot that says nothing, for tests.
function quietBot() {
  const player = new bot.Bot("t");
  player.said = [];
  player.say = (line) => player.said.push(line);
  player.tickRate = 30;
  return player;
}

describe("encoding", () => {
  it("Hello speaks protocol 4", () => {
    assert.deepEqual(bot.encodeHello("ada"), unhex("00000000 0500 0300000000000000 616461"));
  });

  it("QuickJoin names the arena", () => {
    assert.deepEqual(bot.encodeQuickJoin(), unhex("05000000 0500000000000000 6172656e61"));
  });

  it("JoinByCode and LeaveRoom", () => {
    assert.deepEqual(bot.encodeJoinByCode("QX7K2P"), unhex("04000000 0600000000000000 5158374b3250"));
    assert.deepEqual(bot.encodeLeaveRoom(), unhex("06000000"));
  });

  it("Redeem carries the protocol and the ticket", () => {
    assert.deepEqual(bot.encodeRedeem(TICKET), Buffer.concat([unhex("0d000000 0500 b600000000000000"), Buffer.from(TICKET)]));
  });

  it("an input is a header and the arena payload", () => {
    const cases = [ // the golden vectors client_input*, unchanged from protocol 3
      [[1, 8, 0, false, 0], "07000000 01000000 08 00000000 00 00000000"],
      [[257, 10, Math.PI / 4, true, 254], "07000000 01010000 0a db0f493f 01 fe000000"],
      [[2 ** 32 - 1, 5, -Math.PI / 2, true, 66051], "07000000 ffffffff 05 db0fc9bf 01 03020100"],
    ];
    for (const [[seq, movement, aim, fire, renderTick], expected] of cases) {
      const payload = bot.encodeArenaInput(movement, aim, fire, renderTick);
      assert.equal(payload.length, 10);
      assert.deepEqual(bot.encodeInput(seq, payload), unhex(expected), `seq ${seq}`);
    }
  });
});

describe("decoding the envelope", () => {
  it("Joined carries the setup as bytes and scores as arrays", () => {
    const msg = bot.decode(JOINED_ARENA);
    assert.equal(msg.tag, bot.S.JOINED);
    assert.deepEqual(msg.room, { id: 42, name: "Café ☕", mode: "arena", players: 3, capacity: 100, public: true, bots: 0 });
    assert.deepEqual([msg.code, msg.you, msg.tick], ["QX7K2P", 2, 1234]);
    assert.deepEqual(msg.setup, ARENA_SETUP);
    assert.deepEqual(msg.roster, [
      { slot: 0, playerId: 3, name: "ada", score: [5, 2], bot: false },
      { slot: 1, playerId: 0, name: "Bot Ada", score: [1, 0], bot: true },
    ]);
  });

  it("the arena setup decodes whole", () => {
    assert.deepEqual(bot.decodeArenaSetup(ARENA_SETUP), {
      width: 1600, height: 1000, walls: [{ x: 0, y: 0, w: 1600, h: 20 }, { x: 700, y: 400, w: 200, h: 40 }],
      playerRadius: 15.5, playerSpeed: 200, bulletRadius: 4, bulletSpeed: 600, maxHp: 100,
      fireCooldownTicks: 6, bulletRange: 1000, spawnProtectionTicks: 53,
    });
    assert.throws(() => bot.decodeArenaSetup(Buffer.concat([ARENA_SETUP, Buffer.from([0])])));
    assert.throws(() => bot.decodeArenaSetup(ARENA_SETUP.subarray(0, -1)));
  });

  it("refuses a setup longer than the frame", () => {
    const at = JOINED_ARENA.indexOf(unhex("3500000000000000"));
    const frame = Buffer.concat([JOINED_ARENA.subarray(0, at), unhex("ff00000000000000"), JOINED_ARENA.subarray(at + 8)]);
    assert.throws(() => bot.decode(frame));
  });

  it("PlayerJoined has a score array", () => {
    const msg = bot.decode(unhex("05000000 03 0b000000 0300000000000000 657665 0200000000000000 0000000000000000 00"));
    assert.deepEqual(msg, { tag: bot.S.PLAYER_JOINED, player: { slot: 3, playerId: 11, name: "eve", score: [0, 0], bot: false } });
  });

  it("a GameEvent carries the arena's Kill", () => {
    const msg = bot.decode(GAME_EVENT_KILL);
    assert.deepEqual([msg.tag, msg.tick], [bot.S.GAME_EVENT, 1240]);
    assert.deepEqual(bot.decodeArenaEvent(msg.event), { event: "kill", killer: 0, victim: 1, respawnTick: 1330 });
    assert.throws(() => bot.decodeArenaEvent(unhex("01000000 00 01 32050000")), /unknown arena event 1/);
    assert.throws(() => bot.decodeArenaEvent(unhex("00000000 00 01 3205000000")), /left over/);
  });

  it("a Redirect names the node and the ticket", () => {
    assert.deepEqual(bot.decode(REDIRECT), { tag: bot.S.REDIRECT, url: "ws://10.0.0.2:8080/ws", ticket: TICKET });
    assert.throws(() => bot.decode(REDIRECT.subarray(0, -1)), /ends early|runs past/);
  });

  it("a snapshot is a header and a body", () => {
    assert.deepEqual(bot.decode(SNAPSHOT_EMPTY), { tag: bot.S.SNAPSHOT, tick: 1, ack: 0, baselineAge: 0, body: unhex("00 0000 0000") });
  });

  it("refuses bytes after a message", () => {
    for (const frame of [GAME_EVENT_KILL, JOINED_ARENA, REDIRECT, unhex("040000002a000000")]) {
      assert.throws(() => bot.decode(Buffer.concat([frame, Buffer.from([0])])), /left over/, frame.subarray(0, 4).toString("hex"));
    }
  });
});

describe("arena snapshots", () => {
  it("the full snapshot decodes", () => {
    assert.deepEqual(bot.decodeArenaSnapshot(SNAPSHOT_FULL), {
      tag: bot.S.SNAPSHOT, tick: 1235, ack: 118, baselineAge: 0, body: SNAPSHOT_FULL.subarray(13),
      players: [stateChange(0, 13000, 4801, 64, 100, 1), stateChange(2, 1524, 10240, 224, 0, 0), stateChange(5, 24000, 15692, 128, 35, 1)],
      addedBullets: [bullet(0, 0, 8192, 13280, 5128), bullet(65535, 5, 32768, 23680, 15692)],
      removedBullets: [],
    });
  });

  it("the delta decodes", () => {
    const msg = bot.decodeArenaSnapshot(SNAPSHOT_DELTA);
    assert.deepEqual([msg.tick, msg.ack, msg.baselineAge], [1236, 119, 1]);
    assert.deepEqual(msg.players, [moved(0, 117, -3), stateChange(2, 3200, 2880), gone(5), stateChange(7, 960, 960)]);
    assert.deepEqual(msg.addedBullets, [bullet(1, 0, 49152, 13520, 4800)]);
    assert.deepEqual(msg.removedBullets, [65535]);
  });

  it("the delta applies on the full snapshot", () => {
    const full = bot.applySnapshot(null, bot.decodeArenaSnapshot(SNAPSHOT_FULL));
    const state = bot.applySnapshot(full, bot.decodeArenaSnapshot(SNAPSHOT_DELTA));
    assert.deepEqual(state, {
      tick: 1236,
      players: new Map([
        [0, { x: 13117, y: 4798, aim: 64, hp: 100, flags: 1 }],
        [2, { x: 3200, y: 2880, aim: 0, hp: 100, flags: 1 }],
        [7, { x: 960, y: 960, aim: 0, hp: 100, flags: 1 }],
      ]),
      bullets: new Map([
        [0, { owner: 0, x: 13280, y: 5128, heading: 8192, since: 1235 }],
        [1, { owner: 0, x: 13520, y: 4800, heading: 49152, since: 1236 }],
      ]),
    });
  });

  it("invalid bodies are refused", () => {
    for (const [name, frame] of Object.entries(SNAPSHOTS_INVALID)) {
      assert.throws(() => bot.decodeArenaSnapshot(frame), Error, name);
    }
  });

  const body = (slotCount, changeMap = [], tail = []) => Buffer.from([slotCount, ...changeMap, ...tail]);

  it("refuses a change map of more than 100 slots", () => {
    assert.throws(() => bot.decodeArenaBody(body(101, new Array(26).fill(0), [0, 0, 0, 0])));
  });

  it("refuses bytes after the removed bullets", () => {
    assert.deepEqual(bot.decodeArenaBody(body(0, [], [0, 0, 0, 0])).players, []);
    assert.throws(() => bot.decodeArenaBody(body(0, [], [0, 0, 0, 0, 0])));
  });

  it("reads codes two bits per slot from the low bits", () => {
    // slot 0 gone, slot 1 unchanged, slot 2 moved, slot 3 unchanged, slot 4 state
    const changeMap = [0b00_01_00_11, 0b10];
    const data = [0xfd, 5, 0x90, 0x01, 0xf4, 0x01, 64, 90, 1, 0, 0, 0, 0];
    assert.deepEqual(bot.decodeArenaBody(body(5, changeMap, data)).players,
      [gone(0), moved(2, -3, 5), stateChange(4, 400, 500, 64, 90, 1)]);
  });
});

describe("applying snapshots", () => {
  const full = () => bot.applySnapshot(null, snapshot(10, 0,
    [stateChange(0, 100, 200), stateChange(3, 65535, 0)], [bullet(7), bullet(8)]));

  it("a delta changes its baseline", () => {
    const state = bot.applySnapshot(full(), snapshot(12, 2,
      [moved(0, -4, 6), gone(3), stateChange(5, 1, 2, 3, 4, 0)], [bullet(7, 5, 16384)], [7, 8]));
    assert.equal(state.tick, 12);
    assert.deepEqual(state.players, new Map([
      [0, { x: 96, y: 206, aim: 0, hp: 100, flags: 1 }],
      [5, { x: 1, y: 2, aim: 3, hp: 4, flags: 0 }],
    ]));
    assert.deepEqual(state.bullets, new Map([[7, { owner: 5, x: 160, y: 160, heading: 16384, since: 12 }]]));
  });

  it("a delta leaves its baseline alone", () => {
    const baseline = full();
    bot.applySnapshot(baseline, snapshot(11, 1, [moved(0, 1, 1), gone(3)], [], [7]));
    assert.deepEqual(baseline, full());
  });

  it("the baseline tick wraps around like a u32", () => {
    const last = bot.applySnapshot(null, snapshot(2 ** 32 - 1, 0, [stateChange(0, 1, 1)]));
    assert.deepEqual(bot.applySnapshot(last, snapshot(0, 1)).players, last.players);
  });

  it("a full snapshot forgets the state before", () => {
    const state = bot.applySnapshot(full(), snapshot(30, 0, [stateChange(1, 5, 5)]));
    assert.deepEqual([...state.players.keys()], [1]);
    assert.equal(state.bullets.size, 0);
  });

  it("refuses snapshots that do not fit the state", () => {
    const cases = {
      "a delta before any state": [null, snapshot(11, 1)],
      "a delta against another tick": [full(), snapshot(11, 2)],
      "a baseline before tick 0": [full(), snapshot(1, 2)],
      "moving an empty slot": [full(), snapshot(11, 1, [moved(1, 1, 1)])],
      "an empty slot gone": [full(), snapshot(11, 1, [gone(2)])],
      "moving past 65535": [full(), snapshot(11, 1, [moved(3, 1, 0)])],
      "moving below 0": [full(), snapshot(11, 1, [moved(3, 0, -1)])],
      "removing a bullet not in flight": [full(), snapshot(11, 1, [], [], [9])],
      "removing a bullet twice": [full(), snapshot(11, 1, [], [], [7, 7])],
      "adding a bullet in flight": [full(), snapshot(11, 1, [], [bullet(8)])],
      "adding one id twice": [null, snapshot(1, 0, [], [bullet(1), bullet(1)])],
    };
    for (const [name, [state, delta]] of Object.entries(cases)) {
      assert.throws(() => bot.applySnapshot(state, delta), Error, name);
    }
  });
});

describe("in a room", () => {
  const joinedBot = () => {
    const player = quietBot();
    assert.equal(player.joined(bot.decode(JOINED_ARENA)), true);
    return player;
  };

  it("joining an arena room decodes its setup", () => {
    const player = joinedBot();
    assert.equal(player.you, 2);
    assert.equal(player.setup.bulletSpeed, 600);
    assert.deepEqual(player.setup.walls[1], { x: 700, y: 400, w: 200, h: 40 });
  });

  it("kills count into the roster scores", () => {
    const player = joinedBot();
    player.observe(bot.decode(GAME_EVENT_KILL)); // slot 0 kills slot 1
    assert.deepEqual(player.scores(), new Map([[0, ["ada", 6, 2]], [1, ["Bot Ada", 1, 1]]]));
  });

  it("snapshots are read with the arena codec", () => {
    const player = joinedBot();
    player.observe(bot.decode(SNAPSHOT_FULL));
    player.observe(bot.decode(SNAPSHOT_DELTA));
    assert.equal(player.ack, 119);
    assert.deepEqual(player.players.get(2), { x: 200, y: 180, alive: true });
    assert.equal(player.renderTick(), 1236);
  });

  it("a room of another game is refused with a clear message", () => {
    const msg = bot.decode(JOINED_TAG); // the envelope decodes whatever the mode
    assert.deepEqual([msg.tag, msg.room.mode, msg.setup], [bot.S.JOINED, "tag", TAG_SETUP]);
    assert.deepEqual(msg.roster[0].score, [0, 0]);
    assert.equal(bot.cannotPlay(msg.room), 'room 7 "roo" runs the game "tag", which this bot cannot play (it plays only "arena")');
    const player = quietBot();
    assert.equal(player.joined(msg), false);
    assert.equal(player.setup, null, "a tag setup is never read as the arena's");
    assert.deepEqual(player.said, ['room 7 "roo" runs the game "tag", which this bot cannot play (it plays only "arena"); leaving the room']);
    assert.equal(bot.cannotPlay(bot.decode(JOINED_ARENA).room), null);
  });
});

describe("bullet positions", () => {
  it("a bullet flies bullet_speed per second along its heading", () => {
    const down = { owner: 0, x: 160, y: 320, heading: 16384, since: 100 };
    const later = bot.bulletPosition(down, 130, 600, 30);
    assert.ok(Math.abs(later.x - 10) < 1e-9 && Math.abs(later.y - 620) < 1e-9, JSON.stringify(later));
    assert.equal(later.heading, Math.PI / 2);
    const now = bot.bulletPosition(down, 100, 600, 30);
    assert.deepEqual([now.x, now.y], [10, 20]);
  });
});

// The JSON of tests/vectors/FILE, or a reason to skip (loudly) while the vectors are for an
// older protocol or not written yet; throws when they are for a newer one.
function vectorsForThisProtocol(fileName) {
  const file = path.join(vectorDir, fileName);
  if (!fs.existsSync(file)) return { skip: `no ${fileName} yet (PROTOCOL.md section 12)` };
  const vectors = JSON.parse(fs.readFileSync(file, "utf8"));
  if (vectors.protocol_version < bot.PROTOCOL_VERSION) {
    const skip = `${fileName} is for protocol ${vectors.protocol_version}, this bot speaks ${bot.PROTOCOL_VERSION}: regenerate the vectors to check the bot against them`;
    console.error(`\n!!!!!!!! SKIPPED: ${skip} !!!!!!!!`);
    return { skip };
  }
  assert.equal(vectors.protocol_version, bot.PROTOCOL_VERSION, `${fileName} is newer than this bot`);
  return { vectors };
}

const index = vectorsForThisProtocol("index.json");

describe("golden envelope vectors (tests/vectors/index.json)", { skip: index.skip }, () => {
  it("the server messages the bot reads decode, with their arena payloads", () => {
    const known = new Set([0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const checked = new Set();
    for (const vector of index.vectors.valid.filter((v) => v.direction === "server")) {
      const frame = Buffer.from(vector.hex, "hex");
      if (!known.has(frame.readUInt32LE(0))) continue;
      const msg = bot.decode(frame);
      const m = vector.message;
      checked.add(msg.tag);
      if (msg.tag === bot.S.JOINED) {
        assert.equal(msg.setup.toString("hex"), m.setup, vector.name);
        assert.deepEqual(msg.roster.map((e) => e.score), m.roster.map((e) => e.score), vector.name);
        if (msg.room.mode === bot.MODE) bot.decodeArenaSetup(msg.setup);
      } else if (msg.tag === bot.S.SNAPSHOT) {
        assert.deepEqual([msg.tick, msg.ack, msg.baselineAge], [m.tick, m.ack, m.baseline_age], vector.name);
        if ("body" in m) assert.equal(msg.body.toString("hex"), m.body, vector.name);
        bot.decodeArenaBody(msg.body);
      } else if (msg.tag === bot.S.GAME_EVENT) {
        if ("event" in m) assert.equal(msg.event.toString("hex"), m.event, vector.name);
        bot.decodeArenaEvent(msg.event);
      }
    }
    for (const tag of [bot.S.JOINED, bot.S.SNAPSHOT, bot.S.GAME_EVENT]) assert.ok(checked.has(tag), `a vector of message ${tag}`);
  });

  const vector = (name) => index.vectors.valid.find((v) => v.name === name);

  it("Redeem encodes to its bytes", () => {
    const { hex, message } = vector("client_redeem");
    assert.equal(message.protocol, bot.PROTOCOL_VERSION);
    assert.equal(bot.encodeRedeem(message.ticket).toString("hex"), hex);
  });

  it("a Redirect decodes", () => {
    const { hex, message } = vector("server_redirect");
    assert.deepEqual(bot.decode(Buffer.from(hex, "hex")), { tag: bot.S.REDIRECT, url: message.url, ticket: message.ticket });
  });

  it("arena inputs encode to their bytes", () => {
    const inputs = index.vectors.valid.filter((v) => v.direction === "client" && v.hex.startsWith("07000000"));
    assert.ok(inputs.length > 0, "the index has input vectors");
    for (const vector of inputs) {
      const frame = Buffer.from(vector.hex, "hex");
      if (frame.length !== 18) continue; // another mode's input
      const payload = bot.encodeArenaInput(frame.readUInt8(8), frame.readFloatLE(9), frame.readUInt8(13) === 1, frame.readUInt32LE(14));
      assert.deepEqual(bot.encodeInput(frame.readUInt32LE(4), payload), frame, vector.name);
    }
  });
});

const arena = vectorsForThisProtocol("arena.json");

describe("golden arena vectors (tests/vectors/arena.json)", { skip: arena.skip }, () => {
  it("is the arena's", () => assert.equal(arena.vectors.mode, "arena"));

  it("inputs encode to their bytes", () => {
    for (const { name, hex, value } of arena.vectors.inputs) {
      const data = Buffer.from(hex, "hex");
      assert.equal(data.length, 10, name);
      const again = bot.encodeArenaInput(data.readUInt8(0), data.readFloatLE(1), data.readUInt8(5) === 1, data.readUInt32LE(6));
      assert.deepEqual(again, data, name);
      if (["movement", "aim", "fire", "render_tick"].every((key) => key in value)) {
        assert.deepEqual(bot.encodeArenaInput(value.movement, value.aim, value.fire, value.render_tick), data, name);
      }
    }
  });

  it("setups decode", () => {
    const keys = { width: "width", height: "height", max_hp: "maxHp", fire_cooldown_ticks: "fireCooldownTicks",
      bullet_range: "bulletRange", spawn_protection_ticks: "spawnProtectionTicks", player_speed: "playerSpeed", player_radius: "playerRadius" };
    for (const { name, hex, value } of arena.vectors.setups) {
      const setup = bot.decodeArenaSetup(Buffer.from(hex, "hex"));
      for (const [key, ours] of Object.entries(keys)) if (key in value) assert.equal(setup[ours], value[key], `${name}: ${key}`);
    }
  });

  it("events decode", () => {
    for (const { name, hex, value } of arena.vectors.events) {
      const event = bot.decodeArenaEvent(Buffer.from(hex, "hex"));
      const kill = value.Kill || value;
      if ("killer" in kill) assert.deepEqual([event.killer, event.victim, event.respawnTick], [kill.killer, kill.victim, kill.respawn_tick], name);
    }
  });

  it("full snapshot bodies apply to nothing", () => {
    for (const vector of arena.vectors.snapshots.filter((v) => v.baseline === null)) {
      const state = bot.applySnapshot(null, { tick: vector.tick, baselineAge: 0, ...bot.decodeArenaBody(Buffer.from(vector.hex, "hex")) });
      if (Array.isArray(vector.state.players)) assert.equal(state.players.size, vector.state.players.length, vector.name);
    }
  });
});
