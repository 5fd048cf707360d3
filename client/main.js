// main.js — wires the modules together: the connection's messages to the lobby and the room
// state, the render loop (which also sends the inputs due, paced by room.js) and the page's
// screens. A room is played by the game of its mode (games/index.js): that game's room state,
// renderer, effects and input; the connection, lobby, chat, HUD and spectating are shared.
// It holds the application's few top-level facts (name, connection, room, game) and nothing
// else of its own.
//
// `window.skirmish.state()` is a read-only snapshot of those facts for tests and debugging
// (debug.js).

import { Connection, defaultServerUrl } from "./net.js";
import { Sounds } from "./audio.js";
import { follow, playerScale, wholeArena } from "./camera.js";
import { Controls } from "./input.js";
import { InputSender } from "./sender.js";
import { debugState } from "./debug.js";
import {
  Lobby,
  rememberName,
  rememberedName,
  roomCodeFromHash,
  roomLink,
  showRoomInAddress,
} from "./lobby.js";
import { cannotPlay, gameFor, MODES } from "./games/index.js";
import { PROTOCOL_VERSION, ProtocolError } from "./protocol.js";
import { replayIdFromSearch } from "./replay.js";
import { ReplayView } from "./replay-view.js";
import { cameraFocus, nextFollow, SpectatorBar, watchCodeFromSearch } from "./spectate.js";
import { ConnectionBanner, describeError, GameHud, showScreen } from "./ui.js";

const ROOM_LIST_POLL_MS = 2000;
const HUD_STATS_MS = 250;
const RECENT_MATCHES = 8;
/** Matches end far less often than rooms change, and each listing is a database query. */
const RECENT_MATCHES_POLL_MS = 15000;

const app = {
  name: rememberedName(),
  connection: null,
  connectionText: "",
  welcome: null,
  room: null,
  /** The game of the room (games/index.js), with its renderer and effects; null outside one. */
  game: null,
  renderer: null,
  effects: null,
  /** A room code to join as soon as the connection is ready (from a link or a reconnect). */
  pendingCode: roomCodeFromHash(location.hash),
  /** A room code to watch as soon as the connection is ready (`?watch=CODE`, the monitor's). */
  pendingWatch: watchCodeFromSearch(location.search),
  /** Spectators only: the slot the camera follows, or null for the whole arena. */
  following: null,
  lastError: null,
  rooms: [],
  /** Frames drawn so far, to count how many a shot takes to show. */
  frames: 0,
  /** The longest time between two frames so far (a stalled page sends its inputs late). */
  longestFrameMs: 0,
  roomListTimer: null,
  matchListTimer: null,
  fps: 0,
  lastFrameAt: null,
  lastStatsAt: 0,
  /** Whether the banner says that snapshots stopped coming. */
  stalled: false,
  /** Uncaught errors of this page, in words, for tests and debugging. */
  errors: [],
};

window.addEventListener("error", (event) => app.errors.push(String(event.message)));
window.addEventListener("unhandledrejection", (event) => app.errors.push(String(event.reason)));

const canvas = document.getElementById("arena");
const controls = new Controls(canvas, document.getElementById("game-screen"));
const sender = new InputSender(controls);
const banner = new ConnectionBanner(() => reconnect());
const sounds = new Sounds();
/** Each game's renderer and effects, made the first time a room of it is entered. */
const gameParts = new Map();

const lobby = new Lobby({
  submitName(name) {
    app.name = name;
    app.lastError = null;
    closeConnection();
    connect();
  },
  quickPlay: (mode) => requestJoin({ type: "QuickJoin", mode }),
  create: (settings) => requestJoin({ type: "CreateRoom", ...settings }),
  joinRoom: (id) => requestJoin({ type: "JoinRoom", room: id }),
  watchRoom: (id) => requestJoin({ type: "Spectate", room: id }),
  joinCode: (code) => requestJoin({ type: "JoinByCode", code }),
  changeName() {
    closeConnection();
    banner.set("idle", "");
    showNameStep(null);
  },
}, MODES.map((mode) => ({ mode, title: gameFor(mode).title })));

const hud = new GameHud({
  leave() {
    if (replay.active()) {
      location.assign("/");
      return;
    }
    if (app.connection?.send({ type: "LeaveRoom" })) return;
    // Not connected: there is no room to leave on the server; just go back.
    leaveRoomLocally();
    showScreen("lobby-screen");
    lobby.showLobby(app.name);
  },
  copyLink() {
    if (!app.room) return;
    const link = roomLink(location, app.room.code);
    navigator.clipboard?.writeText(link).then(
      () => hud.linkCopied(true),
      () => hud.linkCopied(false),
    ) ?? hud.linkCopied(false);
  },
  chat(text) {
    app.connection?.send({ type: "Chat", text });
  },
  typing(isTyping) {
    controls.setEnabled(app.room !== null && app.room.you !== null && !isTyping);
  },
  mute(muted) {
    sounds.setMuted(muted);
  },
}, sounds.muted);

const spectatorBar = new SpectatorBar((step) => {
  if (!app.room || app.room.you !== null) return;
  app.following = nextFollow([...app.room.roster.keys()], app.following, step);
  spectatorBar.setFollowing(app.following === null ? null : app.room.nameOf(app.following));
});

const replay = new ReplayView({
  deliver: (msg, at) => handleMessage(msg, at),
  restart: () => leaveRoomLocally(),
});

/**
 * The time the room state lives in: the page's clock, or a replay's playback clock (which
 * stands while paused and runs faster or slower with the speed).
 */
function pageNow() {
  const now = performance.now();
  return replay.active() ? replay.clock(now) : now;
}

/** Plays match `id` (`?replay=ID`) like a spectator's connection. */
async function startReplay(id) {
  banner.set("connecting", "Loading the replay…");
  try {
    app.welcome = await replay.load(id);
  } catch (error) {
    const text = `Cannot play replay ${id}: ${error.message}`;
    banner.set("disconnected", text);
    showNameStep(text);
    return;
  }
  app.connectionText = `Replay of match ${id}`;
  banner.set("connected", app.connectionText);
  // No connection, code or invitation to show: the bar under the arena says what this is.
  for (const id of ["copy-link", "hud-code", "hud-ping"]) document.getElementById(id).hidden = true;
  replay.frame(performance.now());
}

function showNameStep(error) {
  stopLobbyPolling();
  showScreen("name-screen");
  lobby.showNameStep({ name: app.name, error, roomCode: app.pendingCode });
}

function connect() {
  banner.set("connecting", "Connecting…");
  app.connectionText = "Connecting…";
  app.welcome = null;
  sender.connected();
  lobby.setBusy(true);
  const connection = new Connection(defaultServerUrl(location), {
    onOpen() {
      connection.send({ type: "Hello", protocol: PROTOCOL_VERSION, name: app.name });
    },
    onMessage(msg) {
      if (app.connection === connection) handleMessage(msg);
    },
    onClose(description) {
      if (app.connection === connection) disconnected(description);
    },
    onResuming(description) {
      if (app.connection === connection) banner.set("connecting", description);
    },
  });
  app.connection = connection;
}

function closeConnection() {
  const connection = app.connection;
  app.connection = null;
  connection?.close();
  stopLobbyPolling();
}

function reconnect() {
  if (app.room) app.pendingCode = app.room.code;
  leaveRoomLocally();
  connect();
}

function disconnected(description) {
  app.connectionText = description;
  banner.set("disconnected", `Disconnected: ${description}`);
  stopLobbyPolling();
  controls.setEnabled(false);
  if (!app.welcome) {
    // Refused before the handshake finished (a bad name, a version mismatch): back to the name.
    showNameStep(app.lastError ?? description);
  } else if (!app.room) {
    lobby.showError(`Disconnected: ${description}`);
  } else {
    app.room.addSystemLine(`Disconnected: ${description}`);
  }
}

function requestJoin(msg) {
  if (!app.connection?.send(msg)) {
    lobby.showError("Not connected: press Reconnect first.");
    return;
  }
  lobby.showError(null);
  lobby.setBusy(true);
}

function handleMessage(msg, now = pageNow()) {
  switch (msg.type) {
    case "Welcome":
      app.welcome = msg;
      app.connectionText = "Connected";
      banner.set("connected", `Connected as ${app.name}`);
      rememberName(app.name);
      if (app.pendingWatch) {
        const code = app.pendingWatch;
        app.pendingWatch = null;
        showLobby();
        requestJoin({ type: "SpectateByCode", code });
      } else if (app.pendingCode) {
        const code = app.pendingCode;
        app.pendingCode = null;
        showLobby();
        requestJoin({ type: "JoinByCode", code });
      } else {
        showLobby();
      }
      break;
    case "Error":
      serverError(msg);
      break;
    case "RoomList":
      app.rooms = msg.rooms;
      lobby.setRooms(msg.rooms);
      break;
    case "Joined":
      enterRoom(msg, now);
      break;
    case "Spectating":
      enterRoom({ ...msg, you: null }, now);
      break;
    case "Left":
      leaveRoomLocally();
      showLobby();
      break;
    case "RoomClosed":
      leaveRoomLocally();
      showLobby();
      lobby.showError(`The room closed: ${msg.reason}`);
      break;
    case "PlayerJoined":
      app.room?.playerJoined(msg.player);
      break;
    case "PlayerLeft":
      app.room?.playerLeft(msg.slot);
      break;
    case "Snapshot":
      receiveSnapshot(msg, now);
      break;
    case "GameEvent":
      receiveEvent(msg, now);
      break;
    case "Chat":
      app.room?.addChat(msg);
      break;
  }
}

/**
 * Runs `apply`; a game payload that does not decode, or a snapshot that does not fit the last
 * one, is as broken as a frame that does not decode (and every later delta would build on
 * it): the connection ends the way net.js does for those. Returns whether it applied.
 */
function applyPayload(what, apply) {
  try {
    apply();
    return true;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    app.connection?.fail(`${what} from the server did not fit: ${error.message}`);
    return false;
  }
}

function receiveSnapshot(msg, now) {
  if (!app.room) return;
  if (!applyPayload("A snapshot", () => app.room.receiveSnapshot(msg, now))) return;
  hud.snapshotArrived(now);
  app.effects.snapshot(app.room, now);
}

function receiveEvent(msg, now) {
  if (!app.room) return;
  let event;
  if (!applyPayload("A game event", () => (event = app.room.receiveEvent(msg, now)))) return;
  app.effects.event(app.room, event, now);
}

function serverError(msg) {
  const text = describeError(msg.code, msg.message);
  app.lastError = text;
  if (!app.welcome) {
    showNameStep(text);
  } else if (app.room) {
    app.room.addSystemLine(text);
  } else {
    // A join from a link that failed should not be retried from the address bar.
    showRoomInAddress(null);
    showLobby();
    lobby.showError(text);
  }
}

function showLobby() {
  showScreen("lobby-screen");
  lobby.showLobby(app.name);
  startLobbyPolling();
}

function startLobbyPolling() {
  stopLobbyPolling();
  const poll = () => app.connection?.send({ type: "ListRooms" });
  poll();
  app.roomListTimer = setInterval(poll, ROOM_LIST_POLL_MS);
  loadRecentMatches();
  app.matchListTimer = setInterval(loadRecentMatches, RECENT_MATCHES_POLL_MS);
}

/** The lobby's recent matches; a server that keeps none (or fails to answer) shows none. */
async function loadRecentMatches() {
  try {
    const response = await fetch(`/api/matches?per_page=${RECENT_MATCHES}`, { cache: "no-store" });
    if (response.ok) lobby.setMatches((await response.json()).matches);
  } catch {
    // The lobby keeps what it showed; the next poll tries again.
  }
}

function stopLobbyPolling() {
  clearInterval(app.roomListTimer);
  clearInterval(app.matchListTimer);
  app.roomListTimer = null;
  app.matchListTimer = null;
}

/**
 * A room of a game this page has no module for: said in words, and left (a replay has no
 * room to leave; its banner says it).
 */
function refuseRoom(mode) {
  const text = cannotPlay(mode);
  app.lastError = text;
  if (replay.active()) {
    banner.set("disconnected", text);
    return;
  }
  app.connection?.send({ type: "LeaveRoom" });
  showRoomInAddress(null);
  showLobby();
  lobby.showError(text);
}

/** The renderer and effects of `game`, made once per page. */
function partsOf(game) {
  if (!gameParts.has(game.mode)) {
    gameParts.set(game.mode, {
      renderer: game.createRenderer(canvas),
      effects: game.createEffects((name, volume) => sounds.play(name, volume)),
    });
  }
  return gameParts.get(game.mode);
}

function enterRoom(joined, now) {
  const game = gameFor(joined.room.mode);
  if (game === null) {
    refuseRoom(joined.room.mode);
    return;
  }
  let room;
  const made = applyPayload("A room's setup", () => {
    room = game.createRoom(joined, app.welcome.tick_rate, now);
  });
  if (!made) return;
  stopLobbyPolling();
  app.lastError = null;
  app.room = room;
  app.game = game;
  ({ renderer: app.renderer, effects: app.effects } = partsOf(game));
  sender.enteredRoom();
  lobby.hide();
  showScreen("game-screen");
  hud.enter(app.room, game);
  app.effects.reset();
  const spectating = joined.you === null;
  const screen = document.getElementById("game-screen");
  screen.classList.toggle("spectating", spectating);
  // A game without aiming has no use for the touch aim stick.
  screen.classList.toggle("no-aim", !game.aims);
  app.following = null;
  spectatorBar.show(spectating);
  spectatorBar.setFollowing(null);
  // Spectators neither play nor chat; the address keeps the player's join link only.
  document.getElementById("chat-form").hidden = spectating;
  document.querySelector("#game-screen .help").hidden = spectating;
  if (spectating) return;
  showRoomInAddress(joined.code);
  controls.setEnabled(true);
}

function leaveRoomLocally() {
  controls.setEnabled(false);
  spectatorBar.show(false);
  app.following = null;
  app.room = null;
  app.game = null;
  showRoomInAddress(null);
}

function frame(frameAt) {
  if (app.lastFrameAt !== null) {
    const dt = Math.max(frameAt - app.lastFrameAt, 1);
    app.longestFrameMs = Math.max(app.longestFrameMs, dt);
    app.fps = app.fps === 0 ? 1000 / dt : app.fps + (1000 / dt - app.fps) * 0.05;
  }
  app.lastFrameAt = frameAt;
  app.frames += 1;
  if (replay.active()) replay.frame(performance.now());
  const room = app.room;
  if (room) {
    // The page's clock now, not the frame's start: input events of this frame come before it.
    const now = pageNow();
    const game = app.game;
    if (room.you !== null && app.connection?.state === "open") {
      sender.sendDue(app.connection, room, game, app.renderer, now, app.frames);
    }
    const aiming = game.aims && controls.enabled;
    const ownAim = aiming ? sender.currentAim(room, app.renderer, now) : null;
    const view = room.view(now, ownAim, app.connection?.rttMs ?? null, app.frames);
    if (app.following !== null && !room.roster.has(app.following)) {
      app.following = null;
      spectatorBar.setFollowing(null);
    }
    const renderer = app.renderer;
    renderer.resize(cameraFor(room, view));
    const aimPoint = aiming && controls.aimAngle() === null ? controls.aimPoint() : null;
    renderer.draw(room.setup, view, app.effects.frame(view, now), aimPoint);
    hud.update(room, now);
    showStall(now);
    if (now - app.lastStatsAt > HUD_STATS_MS) {
      app.lastStatsAt = now;
      hud.stats(
        {
          open: app.connection?.state === "open",
          pingMs: app.connection?.lastRttMs ?? null,
          tickRate: app.welcome?.tick_rate ?? 0,
          fps: app.fps,
          delayMs: room.interpolationDelayMs(),
          corrections: room.you === null ? null : room.prediction.counters.corrections,
        },
        now,
      );
    }
  }
  requestAnimationFrame(frame);
}

/**
 * The player's view follows the own player (as drawn); a spectator's shows the whole arena or
 * the followed player; before the first snapshot, the whole arena.
 */
function cameraFor(room, view) {
  const viewport = app.renderer.viewport();
  const world = { width: room.setup.width, height: room.setup.height };
  const own = view.players.find((p) => p.isYou);
  if (own) return follow(viewport, world, own, playerScale(viewport, world));
  const whole = wholeArena(viewport, world);
  const focus = cameraFocus(view, app.following);
  return focus ? follow(viewport, world, focus, whole.scale * focus.zoom) : whole;
}

/** "Connection stalled" on the banner while snapshots stop coming on an open connection. */
function showStall(now) {
  const stalled = app.connection?.state === "open" && hud.stalled(now);
  if (stalled === app.stalled) return;
  app.stalled = stalled;
  if (stalled) banner.set("stalled", "Connection stalled: waiting for the server…");
  else if (app.connection?.state === "open") banner.set("connected", `Connected as ${app.name}`);
}

window.addEventListener("hashchange", () => {
  const code = roomCodeFromHash(location.hash);
  if (!code || app.room?.code === code) return;
  if (app.welcome && !app.room) requestJoin({ type: "JoinByCode", code });
  else if (!app.welcome) app.pendingCode = code;
});

window.skirmish = Object.freeze({
  state: () => debugState(app, { now: pageNow(), aim: sender.aim, sounds, replay }),
});

const replayId = replayIdFromSearch(location.search);
if (replayId) startReplay(replayId);
else showNameStep(null);
requestAnimationFrame(frame);
