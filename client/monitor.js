// The operator's monitor page: polls /api/stats once a second and shows the server, its
// rooms and, on a node of a cluster, every node alive (load, rooms, draining) and whether this
// one reaches Redis. Rates (bytes and messages per second) come from the difference of two readings.
// The admin token, when the server has one, comes from ?token= or the form, and is kept for
// this browser tab only (sessionStorage). Every name shown is text, never HTML.
//
// Owns: monitor.html's DOM and the admin token. Must not: use the game's WebSocket or the
// game client's modules; all it knows comes from /api/stats.

const REFRESH_MS = 1000;
const TOKEN_KEY = "skirmish.adminToken";

const $ = (id) => document.getElementById(id);

/** Per-second rates between two readings of monotonically growing totals. */
function ratesBetween(previous, current, seconds) {
  const rate = (key) =>
    previous && seconds > 0 && current[key] >= previous[key] ? (current[key] - previous[key]) / seconds : null;
  return {
    messagesIn: rate("messages_in"),
    bytesIn: rate("bytes_in"),
    messagesOut: rate("messages_out"),
    bytesOut: rate("bytes_out"),
  };
}

function formatBytes(perSecond) {
  if (perSecond === null || perSecond === undefined) return "–";
  const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
  let value = perSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds) {
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${s % 60}s`;
  return `${s}s`;
}

function readToken() {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the secret out of the address bar and the history.
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

// Where players open the game: this page is served on the operator's port, not the players'.
function playUrl(stats) {
  if (stats.public_url) return stats.public_url.replace(/\/+$/, "");
  return `${stats.public_scheme}://${location.hostname}:${stats.public_port}`;
}

function roomRow(room, bytesOutPerSecond, configuredRate, play) {
  const row = el("tr");
  row.dataset.roomId = String(room.id);

  const name = el("td");
  name.append(el("span", room.name, "room-name"));
  name.append(el("span", `#${room.id}`, "tag"));
  name.append(el("span", room.public ? "public" : "private", "tag"));
  name.append(el("span", room.mode, "tag"));
  if (room.code) name.append(el("span", room.code, "tag"));
  if (room.roster && room.roster.length > 0) {
    const roster = el("ul", undefined, "roster");
    for (const player of room.roster) {
      roster.append(el("li", `${player.name} — ${player.kills} kills, ${player.deaths} deaths`));
    }
    name.append(roster);
  }
  row.append(name);

  row.append(el("td", `${room.players} / ${room.capacity}`));
  row.append(el("td", room.spectators === undefined ? "–" : String(room.spectators)));
  const lagging = room.tick_rate_hz > 0 && room.tick_rate_hz < configuredRate * 0.95;
  row.append(el("td", `${room.tick_rate_hz.toFixed(1)} / ${configuredRate} Hz`, lagging ? "warn" : ""));
  row.append(el("td", `${room.tick_p50_ms.toFixed(2)} / ${room.tick_p99_ms.toFixed(2)} ms`));
  row.append(el("td", String(room.overruns), room.overruns > 0 ? "warn" : ""));
  row.append(el("td", formatBytes(bytesOutPerSecond)));
  row.append(el("td", formatDuration(room.uptime_s)));

  const actions = el("td");
  if (room.code) {
    const watch = el("a", "Watch");
    watch.href = `${play}/?watch=${encodeURIComponent(room.code)}`;
    watch.target = "_blank";
    watch.rel = "noopener";
    watch.className = "watch";
    actions.append(watch);
  }
  row.append(actions);
  return row;
}

function nodeRow(node) {
  const row = el("tr");
  row.dataset.nodeId = node.id;
  const id = el("td");
  id.append(el("span", node.id, "room-name"));
  if (node.here) id.append(el("span", "this node", "tag"));
  row.append(id);
  row.append(el("td", node.url));
  const load = node.max_players > 0 ? node.players / node.max_players : 0;
  row.append(el("td", `${node.players} / ${node.max_players} (${(load * 100).toFixed(0)}%)`));
  row.append(el("td", String(node.rooms)));
  row.append(el("td", node.draining ? "draining" : "alive", node.draining ? "warn" : "good"));
  return row;
}

/** The cluster's part of the page; hidden on a single node (`stats.cluster` absent). */
function renderCluster(cluster) {
  $("nodes-section").hidden = !cluster;
  if (!cluster) return;
  const health = $("cluster-health");
  const age = cluster.age_ms === null ? "never read" : `read ${(cluster.age_ms / 1000).toFixed(1)} s ago`;
  health.textContent = cluster.degraded
    ? `Degraded: ${cluster.problem ?? "Redis unreachable"}; this node lists its own rooms only (directory ${age})`
    : `Cluster directory ${age}, refresh ${cluster.refresh_ms.toFixed(1)} ms`;
  health.classList.toggle("error", cluster.degraded);
  $("node-rows").replaceChildren(...cluster.nodes.map(nodeRow));
}

function render(stats, previous, seconds) {
  $("token-form").hidden = true;
  $("summary").hidden = false;
  $("rooms-section").hidden = false;

  const rates = ratesBetween(previous && previous.traffic, stats.traffic, seconds);
  $("uptime").textContent = formatDuration(stats.uptime_s);
  $("ready").textContent = stats.ready ? "yes" : "shutting down";
  $("ready").className = stats.ready ? "good" : "warn";
  $("room-count").textContent = String(stats.rooms.length);
  $("players").textContent = String(stats.players);
  $("spectators").textContent = String(stats.spectators);
  const states = Object.entries(stats.sessions_by_state)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`)
    .join(", ");
  $("sessions").textContent = `${stats.sessions}${states ? ` (${states})` : ""}`;
  $("rate-in").textContent =
    rates.messagesIn === null ? "–" : `${formatBytes(rates.bytesIn)}, ${rates.messagesIn.toFixed(0)} msg/s`;
  $("rate-out").textContent =
    rates.messagesOut === null ? "–" : `${formatBytes(rates.bytesOut)}, ${rates.messagesOut.toFixed(0)} msg/s`;
  $("version").textContent = `${stats.version} (protocol ${stats.protocol})`;
  renderCluster(stats.cluster);

  const before = new Map((previous ? previous.rooms : []).map((room) => [room.id, room]));
  const rows = stats.rooms.map((room) => {
    const old = before.get(room.id);
    const bytesOut =
      old && seconds > 0 && room.bytes_out !== undefined && old.bytes_out !== undefined
        ? (room.bytes_out - old.bytes_out) / seconds
        : null;
    return roomRow(room, bytesOut, stats.tick_rate, playUrl(stats));
  });
  $("room-rows").replaceChildren(...rows);
  $("no-rooms").hidden = stats.rooms.length > 0;
}

async function fetchStats(token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch("/api/stats", { headers, cache: "no-store" });
  if (response.status === 401) return { unauthorized: true };
  if (!response.ok) throw new Error(`/api/stats answered ${response.status}`);
  return { stats: await response.json() };
}

function start() {
  let token = readToken();
  let previous = null;
  let previousAt = 0;

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token-input").value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    tick();
  });

  async function tick() {
    try {
      const answer = await fetchStats(token);
      if (answer.unauthorized) {
        setStatus(token ? "the admin token was refused" : "admin token needed", true);
        $("token-form").hidden = false;
        return;
      }
      const now = performance.now();
      render(answer.stats, previous, (now - previousAt) / 1000);
      previous = answer.stats;
      previousAt = now;
      setStatus(`updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      setStatus(`cannot reach the server: ${error.message}`, true);
    }
  }

  tick();
  setInterval(tick, REFRESH_MS);
}

start();
