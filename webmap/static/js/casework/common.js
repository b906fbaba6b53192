/* Shared helpers of the casework pages: JSON calls that carry the CSRF token, times in
 * Europe/Amsterdam (entered and shown locally, sent with their UTC offset), escaping. */
(function () {
  "use strict";

  var TZ = "Europe/Amsterdam";
  var csrfMeta = document.querySelector("meta[name='csrf-token']");

  function csrf() { return csrfMeta ? csrfMeta.content : ""; }

  function api(method, url, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf(); }
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok && r.status !== 422) {
          var e = new Error(data.message || r.statusText); e.status = r.status; e.body = data; throw e;
        }
        data.__status = r.status;
        return data;
      });
    });
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Offset of Amsterdam from UTC (minutes) at a UTC instant, from Intl (DST-aware).
  function offsetAt(ms) {
    var parts = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms));
    var v = {}; parts.forEach(function (p) { v[p.type] = p.value; });
    var asUtc = Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second);
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "2026-03-01T14:00" read in Amsterdam -> "2026-03-01T14:00:00+01:00".
  function localToISO(value) {
    if (!value) { return null; }
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
    if (!m) { return null; }
    var guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var off = offsetAt(guess - offsetAt(guess) * 60000);
    var sign = off >= 0 ? "+" : "-", a = Math.abs(off);
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }

  // An ISO time -> the value of a datetime-local input in Amsterdam time.
  function isoToLocal(iso) {
    if (!iso) { return ""; }
    var ms = Date.parse(iso);
    var d = new Date(ms + offsetAt(ms) * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  function fmt(iso) {
    if (!iso) { return ""; }
    var l = isoToLocal(iso);
    return l.slice(8, 10) + "-" + l.slice(5, 7) + "-" + l.slice(0, 4) + " " + l.slice(11, 16);
  }

  function nowLocal() { return isoToLocal(new Date().toISOString()); }

  var STATUS = { registered: "geregistreerd", confirmed: "bevestigd", rejected: "afgewezen", cancelled: "geannuleerd",
    provided: "geleverd", completed: "afgerond" };
  var KINDS = { plate: "Q1 kenteken(s)", partial: "Q2 deel van kenteken", block: "Q3 blokbevraging", convoy: "Q4 konvooi",
    common: "Q5 gemeenschappelijke kentekens", route: "Q6 route" };

  function message(el, text, kind) {
    if (!el) { return; }
    if (!text) { el.hidden = true; el.textContent = ""; return; }
    el.hidden = false; el.className = "cw-msg " + (kind || "error"); el.textContent = text;
  }

  window.casework = { api: api, esc: esc, localToISO: localToISO, isoToLocal: isoToLocal, fmt: fmt, nowLocal: nowLocal,
    csrf: csrf, STATUS: STATUS, KINDS: KINDS, message: message };
})();
