#!/usr/bin/env python3
"""A Skirmish bot in one Python file, written from PROTOCOL.md alone.

It plays the arena (mode "arena", PROTOCOL.md section 10). It connects, says Hello,
quick-joins an arena room (or joins the room with --code), following the server to another
node of a cluster when it answers with a Redirect (section 4.11), then plays: it runs towards
the nearest living enemy, aims at it and shoots when the line is clear of walls, steers around
walls, and wanders when alone. It prints what it does. A room of another game (its code can
lead anywhere) it says it cannot play, and leaves.

    pip install websockets==17.4
    python3 examples/python_bot.py --url ws://127.0.0.1:8080/ws [--code CODE] [--seconds N]
"""

import argparse
import asyncio
import math
import random
import struct
import sys
import time
from contextlib import AsyncExitStack

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

PROTOCOL_VERSION = 5
# The one game this bot plays (RoomInfo.mode), and the error a server sends when it does not
# run a mode asked for.
MODE = "arena"
UNKNOWN_MODE = 18
# Further behind its schedule than this many ticks (a stalled process), the bot skips ahead
# instead of sending a burst: the server consumes one input per tick.
MAX_BEHIND_TICKS = 5
# A join sent on from node to node more often than this is given up (a cluster in a loop).
MAX_REDIRECTS = 3
# The largest frame the bot accepts from a server.
MAX_FRAME_BYTES = 1 << 20

# Message tags (u32 at offset 0).
HELLO, JOIN_BY_CODE, QUICK_JOIN, LEAVE_ROOM, INPUT, REDEEM = 0, 4, 5, 6, 7, 13
WELCOME, ERROR, JOINED, LEFT, PLAYER_JOINED, PLAYER_LEFT = 0, 1, 3, 4, 5, 6
SNAPSHOT, GAME_EVENT, CHAT, PONG, ROOM_CLOSED, REDIRECT = 7, 8, 9, 10, 11, 14
# The arena's events (GameEvent.event: a u32 variant tag, then its fields).
ARENA_KILL = 0

MOVE_UP, MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT = 1, 2, 4, 8
PLAYER_ALIVE = 1
POSITION_SCALE = 16.0
HEADING_STEPS = 65536
MAX_SLOTS = 100
# 2-bit codes of a snapshot's change map.
MOVED, STATE, GONE = 1, 2, 3


# ---- the envelope, encoding: little-endian fixed ints, u32 enum tags, u64 string lengths ----

def encode_string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def encode_hello(name):
    return struct.pack("<IH", HELLO, PROTOCOL_VERSION) + encode_string(name)


def encode_redeem(ticket):
    """The first message to the node a Redirect names, instead of Hello."""
    return struct.pack("<IH", REDEEM, PROTOCOL_VERSION) + encode_string(ticket)


def encode_join_by_code(code):
    return struct.pack("<I", JOIN_BY_CODE) + encode_string(code)


def encode_quick_join(mode=MODE):
    return struct.pack("<I", QUICK_JOIN) + encode_string(mode)


def encode_leave_room():
    return struct.pack("<I", LEAVE_ROOM)


def encode_input(seq, payload):
    """Input is packed by hand: tag, seq, then the mode's input payload to the end of the
    frame (no length prefix)."""
    return struct.pack("<II", INPUT, seq) + payload


def encode_arena_input(movement, aim, fire, render_tick):
    """The arena's input payload, 10 bytes. `render_tick`: the tick of the world the bot
    decided on (its newest snapshot's), which the server uses to test the bot's shots against
    the players where the bot saw them."""
    return struct.pack("<BfBI", movement, aim, 1 if fire else 0, render_tick)


# ---- decoding ----

class Reader:
    """Reads fields one after the other from a frame, refusing to run past its end."""

    def __init__(self, data):
        self.data = data
        self.at = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise ValueError("message ends early")
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values if len(values) > 1 else values[0]

    def raw(self, size):
        if self.at + size > len(self.data):
            raise ValueError("message ends early")
        self.at += size
        return self.data[self.at - size:self.at]

    def string(self):
        return self.bytes().decode("utf-8")

    def bytes(self):
        """A `bytes` field: u64 length, then that many raw bytes (a payload of the mode)."""
        length = self.take("<Q")
        if self.at + length > len(self.data):
            raise ValueError("string or bytes run past the end of the message")
        self.at += length
        return bytes(self.data[self.at - length:self.at])

    def rest(self):
        """Everything left in the frame (a payload that runs to its end)."""
        data = bytes(self.data[self.at:])
        self.at = len(self.data)
        return data

    def end(self, what="the message"):
        if self.at != len(self.data):
            raise ValueError(f"bytes left over after {what}")

    def count(self, item_size):
        n = self.take("<Q")
        if n * item_size > len(self.data) - self.at:
            raise ValueError("list runs past the end of the message")
        return n


def read_room_info(r):
    room_id = r.take("<I")
    name = r.string()
    mode = r.string()
    players, capacity, public, bots = r.take("<BBBB")
    return {"id": room_id, "name": name, "mode": mode, "players": players,
            "capacity": capacity, "public": public == 1, "bots": bots}


def read_bool(r):
    value = r.take("<B")
    if value > 1:
        raise ValueError(f"a bool is 0 or 1, not {value}")
    return value == 1


def read_roster_entry(r):
    slot, player_id = r.take("<BI")
    name = r.string()
    score = [r.take("<i") for _ in range(r.count(4))]   # arena: [kills, deaths]
    return {"slot": slot, "player_id": player_id, "name": name, "score": score,
            "bot": read_bool(r)}


# ---- the arena's payloads (PROTOCOL.md section 10) ----

def decode_arena_setup(data):
    """Joined.setup of an arena room."""
    r = Reader(data)
    width, height = r.take("<HH")
    walls = [r.take("<HHHH") for _ in range(r.count(8))]
    (player_radius, player_speed, bullet_radius, bullet_speed, max_hp,
     fire_cooldown_ticks, bullet_range, spawn_protection_ticks) = r.take("<ffffBHfH")
    r.end("the arena's setup")
    return {"width": width, "height": height, "walls": walls,
            "player_radius": player_radius, "player_speed": player_speed,
            "bullet_radius": bullet_radius, "bullet_speed": bullet_speed, "max_hp": max_hp,
            "fire_cooldown_ticks": fire_cooldown_ticks, "bullet_range": bullet_range,
            "spawn_protection_ticks": spawn_protection_ticks}


def decode_arena_event(data):
    """GameEvent.event of an arena room: the only event is Kill."""
    r = Reader(data)
    kind = r.take("<I")
    if kind != ARENA_KILL:
        raise ValueError(f"unknown arena event {kind}")
    killer, victim, respawn_tick = r.take("<BBI")
    r.end("the arena's Kill event")
    return {"event": "kill", "killer": killer, "victim": victim, "respawn_tick": respawn_tick}


def decode_arena_body(data):
    """A snapshot body of an arena room: the changes against its baseline, not yet applied
    to any state."""
    r = Reader(data)
    slot_count = r.take("<B")
    if slot_count > MAX_SLOTS:
        raise ValueError(f"snapshot describes {slot_count} slots, more than {MAX_SLOTS}")
    change_map = r.raw((slot_count + 3) // 4)
    players = []
    for slot in range(slot_count):
        code = (change_map[slot >> 2] >> ((slot & 3) * 2)) & 3
        if code == MOVED:
            dx, dy = r.take("<bb")
            players.append({"change": "moved", "slot": slot, "dx": dx, "dy": dy})
        elif code == STATE:
            x, y, aim, hp, flags = r.take("<HHBBB")
            players.append({"change": "state", "slot": slot,
                            "x": x, "y": y, "aim": aim, "hp": hp, "flags": flags})
        elif code == GONE:
            players.append({"change": "gone", "slot": slot})
    added_bullets = [dict(zip(("id", "owner", "x", "y", "heading"), r.take("<HBHHH")))
                     for _ in range(r.take("<H"))]
    removed_bullets = [r.take("<H") for _ in range(r.take("<H"))]
    r.end("the snapshot")
    return {"players": players, "added_bullets": added_bullets,
            "removed_bullets": removed_bullets}


def decode_arena_snapshot(data):
    """A whole Snapshot frame of an arena room: the header's fields and the decoded body."""
    tag, fields = decode(data)
    if tag != SNAPSHOT:
        raise ValueError(f"message {tag} is not a snapshot")
    return {**fields, **decode_arena_body(fields["body"])}


# ---- the envelope, decoding ----

def decode(data):
    """One server message as (tag, dict of its fields). Payloads (setup, event, snapshot
    body) stay bytes: which codec reads them depends on the room's mode."""
    r = Reader(data)
    tag = r.take("<I")
    if tag == JOINED:
        room = read_room_info(r)
        code = r.string()
        you, tick = r.take("<BI")
        setup = r.bytes()
        roster = [read_roster_entry(r) for _ in range(r.count(22))]
        r.end()
        return tag, {"room": room, "code": code, "you": you, "tick": tick, "setup": setup,
                     "roster": roster}
    if tag == SNAPSHOT:
        # Packed by hand: a 13-byte header, then the mode's body to the end of the frame.
        tick, ack, baseline_age = r.take("<IIB")
        return tag, {"tick": tick, "ack": ack, "baseline_age": baseline_age, "body": r.rest()}
    if tag == WELCOME:
        protocol, player_id, tick_rate, max_bytes = r.take("<HIHI")
        fields = {"protocol": protocol, "player_id": player_id, "tick_rate": tick_rate}
    elif tag == ERROR:
        code = r.take("<H")
        fields = {"code": code, "message": r.string()}
    elif tag == LEFT:
        fields = {"room": r.take("<I")}
    elif tag == PLAYER_JOINED:
        fields = {"player": read_roster_entry(r)}
    elif tag == PLAYER_LEFT:
        fields = {"slot": r.take("<B")}
    elif tag == GAME_EVENT:
        fields = {"tick": r.take("<I"), "event": r.bytes()}
    elif tag == CHAT:
        tick, sender = r.take("<IB")
        fields = {"from": sender, "text": r.string()}
    elif tag == PONG:
        fields = {"t": r.take("<Q")}
    elif tag == ROOM_CLOSED:
        fields = {"reason": r.string()}
    elif tag == REDIRECT:
        fields = {"url": r.string(), "ticket": r.string()}
    else:
        return tag, {}
    r.end()
    return tag, fields


def cannot_play(room):
    """What to tell the user about a room of a game this bot cannot play, or None."""
    if room["mode"] == MODE:
        return None
    return (f"room {room['id']} \"{room['name']}\" runs the game \"{room['mode']}\", which this "
            f"bot cannot play (it plays only \"{MODE}\")")


# ---- room state: what the snapshots so far add up to ----

def apply_snapshot(state, snapshot):
    """The room state after `snapshot`, given the state after the previous one (None before the
    first). Positions stay in 1/16 units. Raises ValueError if the snapshot does not fit."""
    tick = snapshot["tick"]
    baseline_tick = (tick - snapshot["baseline_age"]) % 2**32   # ticks are u32
    if snapshot["baseline_age"] == 0:
        players, bullets = {}, {}
    elif state is None or state["tick"] != baseline_tick:
        had = "no state" if state is None else f"the state of tick {state['tick']}"
        raise ValueError(f"snapshot {tick} changes tick {baseline_tick}, but we have {had}")
    else:
        players, bullets = dict(state["players"]), dict(state["bullets"])
    for change in snapshot["players"]:
        slot, kind = change["slot"], change["change"]
        if kind == "state":
            players[slot] = {key: change[key] for key in ("x", "y", "aim", "hp", "flags")}
        elif slot not in players:
            raise ValueError(f"snapshot {tick}: slot {slot} is {kind} but was empty")
        elif kind == "gone":
            del players[slot]
        else:
            player = players[slot]
            x, y = player["x"] + change["dx"], player["y"] + change["dy"]
            if not (0 <= x <= 0xFFFF and 0 <= y <= 0xFFFF):
                raise ValueError(f"snapshot {tick}: slot {slot} moves off the u16 range")
            players[slot] = {**player, "x": x, "y": y}
    for bullet_id in snapshot["removed_bullets"]:
        if bullets.pop(bullet_id, None) is None:
            raise ValueError(f"snapshot {tick} removes bullet {bullet_id}, which is not in flight")
    for bullet in snapshot["added_bullets"]:
        if bullet["id"] in bullets:
            raise ValueError(f"snapshot {tick} adds bullet {bullet['id']}, which is in flight")
        bullets[bullet["id"]] = {"owner": bullet["owner"], "x": bullet["x"], "y": bullet["y"],
                                 "heading": bullet["heading"], "since": tick}
    return {"tick": tick, "players": players, "bullets": bullets}


def bullet_position(bullet, tick, bullet_speed, tick_rate):
    """Where a bullet of the room state is at `tick`, in world units, and its heading in
    radians: it flies straight from (x, y), where it was at tick `since`."""
    heading = bullet["heading"] / HEADING_STEPS * 2 * math.pi
    flown = bullet_speed * (tick - bullet["since"]) / tick_rate
    return (bullet["x"] / POSITION_SCALE + math.cos(heading) * flown,
            bullet["y"] / POSITION_SCALE + math.sin(heading) * flown, heading)


# ---- geometry: walls are axis-aligned rectangles (x, y, w, h) ----

def blocked(walls, x, y, margin):
    return any(wx - margin < x < wx + ww + margin and wy - margin < y < wy + wh + margin
               for (wx, wy, ww, wh) in walls)


def line_clear(walls, x0, y0, x1, y1, margin):
    steps = max(1, int(math.hypot(x1 - x0, y1 - y0) / 6))
    return not any(blocked(walls, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps, margin)
                   for i in range(steps + 1))


def movement_bits(angle):
    dx, dy = math.cos(angle), math.sin(angle)
    bits = 0
    if dx > 0.38:
        bits |= MOVE_RIGHT
    elif dx < -0.38:
        bits |= MOVE_LEFT
    if dy > 0.38:
        bits |= MOVE_DOWN   # +y is down on screen
    elif dy < -0.38:
        bits |= MOVE_UP
    return bits


class Bot:
    def __init__(self, name):
        self.name = name
        self.you = None
        self.setup = None
        self.roster = {}
        self.tick_rate = None
        self.joined_tick = 0
        self.state = None    # the room state after the last snapshot; None until the first one
        self.players = {}    # the state's players in world units, for deciding
        self.ack = 0
        self.seq = 0
        self.wander = random.uniform(-math.pi, math.pi)
        self.wander_until = 0.0
        self.aim = 0.0
        self.last_report = 0.0

    def welcomed(self, fields):
        """Takes in Welcome (from each node the bot is sent to)."""
        self.tick_rate = fields["tick_rate"]
        print(f"{self.name}: welcomed as player {fields['player_id']}, "
              f"{self.tick_rate} ticks per second", flush=True)

    def joined(self, fields):
        """Takes in Joined. False (after saying so) when the room runs a game this bot cannot
        play: then it must not decode the room's payloads, and leaves."""
        room = fields["room"]
        problem = cannot_play(room)
        if problem is not None:
            print(f"{self.name}: {problem}; leaving the room", flush=True)
            return False
        self.you = fields["you"]
        self.joined_tick = fields["tick"]
        self.setup = decode_arena_setup(fields["setup"])
        self.roster = {e["slot"]: e for e in fields["roster"]}
        self.forget_room_state()
        print(f"{self.name}: joined room {room['id']} \"{room['name']}\" (code {fields['code']}) "
              f"as slot {self.you}, {len(self.roster) - 1} other player(s)", flush=True)
        return True

    def forget_room_state(self):
        """Outside a room there is no state; in a new one the first snapshot is a full one."""
        self.state, self.players, self.ack = None, {}, 0

    def observe(self, tag, fields):
        """Takes in one message; raises ValueError for a snapshot that does not fit our state."""
        if tag == SNAPSHOT:
            self.state = apply_snapshot(self.state, {**fields, **decode_arena_body(fields["body"])})
            self.ack = fields["ack"]
            self.players = {slot: {"x": p["x"] / POSITION_SCALE, "y": p["y"] / POSITION_SCALE,
                                   "alive": p["flags"] & PLAYER_ALIVE != 0}
                            for slot, p in self.state["players"].items()}
        elif tag in (LEFT, ROOM_CLOSED):
            self.forget_room_state()
        elif tag == PLAYER_JOINED:
            entry = fields["player"]
            self.roster[entry["slot"]] = entry
            print(f"{self.name}: {entry['name']} joined", flush=True)
        elif tag == PLAYER_LEFT:
            entry = self.roster.pop(fields["slot"], None)
            print(f"{self.name}: {entry['name'] if entry else 'someone'} left", flush=True)
        elif tag == GAME_EVENT:
            event = decode_arena_event(fields["event"])
            killer, victim = event["killer"], event["victim"]
            # The server sends no roster updates: clients count kills and deaths themselves.
            for slot, index in ((killer, 0), (victim, 1)):
                score = self.roster[slot]["score"] if slot in self.roster else []
                if len(score) > index:
                    score[index] += 1
            if killer == self.you:
                print(f"{self.name}: shot {self.name_of(victim)}", flush=True)
            if victim == self.you:
                print(f"{self.name}: killed by {self.name_of(killer)}", flush=True)
        elif tag == ERROR:
            print(f"{self.name}: server error {fields['code']}: {fields['message']}", flush=True)

    def scores(self):
        """The scoreboard: (name, kills, deaths) by slot."""
        return {slot: (e["name"], *e["score"][:2]) for slot, e in sorted(self.roster.items())}

    def name_of(self, slot):
        entry = self.roster.get(slot)
        return entry["name"] if entry else f"slot {slot}"

    def render_tick(self):
        """The tick of the newest snapshot (the bot draws nothing, so that is what it saw)."""
        return self.state["tick"] if self.state is not None else self.joined_tick

    def decide(self):
        """(movement bits, aim, fire) for the current state."""
        me = self.players.get(self.you)
        if me is None or not me["alive"]:
            return 0, self.aim, False
        setup, walls = self.setup, self.setup["walls"]
        x, y = me["x"], me["y"]
        enemies = [(math.hypot(p["x"] - x, p["y"] - y), slot, p)
                   for slot, p in self.players.items() if slot != self.you and p["alive"]]
        fire = False
        if enemies:
            distance, slot, target = min(enemies, key=lambda e: e[0])
            self.aim = math.atan2(target["y"] - y, target["x"] - x)
            clear = line_clear(walls, x, y, target["x"], target["y"], setup["bullet_radius"])
            fire = clear and distance < setup["bullet_speed"] * 1.2
            heading = self.aim if distance > setup["player_radius"] * 8 or not clear \
                else self.aim + math.pi / 2
            doing = f"chasing {self.name_of(slot)} at {distance:.0f} units" + \
                (", firing" if fire else "")
        else:
            now = time.monotonic()
            if now > self.wander_until:
                self.wander = random.uniform(-math.pi, math.pi)
                self.wander_until = now + 2.0
            heading = self.aim = self.wander
            doing = "alone, wandering"
        dodge = self.dodge(x, y)
        if dodge is not None:
            heading = dodge
            doing += ", dodging a bullet"
        heading = self.steer(x, y, heading)
        self.report(f"at ({x:.0f}, {y:.0f}), {doing}; input {self.ack} of {self.seq} applied")
        return (movement_bits(heading) if heading is not None else 0), self.aim, fire

    def dodge(self, x, y):
        """A heading that steps out of the way of an enemy bullet arriving within half a
        second, or None."""
        setup, state = self.setup, self.state
        reach = setup["player_radius"] + setup["bullet_radius"] + 2
        for bullet in state["bullets"].values():
            if bullet["owner"] == self.you:
                continue
            bx, by, heading = bullet_position(bullet, state["tick"], setup["bullet_speed"],
                                              self.tick_rate)
            along = (x - bx) * math.cos(heading) + (y - by) * math.sin(heading)
            across = (y - by) * math.cos(heading) - (x - bx) * math.sin(heading)
            if 0 < along < setup["bullet_speed"] * 0.5 and abs(across) < reach:
                return heading + math.copysign(math.pi / 2, across)
        return None

    def steer(self, x, y, heading):
        """The heading closest to the wanted one whose next step is clear of walls and edges."""
        setup = self.setup
        ahead = setup["player_radius"] + setup["player_speed"] * 0.15
        margin = setup["player_radius"] - 1
        for turn in (0, 1, -1, 2, -2, 3, -3, 4):
            angle = heading + turn * math.pi / 4
            probes = [(x + math.cos(angle) * ahead * k / 4, y + math.sin(angle) * ahead * k / 4)
                      for k in (1, 2, 3, 4)]
            if all(margin < px < setup["width"] - margin and margin < py < setup["height"] - margin
                   and not blocked(setup["walls"], px, py, margin) for (px, py) in probes):
                if turn != 0:
                    self.wander = angle
                return angle
        return None

    def report(self, line):
        now = time.monotonic()
        if now - self.last_report >= 1.0:
            self.last_report = now
            print(f"{self.name}: {line}", flush=True)


async def expect(ws, *wanted):
    """Reads messages until one with a tag in `wanted`, and gives its (tag, fields); a server
    Error ends the bot."""
    while True:
        tag, fields = decode(await ws.recv())
        if tag in wanted:
            return tag, fields
        if tag == ERROR and fields["code"] == UNKNOWN_MODE:
            sys.exit(f"this server does not run the game \"{MODE}\", the only one this bot "
                     f"plays: {fields['message']}")
        if tag == ERROR:
            sys.exit(f"server refused: error {fields['code']}: {fields['message']}")


async def open_connection(connections, url):
    """A connection to `url`, closed with the AsyncExitStack `connections` (if not before)."""
    return await connections.enter_async_context(connect(url, max_size=MAX_FRAME_BYTES))


async def join(bot, connections, ws, request):
    """Sends a join request and waits for Joined: the connection it came on, and its fields. A
    Redirect (the room is on another node of a cluster, or a new one is placed there) is
    followed: that node carries the join out once given the ticket instead of Hello."""
    await ws.send(request)
    redirects = 0
    while True:
        tag, fields = await expect(ws, JOINED, REDIRECT)
        if tag == JOINED:
            return ws, fields
        if redirects == MAX_REDIRECTS:
            sys.exit(f"{bot.name}: redirected more than {MAX_REDIRECTS} times, giving up")
        redirects += 1
        print(f"{bot.name}: redirected to {fields['url']}", flush=True)
        moved = await open_connection(connections, fields["url"])
        await moved.send(encode_redeem(fields["ticket"]))
        # The first connection stays in its node's lobby, with nothing left to do: close it.
        await ws.close()
        ws = moved
        bot.welcomed((await expect(ws, WELCOME))[1])


async def play(args):
    bot = Bot(args.name)
    async with AsyncExitStack() as connections:
        ws = await open_connection(connections, args.url)
        await ws.send(encode_hello(args.name))
        bot.welcomed((await expect(ws, WELCOME))[1])
        request = encode_join_by_code(args.code) if args.code else encode_quick_join()
        ws, joined = await join(bot, connections, ws, request)
        if not bot.joined(joined):
            # A room of another game (a code can lead to any room): leave it, reading its
            # messages with the envelope only, and end with the reason.
            await ws.send(encode_leave_room())
            await expect(ws, LEFT, ROOM_CLOSED)
            print(f"{args.name}: back in the lobby", flush=True)
            sys.exit(f"{args.name}: {cannot_play(joined['room'])}")

        async def read():
            async for data in ws:
                if isinstance(data, bytes):
                    try:
                        tag, fields = decode(data)
                        bot.observe(tag, fields)
                    except ValueError as err:
                        await ws.close(code=1002, reason="protocol error")
                        raise ValueError(f"protocol error: {err}") from err
                    if tag in (LEFT, ROOM_CLOSED):
                        print(f"{args.name}: back in the lobby", flush=True)
                        return

        async def send_inputs():
            # One input per server tick, on a fixed schedule rather than a sleep after each
            # send (which would drift slower than the server's clock).
            period = 1 / bot.tick_rate
            due = time.monotonic()
            while True:
                movement, aim, fire = bot.decide()
                bot.seq += 1
                payload = encode_arena_input(movement, aim, fire, bot.render_tick())
                await ws.send(encode_input(bot.seq, payload))
                due += period
                now = time.monotonic()
                if now - due > MAX_BEHIND_TICKS * period:
                    due = now
                await asyncio.sleep(max(0.0, due - now))

        reader = asyncio.create_task(read())
        sender = asyncio.create_task(send_inputs())
        try:
            await asyncio.wait_for(asyncio.shield(reader), timeout=args.seconds)
        except asyncio.TimeoutError:
            print(f"{args.name}: {args.seconds} seconds are up, leaving", flush=True)
            # A close alone keeps the seat for the reconnect grace: leave the room first.
            await ws.send(encode_leave_room())
        finally:
            sender.cancel()
            reader.cancel()


def main():
    parser = argparse.ArgumentParser(description="A Skirmish bot in Python.")
    parser.add_argument("--url", default="ws://127.0.0.1:8080/ws")
    parser.add_argument("--code", help="join the room with this code (default: quick join)")
    parser.add_argument("--name", default="py-bot")
    parser.add_argument("--seconds", type=float, default=None, help="stop after N seconds")
    args = parser.parse_args()
    try:
        asyncio.run(play(args))
    except ConnectionClosed as closed:
        sys.exit(f"{args.name}: connection closed: {closed}")
    except (OSError, ValueError) as err:
        sys.exit(f"{args.name}: {err}")


if __name__ == "__main__":
    main()
