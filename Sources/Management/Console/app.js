"use strict";
// Gateway's web console: a small single-page app over the management API (no build step, no dependencies).
const $ = (id) => document.getElementById(id);
const state = { auth: sessionStorage.getItem("gw-auth"), queuePage: 1, queue: null, history: [], timer: null };

async function api(method, path, body) {
  const headers = { Authorization: "Basic " + state.auth, "X-Requested-With": "XMLHttpRequest" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && path !== "/api/whoami") { logout(); throw new Error("Login required"); }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((data && data.reason) || res.status + " " + res.statusText);
  return data;
}

const seg = encodeURIComponent;
function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function flash(message, isError) {
  const s = $("status");
  s.textContent = message; s.className = "status" + (isError ? " error" : ""); s.hidden = false;
  clearTimeout(flash.t); flash.t = setTimeout(() => { s.hidden = true; }, 4000);
}
async function attempt(fn, done) {
  try { await fn(); if (done) flash(done); } catch (e) { flash(e.message, true); }
}
function rate(stats, key) {
  const d = stats && stats[key + "_details"];
  return d ? d.rate.toFixed(1) : "0.0";
}
/// Fills table `id` with `rows` (arrays of cell HTML) under `head`, or one row saying `empty`.
function table(id, head, rows, empty, onClick) {
  const t = $(id);
  const h = "<tr>" + head.map((c) => `<th${c.num ? ' class="num"' : ""}>${esc(c.label ?? c)}</th>`).join("") + "</tr>";
  const body = rows.length ? rows.map((r, i) =>
    `<tr data-i="${i}"${onClick ? ' class="clickable"' : ""}>` +
    r.map((c, j) => `<td${head[j].num ? ' class="num"' : ""}>${c}</td>`).join("") + "</tr>").join("")
    : `<tr><td class="empty" colspan="${head.length}">${esc(empty)}</td></tr>`;
  t.innerHTML = h + body;
  if (onClick) t.querySelectorAll("tr[data-i]").forEach((tr) => tr.addEventListener("click", (ev) => {
    if (ev.target.tagName !== "BUTTON") onClick(Number(tr.dataset.i));
  }));
}
const num = (label) => ({ label, num: true });

// --- login ---
function showLoggedIn(who) {
  $("login-view").hidden = true; $("nav").hidden = false; $("logout").hidden = false;
  $("whoami").textContent = who.name + (who.tags.length ? " (" + who.tags.join(", ") + ")" : "");
  route();
}
function logout() {
  sessionStorage.removeItem("gw-auth"); state.auth = null;
  document.querySelectorAll("main > section").forEach((s) => { s.hidden = true; });
  $("login-view").hidden = false; $("nav").hidden = true; $("logout").hidden = true; $("whoami").textContent = "";
}
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.auth = btoa($("login-user").value + ":" + $("login-password").value);
  try {
    const who = await api("GET", "/api/whoami");
    sessionStorage.setItem("gw-auth", state.auth); $("login-error").hidden = true; showLoggedIn(who);
  } catch (e) {
    state.auth = null; $("login-error").textContent = "Login failed: " + e.message; $("login-error").hidden = false;
  }
});
$("logout").addEventListener("click", logout);

// --- routing ---
const views = { overview: showOverview, queues: showQueues, exchanges: showExchanges, connections: showConnections, mqtt: showMQTT, admin: showAdmin };
function route() {
  if (!state.auth) return logout();
  const name = (location.hash || "#overview").slice(1).split("/")[0];
  const view = views[name] ? name : "overview";
  document.querySelectorAll("main > section").forEach((s) => { s.hidden = s.id !== view + "-view"; });
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.view === view));
  clearInterval(state.timer);
  attempt(views[view]);
  state.timer = setInterval(() => attempt(views[view]), 5000);
}
window.addEventListener("hashchange", route);

// --- overview ---
async function showOverview() {
  const o = await api("GET", "/api/overview");
  $("node").textContent = o.node + " · " + o.product_version;
  const totals = [["Connections", o.object_totals.connections], ["Queues", o.object_totals.queues],
    ["Exchanges", o.object_totals.exchanges], ["Consumers", o.object_totals.consumers],
    ["Messages", o.queue_totals.messages], ["Ready", o.queue_totals.messages_ready],
    ["Unacked", o.queue_totals.messages_unacknowledged]];
  $("totals").innerHTML = totals.map(([k, v]) => `<div class="total"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join("");
  table("listeners", ["Protocol", "Address", num("Port")], o.listeners.map((l) => [esc(l.protocol), esc(l.ip_address), esc(l.port)]), "No listeners");
  const s = o.message_stats || {};
  state.history.push({ publish: +rate(s, "publish"), deliver: +rate(s, "deliver_get"), ack: +rate(s, "ack") });
  if (state.history.length > 60) state.history.shift();
  drawChart();
}
function drawChart() {
  const c = $("rate-chart"), g = c.getContext("2d"), w = c.width, h = c.height, pad = 30;
  g.clearRect(0, 0, w, h);
  const max = Math.max(1, ...state.history.flatMap((p) => [p.publish, p.deliver, p.ack]));
  g.strokeStyle = "#dde1e7"; g.fillStyle = "#6b7485"; g.font = "11px system-ui"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad / 2 + (h - pad) * i / 4;
    g.beginPath(); g.moveTo(pad + 20, y); g.lineTo(w, y); g.stroke();
    g.fillText((max * (1 - i / 4)).toFixed(max < 10 ? 1 : 0), 0, y + 4);
  }
  const series = [["publish", "#2f6fdf"], ["deliver", "#1f9d6a"], ["ack", "#d98a1c"]];
  const n = Math.max(2, state.history.length);
  for (const [key, color] of series) {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    state.history.forEach((p, i) => {
      const x = pad + 20 + (w - pad - 20) * i / (n - 1), y = pad / 2 + (h - pad) * (1 - p[key] / max);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    if (state.history.length === 1) g.arc(pad + 20, pad / 2 + (h - pad) * (1 - state.history[0][key] / max), 2, 0, 7);
    g.stroke();
  }
  c.dataset.points = String(state.history.length);
  c.dataset.last = JSON.stringify(state.history[state.history.length - 1] || {});
}

// --- queues ---
async function showQueues() {
  const q = new URLSearchParams({ page: state.queuePage, page_size: 50, name: $("queue-filter").value, sort: "name" });
  const res = await api("GET", "/api/queues?" + q);
  $("queue-page").textContent = `page ${res.page} of ${res.page_count} (${res.filtered_count} queues)`;
  const items = res.items;
  table("queues", ["Vhost", "Name", num("Messages"), num("Ready"), num("Unacked"), num("Consumers"), num("Publish/s")],
    items.map((x) => [esc(x.vhost), esc(x.name), x.messages, x.messages_ready, x.messages_unacknowledged, x.consumers, rate(x.message_stats, "publish")]),
    "No queues yet: declare one over AMQP, subscribe over MQTT, or use the API.",
    (i) => { state.queue = items[i]; attempt(showQueueDetail); });
  if (state.queue) await showQueueDetail();
}
async function showQueueDetail() {
  const { vhost, name } = state.queue;
  const path = `/api/queues/${seg(vhost)}/${seg(name)}`;
  let q;
  try { q = await api("GET", path); } catch (e) { state.queue = null; $("queue-detail").hidden = true; return; }
  $("queue-detail").hidden = false;
  $("queue-title").textContent = `Queue ${name} in ${vhost}`;
  $("queue-props").innerHTML = `<p>${q.durable ? "durable" : "transient"}${q.auto_delete ? ", auto-delete" : ""}${q.exclusive ? ", exclusive" : ""} ·
    <b id="queue-messages">${q.messages}</b> messages (${q.messages_ready} ready, ${q.messages_unacknowledged} unacked) ·
    arguments <code>${esc(JSON.stringify(q.arguments))}</code></p>`;
  const bindings = await api("GET", path + "/bindings");
  table("queue-bindings", ["From", "Routing key", "Arguments"], bindings.map((b) => [esc(b.source || "(default exchange)"), esc(b.routing_key), esc(JSON.stringify(b.arguments))]), "No bindings");
  const consumers = (await api("GET", `/api/consumers/${seg(vhost)}`)).filter((c) => c.queue.name === name);
  table("queue-consumers", ["Tag", "Connection", "Ack required", num("Prefetch")], consumers.map((c) => [esc(c.consumer_tag), esc(c.channel_details.connection_name), c.ack_required ? "yes" : "no", c.prefetch_count]), "No consumers");
}
$("queue-filter").addEventListener("input", () => { state.queuePage = 1; attempt(showQueues); });
$("queue-prev").addEventListener("click", () => { if (state.queuePage > 1) { state.queuePage--; attempt(showQueues); } });
$("queue-next").addEventListener("click", () => { state.queuePage++; attempt(showQueues); });
$("publish-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const { vhost, name } = state.queue;
  attempt(async () => {
    const r = await api("POST", `/api/exchanges/${seg(vhost)}/amq.default/publish`, { routing_key: name, payload: $("publish-payload").value, payload_encoding: "string", properties: {} });
    if (!r.routed) throw new Error("The message was not routed");
    await showQueues();
  }, "Message published");
});
$("get-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const { vhost, name } = state.queue;
  attempt(async () => {
    const msgs = await api("POST", `/api/queues/${seg(vhost)}/${seg(name)}/get`, { count: Number($("get-count").value), ackmode: $("get-ackmode").value, encoding: "auto", truncate: 50000 });
    $("get-result").innerHTML = msgs.length ? msgs.map((m, i) => `<h4>Message ${i + 1}${m.redelivered ? " (redelivered)" : ""}</h4>
      <p>exchange <code>${esc(m.exchange || "(default)")}</code>, routing key <code>${esc(m.routing_key)}</code>, ${m.payload_bytes} bytes</p>
      <pre class="payload">${esc(m.payload)}</pre>`).join("") : "<p>The queue is empty.</p>";
    await showQueues();
  });
});
$("queue-purge").addEventListener("click", () => {
  const { vhost, name } = state.queue;
  if (confirm(`Purge every ready message of ${name}?`)) attempt(async () => { await api("DELETE", `/api/queues/${seg(vhost)}/${seg(name)}/contents`); await showQueues(); }, "Queue purged");
});
$("queue-delete").addEventListener("click", () => {
  const { vhost, name } = state.queue;
  if (confirm(`Delete queue ${name}?`)) attempt(async () => { await api("DELETE", `/api/queues/${seg(vhost)}/${seg(name)}`); state.queue = null; $("queue-detail").hidden = true; await showQueues(); }, "Queue deleted");
});

// --- exchanges ---
async function showExchanges() {
  const list = await api("GET", "/api/exchanges");
  const stats = (e) => e.message_stats || {};
  table("exchanges", ["Vhost", "Name", "Type", "Durable", num("In"), num("Out"), ""], list.map((e) => [esc(e.vhost), esc(e.name || "(default)"), esc(e.type), e.durable ? "yes" : "no",
    stats(e).publish_in || 0, stats(e).publish_out || 0,
    e.name && !e.name.startsWith("amq.") && e.name !== "mqtt.default" ? `<button class="small danger" data-del="${esc(e.vhost)}|${esc(e.name)}">Delete</button>` : ""]), "No exchanges");
  $("exchanges").querySelectorAll("button[data-del]").forEach((b) => b.addEventListener("click", () => {
    const [vhost, name] = b.dataset.del.split("|");
    attempt(async () => { await api("DELETE", `/api/exchanges/${seg(vhost)}/${seg(name)}`); await showExchanges(); }, "Exchange deleted");
  }));
}
$("exchange-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  attempt(async () => { await api("PUT", `/api/exchanges/%2F/${seg($("exchange-name").value)}`, { type: $("exchange-type").value, durable: true }); await showExchanges(); }, "Exchange added");
});

// --- connections ---
function formatBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}
async function showConnections() {
  const list = await api("GET", "/api/connections");
  const rate = (d) => d ? `${formatBytes(d.rate)}/s` : "";
  table("connections", ["Name", "Protocol", "User", "Vhost", "Client id", "TLS", num("Received"), num("Sent"), ""], list.map((c, i) => [esc(c.name), esc(c.protocol), esc(c.user), esc(c.vhost), esc(c.client_id || ""), c.ssl ? "yes" : "no",
    `${formatBytes(c.recv_oct || 0)}<br><small>${rate(c.recv_oct_details)}</small>`, `${formatBytes(c.send_oct || 0)}<br><small>${rate(c.send_oct_details)}</small>`,
    `<button class="small danger" data-close="${i}">Close</button>`]), "No client is connected");
  $("connections").querySelectorAll("button[data-close]").forEach((b) => b.addEventListener("click", () => {
    const c = list[Number(b.dataset.close)];
    attempt(async () => {
      const res = await fetch(`/api/connections/${seg(c.name)}`, { method: "DELETE", headers: { Authorization: "Basic " + state.auth, "X-Requested-With": "XMLHttpRequest", "X-Reason": "Closed from the web console" } });
      if (!res.ok) throw new Error("Closing failed: " + res.status);
      await showConnections();
    }, "Connection closed");
  }));
}

// --- MQTT ---
async function showMQTT() {
  const sessions = await api("GET", "/api/mqtt/sessions");
  table("sessions", ["Client id", "Vhost", "Connected", "Persistent", num("Messages"), num("In flight"), "Subscriptions", ""], sessions.map((s, i) => [esc(s.client_id), esc(s.vhost), s.connected ? "yes" : "no", s.persistent ? "yes" : "no", s.messages, s.in_flight,
    esc(s.subscriptions.concat(s.shared_subscriptions || []).map((x) => x.filter + " (QoS " + x.qos + ")").join(", ")), `<button class="small danger" data-end="${i}">End session</button>`]), "No MQTT sessions");
  $("sessions").querySelectorAll("button[data-end]").forEach((b) => b.addEventListener("click", () => {
    const s = sessions[Number(b.dataset.end)];
    attempt(async () => { await api("DELETE", `/api/mqtt/sessions/${seg(s.vhost)}/${seg(s.client_id)}`); await showMQTT(); }, "Session ended");
  }));
  const vhosts = await api("GET", "/api/vhosts");
  const retained = [];
  for (const v of vhosts) for (const r of await api("GET", `/api/mqtt/retained/${seg(v.name)}`)) retained.push({ vhost: v.name, ...r });
  table("retained", ["Vhost", "Topic", num("Bytes"), num("QoS"), "Payload", ""], retained.map((r, i) => [esc(r.vhost), esc(r.topic), r.payload_bytes, r.qos, `<code>${esc(r.payload.slice(0, 80))}</code>`,
    `<button class="small danger" data-drop="${i}">Delete</button>`]), "No retained messages");
  $("retained").querySelectorAll("button[data-drop]").forEach((b) => b.addEventListener("click", () => {
    const r = retained[Number(b.dataset.drop)];
    attempt(async () => { await api("DELETE", `/api/mqtt/retained/${seg(r.vhost)}/${r.topic.split("/").map(seg).join("/")}`); await showMQTT(); }, "Retained message deleted");
  }));
}

// --- admin ---
async function showAdmin() {
  const [users, vhosts, perms, policies] = await Promise.all([api("GET", "/api/users").catch(() => []), api("GET", "/api/vhosts"), api("GET", "/api/permissions").catch(() => []), api("GET", "/api/policies")]);
  table("users", ["Name", "Tags", ""], users.map((u) => [esc(u.name), esc(u.tags.join(", ")), `<button class="small danger" data-user="${esc(u.name)}">Delete</button>`]), "No users (or not an administrator)");
  table("vhosts", ["Name", num("Messages"), ""], vhosts.map((v) => [esc(v.name), v.messages, `<button class="small danger" data-vhost="${esc(v.name)}">Delete</button>`]), "No vhosts");
  table("permissions", ["User", "Vhost", "Configure", "Write", "Read"], perms.map((p) => [esc(p.user), esc(p.vhost), esc(p.configure), esc(p.write), esc(p.read)]), "No permissions");
  table("policies", ["Vhost", "Name", "Pattern", "Apply to", "Definition", num("Priority"), ""], policies.map((p) => [esc(p.vhost), esc(p.name), esc(p.pattern), esc(p["apply-to"]), `<code>${esc(JSON.stringify(p.definition))}</code>`, p.priority,
    `<button class="small danger" data-policy="${esc(p.vhost)}|${esc(p.name)}">Delete</button>`]), "No policies");
  const bind = (sel, fn) => document.querySelectorAll(sel).forEach((b) => b.addEventListener("click", () => attempt(async () => { await fn(b); await showAdmin(); }, "Deleted")));
  bind("#users button[data-user]", (b) => api("DELETE", `/api/users/${seg(b.dataset.user)}`));
  bind("#vhosts button[data-vhost]", (b) => api("DELETE", `/api/vhosts/${seg(b.dataset.vhost)}`));
  bind("#policies button[data-policy]", (b) => { const [v, n] = b.dataset.policy.split("|"); return api("DELETE", `/api/policies/${seg(v)}/${seg(n)}`); });
}
const submit = (id, fn, done) => $(id).addEventListener("submit", (ev) => { ev.preventDefault(); attempt(async () => { await fn(); await showAdmin(); }, done); });
submit("user-form", () => api("PUT", `/api/users/${seg($("user-name").value)}`, { password: $("user-password").value, tags: $("user-tags").value }), "User saved");
submit("vhost-form", () => api("PUT", `/api/vhosts/${seg($("vhost-name").value)}`), "Vhost added");
submit("permission-form", () => api("PUT", `/api/permissions/${seg($("perm-vhost").value)}/${seg($("perm-user").value)}`, { configure: $("perm-configure").value, write: $("perm-write").value, read: $("perm-read").value }), "Permissions set");
submit("policy-form", () => api("PUT", `/api/policies/${seg($("policy-vhost").value)}/${seg($("policy-name").value)}`, { pattern: $("policy-pattern").value, definition: JSON.parse($("policy-definition").value), priority: Number($("policy-priority").value), "apply-to": "queues" }), "Policy set");
$("definitions-download").addEventListener("click", () => attempt(async () => {
  const d = await api("GET", "/api/definitions");
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([JSON.stringify(d, null, 2)], { type: "application/json" }));
  a.download = "gateway-definitions.json"; a.click();
}));
$("definitions-upload").addEventListener("change", (ev) => attempt(async () => {
  const file = ev.target.files[0];
  await api("POST", "/api/definitions", JSON.parse(await file.text()));
  $("definitions-status").textContent = "Imported " + file.name;
  await showAdmin();
}, "Definitions imported"));

// --- start ---
if (state.auth) api("GET", "/api/whoami").then(showLoggedIn).catch(logout); else logout();
