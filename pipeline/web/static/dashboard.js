// The dashboard's live alarm list: every data-poll-ms (10 s) asks /api/alarms for the alarms raised since the
// newest one shown (the session cookie signs the GET; no CSRF token is needed) and puts the new ones on top.
(function () {
  "use strict";
  const body = document.getElementById("alarm-rows");
  if (!body) return;
  const seen = new Set(Array.from(body.querySelectorAll("tr[data-alarm]")).map((r) => r.dataset.alarm));
  let since = body.dataset.since || "";
  const lang = body.dataset.lang || "ru";

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function rowOf(alarm) {
    const tr = document.createElement("tr");
    tr.dataset.alarm = alarm.alarm_id;
    tr.className = "fresh sev-" + alarm.severity;
    cell(tr, String(alarm.raised_at).replace("T", " ").slice(0, 16));
    cell(tr, alarm.rule);
    cell(tr, alarm.severity);
    const where = cell(tr, alarm.contact_id ? "" : "—");
    if (alarm.contact_id) {
      const a = document.createElement("a");
      a.href = "/contacts/" + encodeURIComponent(alarm.contact_id) + "?lang=" + encodeURIComponent(lang);
      a.textContent = alarm.contact_id;
      where.appendChild(a);
    }
    cell(tr, alarm.message);
    return tr;
  }

  async function poll() {
    try {
      const query = (body.dataset.query ? body.dataset.query + "&" : "") + "since=" + encodeURIComponent(since);
      const response = await fetch("/api/alarms?" + query, {credentials: "same-origin", headers: {Accept: "application/json"}});
      if (response.ok) {
        const alarms = await response.json();  // newest first
        const fresh = alarms.filter((a) => !seen.has(a.alarm_id));
        if (fresh.length) {
          const empty = body.querySelector("tr.empty-row");
          if (empty) empty.remove();
          for (const alarm of fresh.slice().reverse()) {
            seen.add(alarm.alarm_id);
            body.insertBefore(rowOf(alarm), body.firstChild);
          }
        }
        if (alarms.length) since = alarms[0].raised_at;
      }
    } catch (error) {
      // offline for a moment: try again at the next tick
    }
    setTimeout(poll, Number(body.dataset.pollMs) || 10000);
  }

  setTimeout(poll, Number(body.dataset.pollMs) || 10000);
})();
