// ui.js — the page around the canvas: the connection banner (connecting, connected,
// disconnected with its reason and a reconnect button), the in-game HUD (room, invite link,
// leave, ping / tick rate / snapshot rate / fps), the scoreboard, the kill feed, the chat box
// and the respawn countdown; and server errors in words.
//
// Owns: that DOM. Must not: talk to the server or hold game state; it shows what it is given
// and calls the actions it is given. Everything from players goes in with textContent only.

import { ERROR_CODES } from "./protocol.js";
import { slotColor } from "./render.js";

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
]);

/** A server `Error` in words: what it means, then the server's own detail. */
export function describeError(code, message) {
  const words = ERROR_WORDS.get(code) ?? `The server reported error ${code}.`;
  return message ? `${words} (${message})` : words;
}

export function showScreen(id) {
  for (const screen of document.querySelectorAll(".screen")) screen.hidden = screen.id !== id;
}

export class ConnectionBanner {
  constructor(onReconnect) {
    this.element = document.getElementById("connection");
    this.text = document.getElementById("connection-text");
    this.button = document.getElementById("reconnect");
    this.button.addEventListener("click", () => onReconnect());
  }

  /** state: "idle" | "connecting" | "connected" | "disconnected". */
  set(state, text) {
    this.element.dataset.state = state;
    this.text.textContent = text;
    this.button.hidden = state !== "disconnected";
  }
}

export class GameHud {
  /** @param actions { leave(), copyLink(), chat(text), typing(isTyping) } */
  constructor(actions) {
    this.actions = actions;
    this.el = (id) => document.getElementById(id);
    this.chatInput = this.el("chat-input");
    this.corner = document.querySelector(".hud.top-right");
    this.renderedChat = null;
    this.renderedScores = "";
    this.renderedKills = "";

    this.el("leave").addEventListener("click", () => this.actions.leave());
    this.el("copy-link").addEventListener("click", () => this.actions.copyLink());
    this.el("chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.chatInput.value.trim();
      this.chatInput.value = "";
      if (text) this.actions.chat(text);
      this.chatInput.blur();
    });
    this.chatInput.addEventListener("focus", () => this.actions.typing(true));
    this.chatInput.addEventListener("blur", () => this.actions.typing(false));
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

  enter(room) {
    this.el("hud-room").textContent = `${room.room.name} · code ${room.code}`;
    this.el("copy-link").textContent = "Copy invite link";
    this.renderedChat = null;
    this.renderedScores = "";
    this.renderedKills = "";
    this.chatInput.value = "";
  }

  linkCopied(ok) {
    this.el("copy-link").textContent = ok ? "Link copied" : "Copy failed: use the address bar";
  }

  stats({ pingMs, tickRate, snapshotRate, fps, delayMs, corrections }) {
    const ping = pingMs === null ? "…" : `${Math.round(pingMs)} ms`;
    const mispredicted = corrections === null ? "" : ` · corrections ${corrections}`;
    this.el("hud-stats").textContent =
      `ping ${ping}\ntick ${tickRate} Hz · snapshots ${snapshotRate.toFixed(1)}/s\n` +
      `fps ${Math.round(fps)} · interp ${Math.round(delayMs)} ms${mispredicted}`;
  }

  update(room, now) {
    this.updateScores(room);
    this.updateKills(room, now);
    this.updateChat(room);
    const seconds = room.respawnSecondsLeft(room.you, now);
    const respawn = this.el("respawn");
    respawn.hidden = seconds === null;
    if (seconds !== null) respawn.textContent = `You were shot · respawn in ${seconds} s`;
  }

  updateScores(room) {
    const players = [...room.roster.values()].sort(
      (a, b) => b.kills - a.kills || a.deaths - b.deaths || a.slot - b.slot,
    );
    const key = JSON.stringify(players.map((p) => [p.slot, p.name, p.kills, p.deaths]));
    if (key === this.renderedScores) return;
    this.renderedScores = key;
    const rows = players.map((p) => {
      const row = document.createElement("tr");
      if (p.slot === room.you) row.className = "you";
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
      const kills = document.createElement("td");
      kills.textContent = String(p.kills);
      const deaths = document.createElement("td");
      deaths.textContent = String(p.deaths);
      row.append(name, kills, deaths);
      return row;
    });
    this.el("score-rows").replaceChildren(...rows);
  }

  updateKills(room, now) {
    const kills = room.recentKills(now);
    const key = JSON.stringify(kills.map((k) => k.at));
    if (key === this.renderedKills) return;
    this.renderedKills = key;
    const items = kills.map((k) => {
      const item = document.createElement("li");
      if (k.byYou || k.ofYou) item.className = "mine";
      item.textContent = `${k.killer} ⨯ ${k.victim}`;
      return item;
    });
    this.el("kill-feed").replaceChildren(...items);
  }

  updateChat(room) {
    if (this.renderedChat === room.chatSerial) return;
    this.renderedChat = room.chatSerial;
    const items = room.chat.slice(-8).map((line) => {
      const item = document.createElement("li");
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
