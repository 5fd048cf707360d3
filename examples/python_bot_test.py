#!/usr/bin/env python3
"""Offline checks of python_bot.py, no server needed: its encoders and decoders against frames
written out by hand from PROTOCOL.md (protocol 4: the envelope and the arena's payloads), its
room state against a few hand-built snapshots, what it does in a room of a game it cannot play,
and, when they are there for this protocol version, the golden vectors of tests/vectors/.

    python3 examples/python_bot_test.py
"""

import json
import math
import pathlib
import os
import struct
import sys
import unittest

import python_bot as bot

VECTORS = pathlib.Path(os.environ.get("SKIRMISH_VECTORS") or
                       pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors")
SKIPPED = set()


def unhex(*pieces):
    """A frame from hex pieces (spaces allowed), as PROTOCOL.md writes them."""
    return bytes.fromhex("".join(pieces).replace(" ", ""))


# ---- frames written out by hand from PROTOCOL.md (sections 3, 10 and 15) ----

# The arena's setup of the examples: 1600 × 1000, two walls, radius 15.5, speed 200, bullet
# radius 4, bullet speed 600, 100 hp, cooldown 6, range 1000, protection 53 (53 bytes).
ARENA_SETUP = unhex(
    "4006 e803",                                   # width 1600, height 1000
    "0200000000000000",                            # 2 walls
    "0000 0000 4006 1400", "bc02 9001 c800 2800",  # (0, 0, 1600, 20), (700, 400, 200, 40)
    "00007841 00004843 00008040 00001644",         # 15.5, 200, 4, 600
    "64 0600 00007a44 3500")                       # 100, 6, 1000, 53

ROOM_CAFE = unhex(
    "2a000000",                                    # id 42
    "0900000000000000 436166c3a920e29895",         # name "Café ☕"
    "0500000000000000 6172656e61",                 # mode "arena"
    "03 64 01 00")                                 # players 3, capacity 100, public, bots 0

ROSTER_TWO = unhex(
    "0200000000000000",                            # 2 entries
    "00 03000000 0300000000000000 616461",         # slot 0, player 3, "ada"
    "0200000000000000 05000000 02000000 00",       # score [5, 2], not a bot
    "01 00000000 0700000000000000 426f7420416461",  # slot 1, player 0, "Bot Ada"
    "0200000000000000 01000000 00000000 01")       # score [1, 0], a bot

JOINED_ARENA = unhex(
    "03000000", ROOM_CAFE.hex(),                   # Joined, the room
    "0600000000000000 5158374b3250",               # code "QX7K2P"
    "02 d2040000",                                 # you 2, tick 1234
    "3500000000000000", ARENA_SETUP.hex(),         # setup: 53 bytes
    ROSTER_TWO.hex())

# Tag's setup of PROTOCOL.md section 11.3 (52 bytes).
TAG_SETUP = unhex(
    "4006 e803 0200000000000000 0000 0000 4006 1400 bc02 9001 c800 2800",
    "00007841 00004843 00007043 08070000 96000000 1e00 2d00")

JOINED_TAG = unhex(
    "03000000",
    "07000000 0300000000000000 726f6f",            # id 7, name "roo"
    "0300000000000000 746167",                     # mode "tag"
    "01 08 00 00",                                 # players 1, capacity 8, private, no bots
    "0400000000000000 54414731",                   # code "TAG1"
    "00 0a000000",                                 # you 0, tick 10
    "3400000000000000", TAG_SETUP.hex(),           # setup: 52 bytes, tag's
    "0100000000000000 00 05000000 0300000000000000 6a6f65",  # slot 0, player 5, "joe"
    "0200000000000000 00000000 00000000 00")       # score [0, 0] (points, tags), not a bot

# The cluster's ticket of PROTOCOL.md section 4.11 (node 00c0ffee00c0ffee, Play{room: 42}, "ada"),
# and the Redirect to node ws://10.0.0.2:8080/ws that carries it (the golden vector
# server_redirect).
TICKET = ("100000000000000030306330666665653030633066666565000000002a00000003000000000000006164"
          "6100505c18a3010000efcdab8967452301fcbaf38d37d74a2fbccc9131e725a56ec2a70d8ec34094dcd9"
          "0466954d28c096")
REDIRECT = (unhex("0e000000", "1500000000000000") + b"ws://10.0.0.2:8080/ws"
            + unhex("b600000000000000") + TICKET.encode())

# GameEvent{tick 1240, Kill{killer 0, victim 1, respawn_tick 1330}} (PROTOCOL.md 10.3).
GAME_EVENT_KILL = unhex("08000000 d8040000 0a00000000000000 00000000 00 01 32050000")

# The arena snapshots of section 15 (byte for byte protocol 3's).
SNAPSHOT_FULL = unhex(
    "07000000d30400007600000000062208c832c112406401f4050028e00000c05d4c3d8023010200000000e0330814",
    "0020ffff05805c4c3d00800000")
SNAPSHOT_DELTA = unhex(
    "07000000d4040000770000000108218c75fd800c400b006401c003c0030064010100010000d034c01200c00100ffff")
SNAPSHOT_EMPTY = unhex("070000000100000000000000000000000000")
SNAPSHOTS_INVALID = {
    "cut in a player": unhex("07000000d30400007600000000062208c832c112"),
    "101 slots": unhex("0700000001000000000000000065", "00" * 26, "00000000"),
    "a trailing byte": SNAPSHOT_FULL + b"\x00",
}


def snapshot(tick, baseline_age, players=(), added=(), removed=()):
    return {"tick": tick, "ack": 0, "baseline_age": baseline_age, "players": list(players),
            "added_bullets": list(added), "removed_bullets": list(removed)}


def state_change(slot, x, y, aim=0, hp=100, flags=bot.PLAYER_ALIVE):
    return {"change": "state", "slot": slot, "x": x, "y": y, "aim": aim, "hp": hp, "flags": flags}


def moved(slot, dx, dy):
    return {"change": "moved", "slot": slot, "dx": dx, "dy": dy}


def gone(slot):
    return {"change": "gone", "slot": slot}


def bullet(bullet_id, owner=0, x=160, y=160, heading=0):
    return {"id": bullet_id, "owner": owner, "x": x, "y": y, "heading": heading}


class Encoding(unittest.TestCase):
    def test_hello_speaks_protocol_4(self):
        self.assertEqual(bot.encode_hello("ada"), unhex("00000000 0500 0300000000000000 616461"))

    def test_quick_join_names_the_arena(self):
        self.assertEqual(bot.encode_quick_join(), unhex("05000000 0500000000000000 6172656e61"))

    def test_join_by_code_and_leave(self):
        self.assertEqual(bot.encode_join_by_code("QX7K2P"),
                         unhex("04000000 0600000000000000 5158374b3250"))
        self.assertEqual(bot.encode_leave_room(), unhex("06000000"))

    def test_redeem_carries_the_protocol_and_the_ticket(self):
        self.assertEqual(bot.encode_redeem(TICKET),
                         unhex("0d000000 0500 b600000000000000") + TICKET.encode())

    def test_inputs_are_a_header_and_the_arena_payload(self):
        cases = [  # the golden vectors client_input*, unchanged from protocol 3
            ((1, 8, 0.0, False, 0), "07000000 01000000 08 00000000 00 00000000"),
            ((257, 10, math.pi / 4, True, 254), "07000000 01010000 0a db0f493f 01 fe000000"),
            ((2**32 - 1, 5, -math.pi / 2, True, 66051), "07000000 ffffffff 05 db0fc9bf 01 03020100"),
        ]
        for (seq, movement, aim, fire, render_tick), expected in cases:
            with self.subTest(seq=seq):
                payload = bot.encode_arena_input(movement, aim, fire, render_tick)
                self.assertEqual(len(payload), 10)
                self.assertEqual(bot.encode_input(seq, payload), unhex(expected))


class EnvelopeDecoding(unittest.TestCase):
    def test_joined_carries_the_setup_as_bytes_and_scores_as_arrays(self):
        tag, fields = bot.decode(JOINED_ARENA)
        self.assertEqual(tag, bot.JOINED)
        self.assertEqual(fields["room"], {"id": 42, "name": "Café ☕", "mode": "arena", "players": 3,
                                          "capacity": 100, "public": True, "bots": 0})
        self.assertEqual((fields["code"], fields["you"], fields["tick"]), ("QX7K2P", 2, 1234))
        self.assertEqual(fields["setup"], ARENA_SETUP)
        self.assertEqual(fields["roster"], [
            {"slot": 0, "player_id": 3, "name": "ada", "score": [5, 2], "bot": False},
            {"slot": 1, "player_id": 0, "name": "Bot Ada", "score": [1, 0], "bot": True}])

    def test_the_arena_setup_decodes_whole(self):
        self.assertEqual(bot.decode_arena_setup(ARENA_SETUP), {
            "width": 1600, "height": 1000, "walls": [(0, 0, 1600, 20), (700, 400, 200, 40)],
            "player_radius": 15.5, "player_speed": 200.0, "bullet_radius": 4.0,
            "bullet_speed": 600.0, "max_hp": 100, "fire_cooldown_ticks": 6,
            "bullet_range": 1000.0, "spawn_protection_ticks": 53})
        with self.assertRaises(ValueError):
            bot.decode_arena_setup(ARENA_SETUP + b"\x00")
        with self.assertRaises(ValueError):
            bot.decode_arena_setup(ARENA_SETUP[:-1])

    def test_a_setup_longer_than_the_frame_is_refused(self):
        at = JOINED_ARENA.index(unhex("3500000000000000"))
        with self.assertRaises(ValueError):
            bot.decode(JOINED_ARENA[:at] + unhex("ff00000000000000") + JOINED_ARENA[at + 8:])

    def test_player_joined_has_a_score_array(self):
        entry = unhex("05000000 03 0b000000 0300000000000000 657665 0200000000000000 0000000000000000 00")
        self.assertEqual(bot.decode(entry), (bot.PLAYER_JOINED, {"player": {
            "slot": 3, "player_id": 11, "name": "eve", "score": [0, 0], "bot": False}}))

    def test_a_game_event_carries_the_arena_kill(self):
        tag, fields = bot.decode(GAME_EVENT_KILL)
        self.assertEqual((tag, fields["tick"]), (bot.GAME_EVENT, 1240))
        self.assertEqual(bot.decode_arena_event(fields["event"]),
                         {"event": "kill", "killer": 0, "victim": 1, "respawn_tick": 1330})
        with self.assertRaises(ValueError):
            bot.decode_arena_event(unhex("01000000 00 01 32050000"))  # no arena event 1
        with self.assertRaises(ValueError):
            bot.decode_arena_event(unhex("00000000 00 01 3205000000"))  # a byte too many

    def test_a_redirect_names_the_node_and_the_ticket(self):
        self.assertEqual(bot.decode(REDIRECT), (bot.REDIRECT, {"url": "ws://10.0.0.2:8080/ws",
                                                               "ticket": TICKET}))
        with self.assertRaises(ValueError):
            bot.decode(REDIRECT[:-1])

    def test_snapshots_are_a_header_and_a_body(self):
        tag, fields = bot.decode(SNAPSHOT_EMPTY)
        self.assertEqual(tag, bot.SNAPSHOT)
        self.assertEqual(fields, {"tick": 1, "ack": 0, "baseline_age": 0, "body": unhex("00 0000 0000")})

    def test_bytes_after_a_message_are_refused(self):
        for frame in (GAME_EVENT_KILL, JOINED_ARENA, REDIRECT, unhex("040000002a000000")):
            with self.subTest(frame[:4].hex()), self.assertRaises(ValueError):
                bot.decode(frame + b"\x00")


class ArenaSnapshots(unittest.TestCase):
    def test_the_full_snapshot_decodes(self):
        self.assertEqual(bot.decode_arena_snapshot(SNAPSHOT_FULL), {
            "tick": 1235, "ack": 118, "baseline_age": 0, "body": SNAPSHOT_FULL[13:],
            "players": [state_change(0, 13000, 4801, 64, 100, 1), state_change(2, 1524, 10240, 224, 0, 0),
                        state_change(5, 24000, 15692, 128, 35, 1)],
            "added_bullets": [bullet(0, 0, 13280, 5128, 8192), bullet(65535, 5, 23680, 15692, 32768)],
            "removed_bullets": []})

    def test_the_delta_decodes(self):
        decoded = bot.decode_arena_snapshot(SNAPSHOT_DELTA)
        self.assertEqual((decoded["tick"], decoded["ack"], decoded["baseline_age"]), (1236, 119, 1))
        self.assertEqual(decoded["players"], [moved(0, 117, -3), state_change(2, 3200, 2880),
                                              gone(5), state_change(7, 960, 960)])
        self.assertEqual(decoded["added_bullets"], [bullet(1, 0, 13520, 4800, 49152)])
        self.assertEqual(decoded["removed_bullets"], [65535])

    def test_the_delta_applies_on_the_full_snapshot(self):
        state = None
        for frame in (SNAPSHOT_FULL, SNAPSHOT_DELTA):
            state = bot.apply_snapshot(state, bot.decode_arena_snapshot(frame))
        self.assertEqual(state, {"tick": 1236, "players": {
            0: {"x": 13117, "y": 4798, "aim": 64, "hp": 100, "flags": 1},
            2: {"x": 3200, "y": 2880, "aim": 0, "hp": 100, "flags": 1},
            7: {"x": 960, "y": 960, "aim": 0, "hp": 100, "flags": 1},
        }, "bullets": {
            0: {"owner": 0, "x": 13280, "y": 5128, "heading": 8192, "since": 1235},
            1: {"owner": 0, "x": 13520, "y": 4800, "heading": 49152, "since": 1236},
        }})

    def test_invalid_bodies_are_refused(self):
        for name, frame in SNAPSHOTS_INVALID.items():
            with self.subTest(name), self.assertRaises(ValueError):
                bot.decode_arena_snapshot(frame)

    def body(self, slot_count, change_map=b"", tail=b""):
        return struct.pack("<B", slot_count) + change_map + tail

    def test_a_change_map_of_more_than_100_slots_is_refused(self):
        with self.assertRaises(ValueError):
            bot.decode_arena_body(self.body(101, bytes(26), struct.pack("<HH", 0, 0)))

    def test_bytes_after_the_removed_bullets_are_refused(self):
        self.assertEqual(bot.decode_arena_body(self.body(0, tail=struct.pack("<HH", 0, 0)))["players"], [])
        with self.assertRaises(ValueError):
            bot.decode_arena_body(self.body(0, tail=struct.pack("<HHB", 0, 0, 0)))

    def test_codes_are_read_two_bits_per_slot_from_the_low_bits(self):
        # slot 0 gone, slot 1 unchanged, slot 2 moved, slot 3 unchanged, slot 4 state
        change_map = bytes([0b00_01_00_11, 0b10])
        data = struct.pack("<bbHHBBBHH", -3, 5, 400, 500, 64, 90, 1, 0, 0)
        fields = bot.decode_arena_body(self.body(5, change_map, data))
        self.assertEqual(fields["players"], [gone(0), moved(2, -3, 5),
                                             state_change(4, 400, 500, 64, 90, 1)])


class ApplyingSnapshots(unittest.TestCase):
    def full(self):
        return bot.apply_snapshot(None, snapshot(
            10, 0, [state_change(0, 100, 200), state_change(3, 65535, 0)], [bullet(7), bullet(8)]))

    def test_a_delta_changes_its_baseline(self):
        state = bot.apply_snapshot(self.full(), snapshot(
            12, 2, [moved(0, -4, 6), gone(3), state_change(5, 1, 2, 3, 4, 0)],
            [bullet(7, owner=5, heading=16384)], [7, 8]))
        self.assertEqual(state["tick"], 12)
        self.assertEqual(state["players"], {
            0: {"x": 96, "y": 206, "aim": 0, "hp": 100, "flags": 1},
            5: {"x": 1, "y": 2, "aim": 3, "hp": 4, "flags": 0}})
        self.assertEqual(state["bullets"], {
            7: {"owner": 5, "x": 160, "y": 160, "heading": 16384, "since": 12}})

    def test_a_delta_leaves_its_baseline_alone(self):
        baseline = self.full()
        bot.apply_snapshot(baseline, snapshot(11, 1, [moved(0, 1, 1), gone(3)], [], [7]))
        self.assertEqual(baseline, self.full())

    def test_the_baseline_tick_wraps_around_like_a_u32(self):
        last = bot.apply_snapshot(None, snapshot(2**32 - 1, 0, [state_change(0, 1, 1)]))
        self.assertEqual(bot.apply_snapshot(last, snapshot(0, 1))["players"], last["players"])

    def test_a_full_snapshot_forgets_the_state_before(self):
        state = bot.apply_snapshot(self.full(), snapshot(30, 0, [state_change(1, 5, 5)]))
        self.assertEqual(list(state["players"]), [1])
        self.assertEqual(state["bullets"], {})

    def test_snapshots_that_do_not_fit_the_state_are_refused(self):
        cases = {
            "a delta before any state": (None, snapshot(11, 1)),
            "a delta against another tick": (self.full(), snapshot(11, 2)),
            "a baseline before tick 0": (self.full(), snapshot(1, 2)),
            "moving an empty slot": (self.full(), snapshot(11, 1, [moved(1, 1, 1)])),
            "an empty slot gone": (self.full(), snapshot(11, 1, [gone(2)])),
            "moving past 65535": (self.full(), snapshot(11, 1, [moved(3, 1, 0)])),
            "moving below 0": (self.full(), snapshot(11, 1, [moved(3, 0, -1)])),
            "removing a bullet not in flight": (self.full(), snapshot(11, 1, [], [], [9])),
            "removing a bullet twice": (self.full(), snapshot(11, 1, [], [], [7, 7])),
            "adding a bullet in flight": (self.full(), snapshot(11, 1, [], [bullet(8)])),
            "adding one id twice": (None, snapshot(1, 0, [], [bullet(1), bullet(1)])),
        }
        for name, (state, delta) in cases.items():
            with self.subTest(name), self.assertRaises(ValueError):
                bot.apply_snapshot(state, delta)


class InARoom(unittest.TestCase):
    def joined_bot(self):
        player = bot.Bot("t")
        player.tick_rate = 30
        self.assertTrue(player.joined(bot.decode(JOINED_ARENA)[1]))
        return player

    def test_joining_an_arena_room_decodes_its_setup(self):
        player = self.joined_bot()
        self.assertEqual(player.you, 2)
        self.assertEqual(player.setup["bullet_speed"], 600.0)
        self.assertEqual(player.setup["walls"][1], (700, 400, 200, 40))

    def test_kills_count_into_the_roster_scores(self):
        player = self.joined_bot()
        player.observe(*bot.decode(GAME_EVENT_KILL))   # slot 0 kills slot 1
        self.assertEqual(player.scores(), {0: ("ada", 6, 2), 1: ("Bot Ada", 1, 1)})

    def test_snapshots_are_read_with_the_arena_codec(self):
        player = self.joined_bot()
        player.observe(*bot.decode(SNAPSHOT_FULL))
        player.observe(*bot.decode(SNAPSHOT_DELTA))
        self.assertEqual(player.ack, 119)
        self.assertEqual(player.players[2], {"x": 200.0, "y": 180.0, "alive": True})
        self.assertEqual(player.render_tick(), 1236)

    def test_a_room_of_another_game_is_refused_with_a_clear_message(self):
        tag, fields = bot.decode(JOINED_TAG)   # the envelope decodes whatever the mode
        self.assertEqual((tag, fields["room"]["mode"], fields["setup"]), (bot.JOINED, "tag", TAG_SETUP))
        self.assertEqual(fields["roster"][0]["score"], [0, 0])
        self.assertEqual(bot.cannot_play(fields["room"]),
                         'room 7 "roo" runs the game "tag", which this bot cannot play '
                         '(it plays only "arena")')
        player = bot.Bot("t")
        self.assertFalse(player.joined(fields))
        self.assertIsNone(player.setup, "a tag setup is never read as the arena's")
        self.assertIsNone(bot.cannot_play(bot.decode(JOINED_ARENA)[1]["room"]))


class BulletPositions(unittest.TestCase):
    def test_a_bullet_flies_bullet_speed_per_second_along_its_heading(self):
        down = {"owner": 0, "x": 160, "y": 320, "heading": 16384, "since": 100}
        x, y, heading = bot.bullet_position(down, 130, 600.0, 30)
        self.assertAlmostEqual(x, 10.0, places=3)
        self.assertAlmostEqual(y, 20.0 + 600.0, places=3)
        self.assertAlmostEqual(heading, math.pi / 2)
        self.assertEqual(bot.bullet_position(down, 100, 600.0, 30)[:2], (10.0, 20.0))


def vectors_for_this_protocol(test, file_name):
    """The JSON of tests/vectors/FILE, or skips the test (loudly) while the vectors are for an
    older protocol or not written yet; fails when they are for a newer one."""
    path = VECTORS / file_name
    if not path.exists():
        test.skipTest(f"no {path.name} yet (PROTOCOL.md section 12)")
    vectors = json.loads(path.read_text())
    version = vectors["protocol_version"]
    if version < bot.PROTOCOL_VERSION:
        why = (f"{path.name} is for protocol {version}, this bot speaks {bot.PROTOCOL_VERSION}: "
               f"regenerate the vectors to check the bot against them")
        if why not in SKIPPED:
            SKIPPED.add(why)
            print(f"\n!!!!!!!! SKIPPED: {why} !!!!!!!!", file=sys.stderr)
        test.skipTest(why)
    test.assertEqual(version, bot.PROTOCOL_VERSION, f"{path.name} is newer than this bot")
    return vectors


class GoldenEnvelopeVectors(unittest.TestCase):
    """tests/vectors/index.json: every envelope message the bot reads decodes, and the arena's
    payloads inside them decode with its codec."""

    def setUp(self):
        self.index = vectors_for_this_protocol(self, "index.json")

    def test_server_messages_decode(self):
        known = {bot.WELCOME, bot.ERROR, bot.JOINED, bot.LEFT, bot.PLAYER_JOINED, bot.PLAYER_LEFT,
                 bot.SNAPSHOT, bot.GAME_EVENT, bot.CHAT, bot.PONG, bot.ROOM_CLOSED}
        checked = set()
        for vector in [v for v in self.index["valid"] if v["direction"] == "server"]:
            data = bytes.fromhex(vector["hex"])
            if struct.unpack_from("<I", data)[0] not in known:
                continue
            with self.subTest(vector["name"]):
                tag, fields = bot.decode(data)
                checked.add(tag)
                message = vector["message"]
                if tag == bot.JOINED:
                    self.assertEqual(fields["setup"].hex(), message.get("setup"))
                    self.assertEqual([e["score"] for e in fields["roster"]],
                                     [e.get("score") for e in message["roster"]])
                    if fields["room"]["mode"] == bot.MODE:
                        bot.decode_arena_setup(fields["setup"])
                elif tag == bot.SNAPSHOT:
                    self.assertEqual((fields["tick"], fields["ack"], fields["baseline_age"]),
                                     (message["tick"], message["ack"], message["baseline_age"]))
                    self.assertEqual(fields["body"].hex(), message.get("body", fields["body"].hex()))
                    bot.decode_arena_body(fields["body"])
                elif tag == bot.GAME_EVENT:
                    self.assertEqual(fields["event"].hex(), message.get("event", fields["event"].hex()))
                    bot.decode_arena_event(fields["event"])
        self.assertTrue({bot.JOINED, bot.SNAPSHOT, bot.GAME_EVENT} <= checked)

    def vector(self, name):
        return next(v for v in self.index["valid"] if v["name"] == name)

    def test_redeem_encodes_to_its_bytes(self):
        vector = self.vector("client_redeem")
        self.assertEqual(vector["message"]["protocol"], bot.PROTOCOL_VERSION)
        self.assertEqual(bot.encode_redeem(vector["message"]["ticket"]).hex(), vector["hex"])

    def test_a_redirect_decodes(self):
        vector = self.vector("server_redirect")
        message = vector["message"]
        self.assertEqual(bot.decode(bytes.fromhex(vector["hex"])),
                         (bot.REDIRECT, {"url": message["url"], "ticket": message["ticket"]}))

    def test_arena_inputs_encode_to_their_bytes(self):
        inputs = [v for v in self.index["valid"] if v["hex"].startswith("07000000")
                  and v["direction"] == "client"]
        self.assertTrue(inputs, "the index has input vectors")
        for vector in inputs:
            data = bytes.fromhex(vector["hex"])
            if len(data) != 18:
                continue   # another mode's input
            with self.subTest(vector["name"]):
                seq = struct.unpack_from("<I", data, 4)[0]
                movement, aim, fire, render_tick = struct.unpack_from("<BfBI", data, 8)
                payload = bot.encode_arena_input(movement, aim, fire == 1, render_tick)
                self.assertEqual(bot.encode_input(seq, payload), data)


class GoldenArenaVectors(unittest.TestCase):
    """tests/vectors/arena.json: the arena's payloads, alone."""

    def setUp(self):
        self.arena = vectors_for_this_protocol(self, "arena.json")
        self.assertEqual(self.arena["mode"], "arena")

    def test_inputs_encode_to_their_bytes(self):
        for vector in self.arena["inputs"]:
            with self.subTest(vector["name"]):
                data = bytes.fromhex(vector["hex"])
                movement, aim, fire, render_tick = struct.unpack("<BfBI", data)
                self.assertEqual(bot.encode_arena_input(movement, aim, fire == 1, render_tick), data)
                value = vector["value"]
                if {"movement", "aim", "fire", "render_tick"} <= set(value):
                    self.assertEqual(bot.encode_arena_input(value["movement"], value["aim"],
                                                            value["fire"], value["render_tick"]), data)

    def test_setups_decode(self):
        for vector in self.arena["setups"]:
            with self.subTest(vector["name"]):
                setup = bot.decode_arena_setup(bytes.fromhex(vector["hex"]))
                for key in ("width", "height", "max_hp", "fire_cooldown_ticks", "bullet_range",
                            "spawn_protection_ticks", "player_speed", "player_radius"):
                    if key in vector["value"]:
                        self.assertEqual(setup[key], vector["value"][key], key)

    def test_events_decode(self):
        for vector in self.arena["events"]:
            with self.subTest(vector["name"]):
                event = bot.decode_arena_event(bytes.fromhex(vector["hex"]))
                kill = vector["value"].get("Kill", vector["value"])
                for key in ("killer", "victim", "respawn_tick"):
                    if key in kill:
                        self.assertEqual(event[key], kill[key], key)

    def test_full_snapshot_bodies_apply_to_nothing(self):
        for vector in [v for v in self.arena["snapshots"] if v["baseline"] is None]:
            with self.subTest(vector["name"]):
                body = bot.decode_arena_body(bytes.fromhex(vector["hex"]))
                state = bot.apply_snapshot(None, {"tick": vector["tick"], "baseline_age": 0, **body})
                players = vector["state"].get("players")
                if isinstance(players, list):
                    self.assertEqual(len(state["players"]), len(players))


if __name__ == "__main__":
    unittest.main()
