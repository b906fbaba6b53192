/* Shared helpers of the casework pages: JSON calls that carry the CSRF token, times in
 * Europe/Amsterdam (entered and shown locally, sent with their UTC offset; the conversions
 * live in amsterdam_time.js), escaping. */
(function () {
  "use strict";

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
          var e = new Error(data.bericht || data.message || r.statusText); e.status = r.status; e.body = data; throw e;
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

  // Times in Europe/Amsterdam come from amsterdam_time.js (loaded before this file).
  var localToISO = window.AnprTime.localToISO, isoToLocal = window.AnprTime.isoToLocal;

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
