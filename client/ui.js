// ui.js — the page around the canvas, the same for every game: the connection banner
// (connecting, connected, stalled, disconnected with its reason and a reconnect button), the
// in-game HUD (room, invite link, leave, mute, ping / tick rate / snapshot rate / fps), the
// scoreboard with the game's columns, the event feed, the game's status line (tag's round and
// timer), the chat box (lines fade after a while and come back while it is open; on a touch
// screen it opens from a button) and the banner over the game (the arena's death and respawn
// countdown, tag's freeze); and server errors in words.
//
// Owns: that DOM. Must not: talk to the server or hold game state; it shows what it is given
// and calls the actions it is given. Everything from players goes in with textContent only.

import { ERROR_CODES } from "./protocol.js";
import { slotColor } from "./canvas.js";

const ERROR_WORDS = new Map([
  [ERROR_CODES.BAD_MESSAGE, "The server could not read a message from this page."],
  [ERROR_CODES.MESSAGE_TOO_LARGE, "A message from this page was too large."],
  [ERROR_CODES.VERSION_MISMATCH, "This page and the server speak different protocol versions: reload the page."],
  [ERROR_CODES.BAD_NAME, "That name is not allowed."],
  [ERROR_CODES.HANDSHAKE_REQUIRED, "The server expected a greeting first."],
  [ERROR_CODES.ROOM_NOT_FOUND, "There is no room with that code (it may have closed)."],
  [ERROR_CODES.ROOM_FULL, "That room is full."],
  [ERROR_CODES.NOT_IN_ROOM, "You are not in a room."],
  [ERROR_CODES.ALREADY_IN_ROOM, "You are already in a room."],
  [ERROR_CODES.BAD_INPUT, "The server refused an input from this page."],
  [ERROR_CODES.BAD_ROOM_SETTINGS, "Those room settings are not allowed."],
  [ERROR_CODES.BAD_CHAT, "That chat message is not allowed."],
  [ERROR_CODES.RATE_LIMITED, "Slow down: too many messages."],
  [ERROR_CODES.TOO_SLOW, "This page fell too far behind the game and was taken out of the room."],
  [ERROR_CODES.SERVER_FULL, "The server is full right now: try again in a moment."],
  [ERROR_CODES.UNAUTHORIZED, "This server only lets in players with a valid invitation (join token)."],
  [ERROR_CODES.BAD_SESSION_TOKEN, "The game could not be resumed: it had already ended. Press Reconnect to play again."],
  [ERROR_CODES.UNKNOWN_MODE, "This server does not run that game."],
  [ERROR_CODES.BAD_TICKET, "The move to another server failed. Connect again."],
]);
/** A chat line fades this long after it arrived, unless the chat is open. */
const CHAT_FADE_MS = 10000;
/** No snapshot for this long: the connection is stalled. */
export const STALL_MS = 500;
/** The snapshot rate is counted over this window. */
const RATE_WINDOW_MS = 1000;
const LINK_COPIED_MS = 2000;
/** Scoreboard rows shown (the own row always is) unless the scores are shown big. */
const SCORE_ROWS = 5;

/** A server `Error` in words: what it means, then the server's own detail. */
export function describeError(code, message) {
  const words = ERROR_WORDS.get(code) ?? `The server reported error ${code}.`;
  return message ? `${words} (${message})` : words;
}

/** Shows one screen; `body[data-screen]` names it for the style sheet. */
export function showScreen(id) {
  for (const screen of document.querySelectorAll(".screen")) screen.hidden = screen.id !== id;
  document.body.dataset.screen = id;
}

export class ConnectionBanner {
  constructor(onReconnect) {
    this.element = document.getElementById("connection");
    this.text = document.getElementById("connection-text");
    this.button = document.getElementById("reconnect");
    this.button.addEventListener("click", () => onReconnect());
  }

  /** state: "idle" | "connecting" | "connected" | "stalled" | "disconnected". */
  set(state, text) {
    this.element.dataset.state = state;
    this.text.textContent = text;
    this.button.hidden = state !== "disconnected";
  }
}

/** Counts arrivals over the last second: a rate that a burst after a stall cannot inflate. */
export class RateMeter {
  constructor() {
    this.times = [];
    this.lastAt = null;
  }

  add(now) {
    this.times.push(now);
    this.lastAt = now;
    this.trim(now);
  }

  trim(now) {
    while (this.times.length > 0 && now - this.times[0] >= RATE_WINDOW_MS) this.times.shift();
  }

  /** Arrivals per second over the last second. */
  rate(now) {
    this.trim(now);
    return this.times.length * (1000 / RATE_WINDOW_MS);
  }

  /** Milliseconds since the last arrival, or null before the first. */
  silence(now) {
    return this.lastAt === null ? null : now - this.lastAt;
  }
}

export class GameHud {
  /** @param actions { leave(), copyLink(), chat(text), typing(isTyping), mute(muted) } */
  constructor(actions, muted) {
    this.actions = actions;
    this.el = (id) => document.getElementById(id);
    this.chatInput = this.el("chat-input");
    this.chatBox = document.querySelector(".hud.chat");
    this.corner = document.querySelector(".hud.top-right");
    this.renderedChat = null;
    this.renderedScores = "";
    this.renderedFeed = "";
    this.game = null;
    this.lineTimes = new WeakMap();
    this.linkTimer = null;
    this.snapshots = new RateMeter();
    this.muted = muted;
    this.showMuted();

    this.el("leave").addEventListener("click", () => this.actions.leave());
    this.el("copy-link").addEventListener("click", () => this.actions.copyLink());
    this.el("mute").addEventListener("click", () => {
      this.muted = !this.muted;
      this.showMuted();
      this.actions.mute(this.muted);
    });
    // Pressing the button must not take the focus from the open chat box first.
    this.el("chat-toggle").addEventListener("mousedown", (event) => event.preventDefault());
    this.el("chat-toggle").addEventListener("click", () => {
      if (this.chatBox.classList.contains("open")) {
        this.chatInput.blur();
      } else {
        // Shown first: a hidden box cannot take the focus.
        this.chatBox.classList.add("open");
        this.chatInput.focus();
      }
    });
    this.el("scoreboard").addEventListener("click", () => this.corner.classList.toggle("expanded"));
    this.el("chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.chatInput.value.trim();
      this.chatInput.value = "";
      if (text) this.actions.chat(text);
      this.chatInput.blur();
    });
    this.chatInput.addEventListener("focus", () => {
      this.chatBox.classList.add("open");
      this.actions.typing(true);
    });
    this.chatInput.addEventListener("blur", () => {
      this.chatBox.classList.remove("open");
      this.actions.typing(false);
    });
    this.chatInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.chatInput.value = "";
        this.chatInput.blur();
      }
    });
    window.addEventListener("keydown", (event) => {
      if (this.el("game-screen").hidden) return;
      if (event.key === "Enter" && document.activeElement !== this.chatInput) {
        event.preventDefault();
        this.chatInput.focus();
      } else if (event.key === "Tab") {
        event.preventDefault();
        this.corner.classList.add("expanded");
      }
    });
    window.addEventListener("keyup", (event) => {
      if (event.key === "Tab") this.corner.classList.remove("expanded");
    });
    window.addEventListener("blur", () => this.corner.classList.remove("expanded"));
  }

  /** A room of `game` (games/index.js): its scoreboard's columns and its help line. */
  enter(room, game) {
    this.game = game;
    const head = game.scoreColumns.map(({ label }) => {
      const cell = document.createElement("th");
      cell.textContent = label;
      return cell;
    });
    const player = document.createElement("th");
    player.textContent = "Player";
    this.el("score-head").replaceChildren(player, ...head);
    document.querySelector("#game-screen .help").textContent = game.help;
    this.el("hud-room").textContent = room.room.name;
    this.el("hud-code").textContent = `code ${room.code}`;
    this.showLink("Invite");
    this.renderedChat = null;
    this.renderedScores = "";
    this.renderedFeed = "";
    this.chatInput.value = "";
    this.snapshots = new RateMeter();
  }

  showMuted() {
    const button = this.el("mute");
    button.classList.toggle("muted", this.muted);
    button.setAttribute("aria-label", this.muted ? "Sound off: turn it on" : "Sound on: turn it off");
    button.setAttribute("aria-pressed", String(this.muted));
  }

  showLink(text) {
    clearTimeout(this.linkTimer);
    this.el("copy-link").textContent = text;
  }

  linkCopied(ok) {
    this.showLink(ok ? "Link copied" : "Copy failed: use the address bar");
    this.linkTimer = setTimeout(() => this.showLink("Invite"), LINK_COPIED_MS);
  }

  /** A snapshot arrived at `now`. */
  snapshotArrived(now) {
    this.snapshots.add(now);
  }

  /** Whether snapshots stopped coming (`STALL_MS` without one, after the first). */
  stalled(now) {
    const silence = this.snapshots.silence(now);
    return silence !== null && silence > STALL_MS;
  }

  /**
   * `open`: whether the connection is open (a closed one has no ping and no stall);
   * `corrections`: the own player's mispredictions so far, or null for a spectator.
   */
  stats({ open, pingMs, tickRate, fps, delayMs, corrections }, now) {
    const stalled = open && this.stalled(now);
    const ping = pingMs === null ? "…" : `${Math.round(pingMs)} ms`;
    const rate = this.snapshots.rate(now);
    const line = this.el("hud-ping");
    line.textContent = !open ? "not connected" : stalled ? "connection stalled" : `ping ${ping}`;
    line.classList.toggle("stalled", !open || stalled);
    const mispredicted = corrections === null ? "" : ` · corrections ${corrections}`;
    this.el("hud-stats").textContent =
      `tick ${tickRate} Hz · snapshots ${rate.toFixed(0)}/s\n` +
      `fps ${Math.round(fps)} · interp ${Math.round(delayMs)} ms${mispredicted}`;
  }

  update(room, now) {
    this.updateScores(room);
    this.updateFeed(room, now);
    this.updateChat(room, now);
    const banner = room.banner(now);
    this.el("respawn").hidden = banner === null;
    if (banner !== null) {
      this.el("respawn-by").textContent = banner.title;
      this.el("respawn-in").textContent = banner.detail;
    }
    const status = room.status(now);
    const line = this.el("game-status");
    line.hidden = status === null;
    if (status !== null && line.textContent !== status) line.textContent = status;
  }

  updateScores(room) {
    const players = [...room.roster.values()].sort(
      (a, b) => this.game.compareScores(a, b) || a.slot - b.slot,
    );
    const key = JSON.stringify(players.map((p) => [p.slot, p.name, p.score]));
    if (key === this.renderedScores) return;
    this.renderedScores = key;
    const rows = players.map((p, rank) => {
      const row = document.createElement("tr");
      if (p.slot === room.you) row.className = "you";
      else if (rank >= SCORE_ROWS) row.className = "extra";
      const name = document.createElement("td");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = slotColor(p.slot);
      name.append(swatch, document.createTextNode(p.name));
      if (p.bot) {
        const tag = document.createElement("span");
        tag.className = "bot-tag";
        tag.textContent = "bot";
        name.append(tag);
      }
      const scores = this.game.scoreColumns.map((_, i) => {
        const cell = document.createElement("td");
        cell.textContent = String(p.score[i] ?? 0);
        return cell;
      });
      row.append(name, ...scores);
      return row;
    });
    this.el("score-rows").replaceChildren(...rows);
  }

  updateFeed(room, now) {
    const lines = room.recentFeed(now);
    const key = JSON.stringify(lines.map((line) => line.at));
    if (key === this.renderedFeed) return;
    this.renderedFeed = key;
    const items = lines.map((line) => {
      const item = document.createElement("li");
      if (line.mine) item.className = "mine";
      item.textContent = line.text;
      return item;
    });
    this.el("kill-feed").replaceChildren(...items);
  }

  updateChat(room, now) {
    const lines = room.chat.slice(-8);
    for (const line of lines) if (!this.lineTimes.has(line)) this.lineTimes.set(line, now);
    if (this.renderedChat !== room.chatSerial) {
      this.renderedChat = room.chatSerial;
      this.renderChat(lines);
    }
    for (const item of this.el("chat-log").children) {
      item.classList.toggle("faded", now - Number(item.dataset.at) > CHAT_FADE_MS);
    }
  }

  renderChat(lines) {
    const items = lines.map((line) => {
      const item = document.createElement("li");
      item.dataset.at = String(this.lineTimes.get(line));
      if (line.from === null) {
        item.className = "system";
        item.textContent = line.text;
      } else {
        const from = document.createElement("span");
        from.className = "from";
        from.textContent = `${line.from}:`;
        item.append(from, document.createTextNode(line.text));
      }
      return item;
    });
    this.el("chat-log").replaceChildren(...items);
  }
}
