// camera.js — which part of the world the window shows: for a player, a view that follows the
// own player at a zoom set by the window's shorter side, clamped near the arena's edges; for a
// spectator, the whole arena or a followed player up close.
//
// Owns: the arithmetic from a viewport (CSS pixels), a world size and a focus to a scale and
// an origin (where world (0, 0) lands, CSS pixels). Must not: touch the DOM or the canvas; it
// is pure so that tests can check where any world point ends up on any screen.

/** World units the window's shorter side shows while playing. */
export const PLAYER_VIEW_UNITS = 600;
/**
 * How far past the arena's edge the view may go, as a share of the view. It keeps the own
 * player at least this share of the window away from every window edge, clear of the HUD in
 * the corners, even at a spawn point in an arena corner.
 */
export const EDGE_SLACK = 0.25;

/** The whole arena, as large as fits, centred. */
export function wholeArena(viewport, world) {
  const scale = Math.min(viewport.width / world.width, viewport.height / world.height);
  return {
    scale,
    originX: (viewport.width - world.width * scale) / 2,
    originY: (viewport.height - world.height * scale) / 2,
  };
}

/**
 * The scale at which a player sees `PLAYER_VIEW_UNITS` across the window's shorter side, or
 * closer where that would leave the window wider or taller than the arena (a phone held
 * upright): the arena always fills the window around the player.
 */
export function playerScale(viewport, world) {
  return Math.max(
    Math.min(viewport.width, viewport.height) / PLAYER_VIEW_UNITS,
    viewport.width / world.width,
    viewport.height / world.height,
  );
}

/**
 * A view at `scale` centred on `at` ({x, y} world units) where the arena allows: the view
 * stops `EDGE_SLACK` of itself past the arena's edge; on an axis where the arena is smaller
 * than the rest of the view, the arena is centred.
 */
export function follow(viewport, world, at, scale) {
  const axis = (view, size, point) => {
    const span = view / scale;
    const margin = span * (0.5 - EDGE_SLACK);
    if (size < 2 * margin) return (view - size * scale) / 2;
    const centre = Math.min(Math.max(point, margin), size - margin);
    return view / 2 - centre * scale;
  };
  return {
    scale,
    originX: axis(viewport.width, world.width, at.x),
    originY: axis(viewport.height, world.height, at.y),
  };
}

/** Where world point `p` is drawn by `camera`, in CSS pixels from the viewport's corner. */
export function toScreen(camera, p) {
  return { x: camera.originX + p.x * camera.scale, y: camera.originY + p.y * camera.scale };
}
