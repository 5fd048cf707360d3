// fixtures.js — the match setup the node tests of client/ share (a 1600×1000 arena with one
// wall), so that a change of GameSetup's fields touches one place.
//
// Owns: test data only. Must not: be imported by the game's own modules.

export const TEST_SETUP = Object.freeze({
  width: 1600,
  height: 1000,
  walls: [{ x: 700, y: 400, w: 200, h: 40 }],
  player_radius: 16,
  player_speed: 240,
  bullet_radius: 4,
  bullet_speed: 600,
  max_hp: 100,
  fire_cooldown_ticks: 6,
  bullet_range: 900,
  spawn_protection_ticks: 53,
});
