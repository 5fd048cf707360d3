#!/usr/bin/env python3
"""Offline checks of python_bot.py, no server needed: its Input encoder and its Joined and
snapshot decoders against the golden vectors of tests/vectors/index.json, and its room state
against a few hand-built snapshots.

    python3 examples/python_bot_test.py
"""

import json
import math
import pathlib
import struct
import unittest

import python_bot as bot

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors" / "index.json"


def vector_json(snapshot):
    """A decoded snapshot in the JSON form of the golden vectors."""
    def change(entry):
        fields = {key: value for key, value in entry.items() if key != "change"}
        return {entry["change"].capitalize(): fields}
    return {"type": "Snapshot", "tick": snapshot["tick"], "ack": snapshot["ack"],
            "baseline_age": snapshot["baseline_age"],
            "players": [change(entry) for entry in snapshot["players"]],
            "added_bullets": snapshot["added_bullets"],
            "removed_bullets": snapshot["removed_bullets"]}


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


class GoldenVectors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.index = json.loads(VECTORS.read_text())

    def test_the_vectors_are_for_this_protocol_version(self):
        self.assertEqual(self.index["protocol_version"], bot.PROTOCOL_VERSION)

    def test_inputs_encode_to_their_bytes(self):
        vectors = [v for v in self.index["valid"] if v["message"]["type"] == "Input"]
        self.assertTrue(vectors, "the index has input vectors")
        for vector in vectors:
            with self.subTest(vector["name"]):
                m = vector["message"]
                data = bot.encode_input(m["seq"], m["movement"], m["aim"], m["fire"],
                                        m["render_tick"])
                self.assertEqual(data.hex(), vector["hex"])

    def test_joined_decodes_with_the_whole_game_setup(self):
        for vector in [v for v in self.index["valid"] if v["message"]["type"] == "Joined"]:
            with self.subTest(vector["name"]):
                tag, fields = bot.decode(bytes.fromhex(vector["hex"]))
                self.assertEqual(tag, bot.JOINED)
                expected = vector["message"]["setup"]
                setup = fields["setup"]
                self.assertEqual(fields["tick"], vector["message"]["tick"])
                for key in ("max_hp", "fire_cooldown_ticks", "bullet_range", "spawn_protection_ticks",
                            "player_speed"):
                    self.assertEqual(setup[key], expected[key], key)
                self.assertEqual(len(fields["roster"]), len(vector["message"]["roster"]))

    def test_valid_snapshots_decode_to_their_message(self):
        vectors = [v for v in self.index["valid"] if v["message"]["type"] == "Snapshot"]
        self.assertTrue(vectors, "the index has snapshot vectors")
        for vector in vectors:
            with self.subTest(vector["name"]):
                tag, fields = bot.decode(bytes.fromhex(vector["hex"]))
                self.assertEqual(tag, bot.SNAPSHOT)
                self.assertEqual(vector_json(fields), vector["message"])

    def test_the_delta_applies_on_the_full_snapshot(self):
        frames = {v["name"]: bytes.fromhex(v["hex"]) for v in self.index["valid"]}
        state = None
        for name in ("server_snapshot_full", "server_snapshot_delta"):
            state = bot.apply_snapshot(state, bot.decode(frames[name])[1])
        self.assertEqual(state, {"tick": 1236, "players": {
            0: {"x": 13117, "y": 4798, "aim": 64, "hp": 100, "flags": 1},
            2: {"x": 3200, "y": 2880, "aim": 0, "hp": 100, "flags": 1},
            7: {"x": 960, "y": 960, "aim": 0, "hp": 100, "flags": 1},
        }, "bullets": {
            0: {"owner": 0, "x": 13280, "y": 5128, "heading": 8192, "since": 1235},
            1: {"owner": 0, "x": 13520, "y": 4800, "heading": 49152, "since": 1236},
        }})

    def test_invalid_snapshots_are_refused(self):
        frames = [v for v in self.index["invalid"]
                  if v["direction"] == "server" and v["hex"].startswith("07000000")]
        self.assertTrue(frames, "the index has invalid snapshot frames")
        for frame in frames:
            with self.subTest(frame["name"]), self.assertRaises(ValueError):
                bot.decode(bytes.fromhex(frame["hex"]))


class Decoding(unittest.TestCase):
    def frame(self, slot_count, change_map=b"", tail=b""):
        header = struct.pack("<IIIBB", bot.SNAPSHOT, 9, 4, 0, slot_count)
        return header + change_map + tail

    def test_a_change_map_of_more_than_100_slots_is_refused(self):
        with self.assertRaises(ValueError):
            bot.decode(self.frame(101, bytes(26), struct.pack("<HH", 0, 0)))

    def test_bytes_after_the_removed_bullets_are_refused(self):
        self.assertEqual(bot.decode(self.frame(0, tail=struct.pack("<HH", 0, 0)))[1]["tick"], 9)
        with self.assertRaises(ValueError):
            bot.decode(self.frame(0, tail=struct.pack("<HHB", 0, 0, 0)))

    def test_codes_are_read_two_bits_per_slot_from_the_low_bits(self):
        # slot 0 gone, slot 1 unchanged, slot 2 moved, slot 3 unchanged, slot 4 state
        change_map = bytes([0b00_01_00_11, 0b10])
        data = struct.pack("<bbHHBBBHH", -3, 5, 400, 500, 64, 90, 1, 0, 0)
        _, fields = bot.decode(self.frame(5, change_map, data))
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


class BulletPositions(unittest.TestCase):
    def test_a_bullet_flies_bullet_speed_per_second_along_its_heading(self):
        down = {"owner": 0, "x": 160, "y": 320, "heading": 16384, "since": 100}
        x, y, heading = bot.bullet_position(down, 130, 600.0, 30)
        self.assertAlmostEqual(x, 10.0, places=3)
        self.assertAlmostEqual(y, 20.0 + 600.0, places=3)
        self.assertAlmostEqual(heading, math.pi / 2)
        self.assertEqual(bot.bullet_position(down, 100, 600.0, 30)[:2], (10.0, 20.0))


if __name__ == "__main__":
    unittest.main()
