// main.js — wires the modules together: the connection's messages to the lobby and the room
// state, the render loop (which also sends the inputs due, paced by state.js) and the page's
// screens. It holds the
// application's few top-level facts (name, connection, room) and nothing else of its own.
//
// `window.skirmish.state()` is a read-only snapshot of those facts for tests and debugging.

import { Connection, defaultServerUrl } from "./net.js";
import { Sounds } from "./audio.js";
import { follow, playerScale, wholeArena } from "./camera.js";
import { Effects } from "./effects.js";
import { Controls } from "./input.js";
import {
  Lobby,
  rememberName,
  rememberedName,
  roomCodeFromHash,
  roomLink,
  showRoomInAddress,
} from "./lobby.js";
import { PLAYER_PROTECTED, PROTOCOL_VERSION, ProtocolError } from "./protocol.js";
import { Renderer } from "./render.js";
import { replayIdFromSearch } from "./replay.js";
import { ReplayView } from "./replay-view.js";
import { cameraFocus, nextFollow, SpectatorBar, watchCodeFromSearch } from "./spectate.js";
import { RoomState } from "./state.js";
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
  /** A room code to join as soon as the connection is ready (from a link or a reconnect). */
  pendingCode: roomCodeFromHash(location.hash),
  /** A room code to watch as soon as the connection is ready (`?watch=CODE`, the monitor's). */
  pendingWatch: watchCodeFromSearch(location.search),
  /** Spectators only: the slot the camera follows, or null for the whole arena. */
  following: null,
  lastError: null,
  rooms: [],
  /** The seq of the last Input this connection sent: it grows across rooms (PROTOCOL.md 4.3). */
  inputSeq: 0,
  /** A fire press no input has carried yet: { at (Controls.takeFirePress), frame }. */
  firePress: null,
  /** Frames drawn so far, to count how many a shot takes to show. */
  frames: 0,
  /** The longest time between two frames so far (a stalled page sends its inputs late). */
  longestFrameMs: 0,
  roomListTimer: null,
  matchListTimer: null,
  aim: 0,
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
const renderer = new Renderer(canvas);
const controls = new Controls(canvas, document.getElementById("game-screen"));
const banner = new ConnectionBanner(() => reconnect());
const sounds = new Sounds();
const effects = new Effects((name, volume) => sounds.play(name, volume));

const lobby = new Lobby({
  submitName(name) {
    app.name = name;
    app.lastError = null;
    closeConnection();
    connect();
  },
  quickPlay: () => requestJoin({ type: "QuickJoin" }),
  create: (settings) => requestJoin({ type: "CreateRoom", ...settings }),
  joinRoom: (id) => requestJoin({ type: "JoinRoom", room: id }),
  watchRoom: (id) => requestJoin({ type: "Spectate", room: id }),
  joinCode: (code) => requestJoin({ type: "JoinByCode", code }),
  changeName() {
    closeConnection();
    banner.set("idle", "");
    showNameStep(null);
  },
});

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
  app.inputSeq = 0;
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
    case "Kill":
      if (!app.room) break;
      app.room.kill(msg, now);
      effects.kill(app.room, msg, now);
      break;
    case "Chat":
      app.room?.addChat(msg);
      break;
  }
}

/**
 * A snapshot that does not fit the last one is as broken as a frame that does not decode,
 * and every later delta would build on it: end the connection the way net.js does for those.
 */
function receiveSnapshot(msg, now) {
  if (!app.room) return;
  try {
    app.room.snapshot(msg, now);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    app.connection?.fail(`A snapshot from the server did not fit the last one: ${error.message}`);
    return;
  }
  hud.snapshotArrived(now);
  effects.snapshot(app.room, now);
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

function enterRoom(joined, now) {
  stopLobbyPolling();
  app.lastError = null;
  app.room = new RoomState(joined, app.welcome.tick_rate, now);
  app.firePress = null;
  lobby.hide();
  showScreen("game-screen");
  hud.enter(app.room);
  effects.reset();
  const spectating = joined.you === null;
  document.getElementById("game-screen").classList.toggle("spectating", spectating);
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
  showRoomInAddress(null);
}

/**
 * The touch aim stick's angle, else the angle from the own player (as drawn) to the pointer,
 * else the last one.
 */
function currentAim(now) {
  const stick = controls.aimAngle();
  if (stick !== null) {
    app.aim = stick;
    return app.aim;
  }
  const point = controls.aimPoint();
  const own = app.room?.displayedOwnPosition(now);
  if (point && own) {
    const from = renderer.worldToPage(own.x, own.y);
    if (point.x !== from.x || point.y !== from.y) {
      app.aim = Math.atan2(point.y - from.y, point.x - from.x);
    }
  }
  return app.aim;
}

/**
 * Sends the inputs due now: one per server step by the clock estimate, and one early when fire
 * was just pressed, so that the shot shows in this very frame (state.js paces them).
 */
function sendDueInputs(room, now) {
  if (room.you === null || app.connection?.state !== "open") return;
  const pressAt = controls.takeFirePress();
  if (pressAt !== null) app.firePress = { at: pressAt, frame: app.frames };
  const due = room.inputsDue(now, app.connection.rttMs, app.firePress !== null);
  for (let i = 0; i < due; i++) {
    const press = app.firePress;
    app.firePress = null;
    app.inputSeq += 1;
    const input = {
      type: "Input",
      seq: app.inputSeq,
      movement: controls.movement(),
      aim: currentAim(now),
      fire: controls.firing() || press !== null,
      render_tick: room.inputRenderTick(now),
    };
    if (app.connection.send(input)) room.localInput(input, press, now);
  }
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
    sendDueInputs(room, now);
    const setup = room.setup;
    const ownAim = controls.enabled ? currentAim(now) : null;
    const view = room.view(now, ownAim, app.connection?.rttMs ?? null, app.frames);
    if (app.following !== null && !room.roster.has(app.following)) {
      app.following = null;
      spectatorBar.setFollowing(null);
    }
    renderer.resize(cameraFor(room, view));
    renderer.draw(setup, view, effects.frame(view, now), {
      bulletRadius: setup.bullet_radius,
      playerRadius: setup.player_radius,
      maxHp: setup.max_hp,
      aimPoint: controls.enabled && controls.aimAngle() === null ? controls.aimPoint() : null,
    });
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
  const viewport = renderer.viewport();
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

function currentScreen() {
  for (const id of ["name-screen", "lobby-screen", "game-screen"]) {
    if (!document.getElementById(id).hidden) return id.replace("-screen", "");
  }
  return "none";
}

/** The other players as the newest snapshot has them (world units). */
function othersNow(room) {
  const latest = room.snapshots.at(-1);
  if (!latest) return [];
  return [...latest.players.values()]
    .filter((p) => p.slot !== room.you)
    .map((p) => ({ name: room.nameOf(p.slot), x: p.x, y: p.y, alive: p.alive, hp: p.hp }));
}

function debugState() {
  const room = app.room;
  const now = pageNow();
  const own = room?.prediction.present ?? null;
  const latest = room?.snapshots.at(-1)?.players.get(room.you) ?? null;
  const flags = room?.received?.players.get(room.you)?.flags ?? null;
  return {
    screen: currentScreen(),
    connection: app.connection?.state ?? "none",
    connectionText: app.connectionText,
    name: app.name,
    playerId: app.welcome?.player_id ?? null,
    tickRate: app.welcome?.tick_rate ?? null,
    lastError: app.lastError,
    rooms: app.rooms.map((r) => ({ ...r })),
    room: room ? { id: room.room.id, name: room.room.name, code: room.code, you: room.you } : null,
    spectating: room ? room.you === null : false,
    following: app.following,
    tick: room?.latestTick ?? null,
    position: own ? { x: own.x, y: own.y } : null,
    drawnPosition: room?.displayedOwnPosition(now) ?? null,
    serverPosition: latest ? { x: latest.x, y: latest.y } : null,
    alive: latest?.alive ?? null,
    hp: latest?.hp ?? null,
    aim: app.aim,
    stats: room ? room.netStats() : null,
    peersSeen: room ? [...room.peersSeen.values()] : [],
    others: room ? othersNow(room) : [],
    // Where world (0, 0) is on the page and how many CSS pixels a world unit takes.
    canvas: { scale: renderer.scale, left: renderer.camera.originX, top: renderer.camera.originY },
    protected: flags === null ? null : (flags & PLAYER_PROTECTED) !== 0,
    stalled: app.stalled,
    muted: sounds.muted,
    soundsPlayed: { ...sounds.played },
    errors: [...app.errors],
    roster: room ? [...room.roster.values()].map((p) => ({ ...p })) : [],
    chat: room ? room.chat.map((line) => ({ ...line })) : [],
    pingMs: app.connection?.lastRttMs ?? null,
    fps: app.fps,
    longestFrameMs: app.longestFrameMs,
    respawnIn: room ? room.respawnSecondsLeft(room.you, now) : null,
    replay: replay.active() ? replay.state(performance.now()) : null,
  };
}

window.skirmish = Object.freeze({ state: debugState });

const replayId = replayIdFromSearch(location.search);
if (replayId) startReplay(replayId);
else showNameStep(null);
requestAnimationFrame(frame);
