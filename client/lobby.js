// lobby.js — the two screens before a game: the name step and the lobby (live room list with
// each room's game, create a room of a chosen game, quick play of a chosen game, join by code,
// recent matches with their replays), plus the remembered name and the shareable room link
// (`/#/room/CODE`).
//
// Owns: those screens' DOM and the location hash. Must not: talk to the server; it calls the
// actions it is given. Text from the server is put in with textContent only, never as HTML.

import { MAX_ROOM_NAME_CHARS } from "./protocol.js";

/** The name input's limit (its maxlength), shown while typing. */
const MAX_NAME_CHARS = 24;

const NAME_KEY = "skirmish.name";
const ROOM_LINK = /^#\/room\/([^/?#]+)$/;

export function rememberedName() {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function rememberName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Storage can be off (private windows); the name is then asked again next time.
  }
}

/** The room code in a `#/room/CODE` link, or null. */
export function roomCodeFromHash(hash) {
  const match = ROOM_LINK.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export function roomLink(location, code) {
  return `${location.origin}${location.pathname}#/room/${encodeURIComponent(code)}`;
}

/** Puts the room's link in the address bar without a reload or a history entry per room. */
export function showRoomInAddress(code) {
  const hash = code === null ? "" : `#/room/${encodeURIComponent(code)}`;
  history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

export class Lobby {
  /**
   * @param actions { submitName(name), quickPlay(mode), create({name, capacity, public, bots,
   *   mode}), joinRoom(id), watchRoom(id), joinCode(code), changeName() }
   * @param games the games the page plays, [{ mode, title }], first the one offered first
   */
  constructor(actions, games) {
    this.actions = actions;
    this.el = (id) => document.getElementById(id);
    this.titles = new Map(games.map(({ mode, title }) => [mode, title]));
    for (const id of ["quick-mode", "create-mode"]) {
      const options = games.map(({ mode, title }) => {
        const option = document.createElement("option");
        option.value = mode;
        option.textContent = title;
        return option;
      });
      this.el(id).replaceChildren(...options);
    }
    this.nameScreen = this.el("name-screen");
    this.lobbyScreen = this.el("lobby-screen");

    const nameInput = this.el("name-input");
    this.el("name-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const name = nameInput.value.trim();
      if (name) this.actions.submitName(name);
      else this.setText("name-error", "A name needs at least one letter, digit or sign: spaces alone are not a name.");
    });
    nameInput.addEventListener("input", () => this.showNameCount());
    this.el("quick-play").addEventListener("click", () =>
      this.actions.quickPlay(this.el("quick-mode").value),
    );
    this.el("code-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const code = this.el("code-input").value.trim();
      if (code) this.actions.joinCode(code);
    });
    this.el("create-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const capacity = Number(this.el("capacity-input").value);
      this.actions.create({
        name: this.el("room-name-input").value.trim(),
        capacity,
        public: this.el("public-input").checked,
        bots: this.el("bots-input").checked,
        mode: this.el("create-mode").value,
      });
    });
    this.el("change-name").addEventListener("click", () => this.actions.changeName());
  }

  showNameStep({ name, error, roomCode }) {
    this.lobbyScreen.hidden = true;
    this.nameScreen.hidden = false;
    const input = this.el("name-input");
    if (!input.value) input.value = name;
    this.showNameCount();
    this.setText("name-error", error);
    this.setText("name-room-hint", roomCode ? `You will join room ${roomCode} next.` : null);
    this.setBusy(false);
    input.focus();
  }

  showLobby(name) {
    this.nameScreen.hidden = true;
    this.lobbyScreen.hidden = false;
    this.el("lobby-name").textContent = name;
    const roomName = this.el("room-name-input");
    if (!roomName.value) roomName.value = `${name}'s room`.slice(0, MAX_ROOM_NAME_CHARS);
    this.setBusy(false);
  }

  /** "n / 24 characters" under the name input, marked when the limit is reached. */
  showNameCount() {
    const length = this.el("name-input").value.length;
    const counter = this.el("name-count");
    counter.textContent = `${length} / ${MAX_NAME_CHARS} characters`;
    counter.classList.toggle("full", length >= MAX_NAME_CHARS);
  }

  hide() {
    this.nameScreen.hidden = true;
    this.lobbyScreen.hidden = true;
  }

  /** Disables the buttons while the server answers a join, so a double click joins once. */
  setBusy(busy) {
    for (const button of document.querySelectorAll("#name-screen button, #lobby-screen button")) {
      button.disabled = busy;
    }
  }

  showError(text) {
    this.setText("lobby-error", text);
    this.setBusy(false);
  }

  setRooms(rooms) {
    const body = this.el("room-list");
    const rows = rooms.map((room) => {
      const row = document.createElement("tr");
      const full = room.players >= room.capacity;
      if (full) row.className = "full";
      const name = document.createElement("td");
      name.textContent = room.name;
      const mode = document.createElement("td");
      // A game this page has no module for is listed by its name, and says so.
      mode.textContent = this.titles.get(room.mode) ?? `${room.mode} (not playable here)`;
      mode.dataset.mode = room.mode;
      const players = document.createElement("td");
      players.textContent = `${room.players}/${room.capacity}`;
      // Bots give their seats to people, so they never make a room full.
      if (room.bots > 0) players.textContent += ` + ${room.bots} bot${room.bots > 1 ? "s" : ""}`;
      const action = document.createElement("td");
      const join = document.createElement("button");
      join.type = "button";
      join.textContent = full ? "Full" : "Join";
      join.disabled = full;
      join.dataset.roomId = String(room.id);
      join.addEventListener("click", () => this.actions.joinRoom(room.id));
      // Watching takes no seat, so a full room can be watched too.
      const watch = document.createElement("button");
      watch.type = "button";
      watch.textContent = "Watch";
      watch.className = "watch";
      watch.dataset.watchRoomId = String(room.id);
      watch.addEventListener("click", () => this.actions.watchRoom(room.id));
      action.append(join, " ", watch);
      row.append(name, mode, players, action);
      return row;
    });
    body.replaceChildren(...rows);
    this.el("no-rooms").hidden = rooms.length > 0;
    this.el("room-count").textContent = rooms.length > 0 ? `(${rooms.length})` : "";
  }

  /** The recent matches (`GET /api/matches`'s `matches`), each with a Watch replay button. */
  setMatches(matches) {
    const rows = matches.map((match) => {
      const row = document.createElement("tr");
      const room = document.createElement("td");
      room.textContent = match.room_name;
      const result = document.createElement("td");
      const winner = match.players.find((p) => p.name === match.winner);
      result.textContent = winner ? `${winner.name} ${winner.kills}–${winner.deaths}` : "no kills";
      const length = document.createElement("td");
      const seconds = Math.round(match.ticks / Math.max(match.tick_rate, 1));
      length.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      const action = document.createElement("td");
      const watch = document.createElement("a");
      watch.className = "button watch-replay";
      watch.textContent = "Watch replay";
      watch.href = `/?replay=${encodeURIComponent(match.id)}`;
      watch.dataset.matchId = String(match.id);
      action.append(watch);
      row.append(room, result, length, action);
      return row;
    });
    this.el("match-list").replaceChildren(...rows);
    this.el("no-matches").hidden = matches.length > 0;
  }

  setText(id, text) {
    const element = this.el(id);
    element.textContent = text ?? "";
    element.hidden = !text;
  }
}
