// Hangar's one pane of glass: polls GET /api/v1/overview and redraws the two tables in place.
// Every value is inserted with textContent, never as HTML.
"use strict";

const POLL_MS = 2000;
window.hangarPageId = Math.random().toString(36).slice(2);
let updates = 0;

function token() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("hangarToken", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("hangarToken");
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function badge(word, cls) {
  return el("span", word.replace("_", " "), "badge " + (cls || word));
}

function ago(now, ms) {
  if (!ms) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.round(s / 60) + "m ago";
  return Math.round(s / 3600) + "h ago";
}

function cell(row, content) {
  const td = document.createElement("td");
  for (const c of [].concat(content)) {
    td.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  row.append(td);
  return td;
}

function agents(now, list) {
  if (!list.length) return [badge("no agent", "none")];
  return list.map((a) => {
    const d = el("div", null, "agent");
    d.dataset.agent = a.name;
    d.dataset.health = a.health;
    d.append(badge(a.health), " ", a.name + " ");
    const c = a.cluster;
    const bits = [];
    if (a.last_heartbeat) bits.push("heartbeat " + ago(now, a.last_heartbeat));
    if (a.version) bits.push("agent " + a.version);
    if (c) {
      bits.push("k8s " + c.kubernetes_version, c.node_count + " nodes",
        (c.pods.running || 0) + " pods running");
      if (c.cpu_capacity_millicores) bits.push("cpu " + Math.round(100 * c.cpu_used_millicores / c.cpu_capacity_millicores) + "%");
      if (c.memory_capacity_bytes) bits.push("mem " + Math.round(100 * c.memory_used_bytes / c.memory_capacity_bytes) + "%");
    }
    d.append(el("div", bits.join(" · "), "muted"));
    return d;
  });
}

function brief(now, b, drift) {
  if (!b) return [el("span", "never", "muted")];
  let cls = b.status;
  let word = b.status;
  if (drift && b.status === "succeeded") {
    cls = b.count ? "drifted" : "succeeded";
    word = b.count ? b.count + " drifted" : "no drift";
  } else if (!drift && b.status === "succeeded") {
    word = "succeeded";
  }
  const s = badge(word, cls);
  s.dataset.job = b.id;
  return [s, " ", el("span", "#" + b.id + " " + ago(now, b.at), "muted")];
}

function changes(j) {
  const s = j.summary;
  if (!s) return "";
  if (j.spec.kind === "drift") return (s.drift || []).length + " drifted";
  if (j.spec.kind === "workload" && s.workload) {
    return s.workload.ready + " ready, " + s.workload.succeeded + " succeeded, " + s.workload.failed + " failed";
  }
  const c = s.counts || {};
  return "+" + (c.add || 0) + " ~" + (c.change || 0) + " -" + (c.destroy || 0);
}

function detail(j) {
  if (j.reason) return j.reason;
  const errs = (j.summary && j.summary.errors) || [];
  if (errs.length) return errs.map((e) => (e.address ? e.address + ": " : "") + e.message).join("; ");
  if (j.spec.kind === "workload") return j.spec.workload.kind + " " + j.spec.workload.name;
  return "";
}

function render(o) {
  const wsBody = document.querySelector("#workspaces tbody");
  const rows = o.workspaces.map((w) => {
    const tr = document.createElement("tr");
    tr.dataset.workspace = w.workspace.name;
    cell(tr, el("strong", w.workspace.name));
    cell(tr, w.workspace.geography);
    cell(tr, [w.workspace.region, " ", el("span", w.workspace.cloud, "muted")]);
    cell(tr, agents(o.now, w.agents)).className = "agents";
    cell(tr, brief(o.now, w.last_apply, false)).className = "last-apply";
    cell(tr, brief(o.now, w.last_drift, true)).className = "last-drift";
    return tr;
  });
  wsBody.replaceChildren(...rows);

  const jobBody = document.querySelector("#jobs tbody");
  const jobRows = o.jobs.map((j) => {
    const tr = document.createElement("tr");
    tr.dataset.jobId = j.id;
    tr.dataset.status = j.status;
    tr.dataset.workspace = j.workspace;
    cell(tr, j.id);
    cell(tr, j.workspace);
    cell(tr, j.spec.kind);
    cell(tr, badge(j.status)).className = "job-status";
    cell(tr, j.agent || "");
    cell(tr, changes(j));
    cell(tr, j.summary && j.summary.duration_ms ? (j.summary.duration_ms / 1000).toFixed(1) + " s" : "");
    cell(tr, el("span", ago(o.now, j.queued_at) + " by " + j.queued_by, "muted"));
    cell(tr, el("span", detail(j), "muted"));
    return tr;
  });
  jobBody.replaceChildren(...jobRows);
  updates += 1;
  document.body.dataset.updates = String(updates);
  document.getElementById("status").textContent =
    "updated " + new Date(o.now).toLocaleTimeString() + " · " + o.workspaces.length + " workspaces";
}

async function poll() {
  const t = token();
  if (!t) {
    document.getElementById("login").hidden = false;
    document.getElementById("status").textContent = "token needed";
    return;
  }
  try {
    const r = await fetch("/api/v1/overview", { headers: { Authorization: "Bearer " + t } });
    if (r.status === 401) {
      sessionStorage.removeItem("hangarToken");
      document.getElementById("main").hidden = true;
      document.getElementById("login").hidden = false;
      document.getElementById("status").textContent = "token refused";
      return;
    }
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("login").hidden = true;
    document.getElementById("main").hidden = false;
  } catch (e) {
    document.getElementById("status").textContent = "control plane unreachable (" + e.message + "), retrying";
  }
  setTimeout(poll, POLL_MS);
}

document.getElementById("login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const v = document.getElementById("token").value.trim();
  if (v) {
    sessionStorage.setItem("hangarToken", v);
    document.getElementById("token").value = "";
    poll();
  }
});

poll();
