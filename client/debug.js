// debug.js — the page's state as `window.skirmish.state()` gives it to the browser tests and
// to whoever debugs: plain data (copies), the screen, the connection, the room and its game's
// own facts (RoomBase subclasses' `debug(now)`), the roster with its scores also by their
// columns' names (the arena's `kills` and `deaths`, tag's `points` and `tags`).
//
// Owns: the shape of that state. Must not: change anything it reads.

function currentScreen() {
  for (const id of ["name-screen", "lobby-screen", "game-screen"]) {
    if (!document.getElementById(id).hidden) return id.replace("-screen", "");
  }
  return "none";
}

/** A roster entry with its scores also by their columns' names (e.g. kills, deaths). */
function namedScores(entry, game) {
  const named = Object.fromEntries(game.scoreColumns.map(({ key }, i) => [key, entry.score[i]]));
  return { ...entry, score: [...entry.score], ...named };
}

/** The camera of the canvas: the room's renderer's, or the identity before any room. */
function canvasState(app) {
  const camera = app.renderer?.camera ?? { scale: 1, originX: 0, originY: 0 };
  return { scale: camera.scale, left: camera.originX, top: camera.originY };
}

/**
 * The page's facts: `app` is main.js's; `now` the time the room lives in, `aim` the own aim,
 * `sounds` audio.js's Sounds and `replay` replay-view.js's ReplayView.
 */
export function debugState(app, { now, aim, sounds, replay }) {
  const room = app.room;
  return {
    screen: currentScreen(),
    connection: app.connection?.state ?? "none",
    connectionText: app.connectionText,
    name: app.name,
    playerId: app.welcome?.player_id ?? null,
    tickRate: app.welcome?.tick_rate ?? null,
    lastError: app.lastError,
    rooms: app.rooms.map((r) => ({ ...r })),
    room: room
      ? { id: room.room.id, name: room.room.name, mode: room.room.mode, code: room.code, you: room.you }
      : null,
    spectating: room ? room.you === null : false,
    following: app.following,
    tick: room?.latestTick ?? null,
    // The game's own facts: the arena's position, hp, protected, respawnIn, others; tag's
    // position, it, frozen, immune, phase, others.
    ...(room ? room.debug(now) : { position: null, drawnPosition: null, serverPosition: null, others: [] }),
    aim,
    stats: room ? room.netStats() : null,
    peersSeen: room ? [...room.peersSeen.values()] : [],
    // Where world (0, 0) is on the page and how many CSS pixels a world unit takes.
    canvas: canvasState(app),
    stalled: app.stalled,
    muted: sounds.muted,
    soundsPlayed: { ...sounds.played },
    errors: [...app.errors],
    roster: room ? [...room.roster.values()].map((p) => namedScores(p, app.game)) : [],
    chat: room ? room.chat.map((line) => ({ ...line })) : [],
    pingMs: app.connection?.lastRttMs ?? null,
    fps: app.fps,
    longestFrameMs: app.longestFrameMs,
    replay: replay.active() ? replay.state(performance.now()) : null,
  };
}

