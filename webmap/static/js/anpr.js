/* The one shared module of the browser code (window.Anpr), loaded by base.html before every
 * other script: calls to the server that carry the session's CSRF token, the server's refusal
 * in Dutch, HTML escaping, counts in words, and times in Europe/Amsterdam. It needs nothing
 * else (the pages work offline, no CDN).
 *
 * Naming convention of the browser code (docs/development.md, "Browser code"):
 * - Shared modules, loaded by base.html on every page: anpr.js (window.Anpr) and basemap.js
 *   (Anpr.basemap, the basemap under every map). window.Anpr is the only global the app's
 *   own scripts define.
 * - A page module is named after the template it drives: templates/<path>.html ->
 *   static/js/<path>.js (casework/verify.html -> js/casework/verify.js, search_panel.html ->
 *   js/search_panel.js). A part of a page with a script of its own is named after that part
 *   (casework/workspace.js, the workspace of casework/request.html).
 * - A page module is one function run at once ("use strict") and defines no global. What
 *   another script or a test must reach is one handle, Anpr.pages.<its file name in
 *   camelCase> (Anpr.pages.map, Anpr.pages.searchPanel, Anpr.pages.registryEditor).
 * - A page module never calls fetch() nor escapes HTML itself: Anpr.api, Anpr.getJSON or
 *   Anpr.send, and Anpr.esc (tests/test_browser_code.py fails otherwise).
 */
(function () {
  "use strict";

  // --- calls to the server ---------------------------------------------------------------

  var UNREACHABLE = "De server is niet bereikbaar; probeer het later opnieuw.";
  /** Words for an answer that carries no message of its own (a proxy's error page). */
  var STATUS_WORDS = {
    401: "U bent niet (meer) aangemeld; meld u opnieuw aan.",
    403: "Dit mag uw account niet.",
    413: "Het bestand is te groot voor de server."
  };

  var csrfToken = null;
  /** The session's CSRF token (R10), which every write carries as X-CSRF-Token: from the
   * page's <meta name="csrf-token"> (the casework, account and analyst pages), else asked once
   * of /api/v1/session, and only when the page first writes (the maps). */
  function csrf() {
    if (!csrfToken) {
      var meta = document.querySelector("meta[name='csrf-token']");
      csrfToken = meta ? Promise.resolve(meta.content) :
        fetch("/api/v1/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (b) { return b.csrf_token || ""; })
          .catch(function () { return ""; });
    }
    return csrfToken;
  }

  /** An Error for a refused or broken answer: the server's own words (in Dutch, `bericht`;
   * else its English `message`), else words for the status; never a raw exception. */
  function failure(status, body) {
    var said = body && (body.bericht || body.message);
    var e = new Error(said || STATUS_WORDS[status] ||
      (status ? "De server gaf een onverwacht antwoord (" + status + ")." : UNREACHABLE));
    e.status = status; e.body = body;
    return e;
  }

  /** A refused answer (`response.ok` false) read into its Error (see failure). */
  function refusal(response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      return failure(response.status, body);
    });
  }

  /**
   * Every call of the pages to the server: `method` on `url` with the session cookie, asking
   * for JSON; a write carries the CSRF token. `body`: a FormData or a Blob (a File: sent as
   * it is, with its type), or a value sent as JSON, or undefined. Resolves to the Response
   * whatever its status (for a file to download or a header to read); rejects only when the
   * server cannot be reached, with an Error in words.
   */
  function send(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body instanceof FormData) { opts.body = body; }
    else if (body instanceof Blob) { opts.body = body; opts.headers["Content-Type"] = body.type || "application/octet-stream"; }
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    var write = method !== "GET" && method !== "HEAD";
    return (write ? csrf() : Promise.resolve("")).then(function (token) {
      if (write) { opts.headers["X-CSRF-Token"] = token; }
      return fetch(url, opts).catch(function () { throw failure(0, null); });
    });
  }

  /** A JSON call: resolves to the answer's JSON; rejects with an Error whose message is the
   * server's refusal in Dutch, with `status` and `body` (a request registered as refused
   * comes as status 422 with the request as body). */
  function api(method, url, body) {
    return send(method, url, body).then(function (r) {
      if (!r.ok) { return refusal(r).then(function (e) { throw e; }); }
      return r.json().catch(function () { throw failure(r.status, null); });
    });
  }

  function getJSON(url) { return api("GET", url); }

  // --- showing -----------------------------------------------------------------------------

  /** Show `text` in the page's message element `el` (hidden when `text` is empty), marked as
   * `kind`: "error" (the default), "warn" or "ok" (casework.css .cw-msg colours them). */
  function message(el, text, kind) {
    if (!el) { return; }
    el.hidden = !text;
    el.textContent = text || "";
    if (text) {
      ["error", "warn", "ok"].forEach(function (k) { el.classList.toggle(k, k === (kind || "error")); });
    }
  }

  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  /** Text made safe to put into HTML, an attribute's value included. */
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  /** The plates an officer typed into one field, as a list: commas, semicolons and new
   * lines separate plates; spaces separate plates only between whole plates. A plate
   * written in its groups with spaces ("zx 12 ab", "1 ABC 23": no group longer than three
   * characters) is one plate, as a witness says it, not three plates "ZX", "12" and "AB";
   * "AB123C XY99ZZ" stays two. Upper case; dashes and dots are left to the server, which
   * ignores them. */
  function plates(text) {
    var out = [];
    String(text || "").split(/[,;\n\r]+/).forEach(function (piece) {
      var group = "";
      piece.trim().split(/\s+/).filter(Boolean).forEach(function (token) {
        if (token.replace(/[-.]/g, "").length <= 3 && token.indexOf("-") < 0) { group += token; return; }
        if (group) { out.push(group.toUpperCase()); group = ""; }
        out.push(token.toUpperCase());
      });
      if (group) { out.push(group.toUpperCase()); }
    });
    return out;
  }

  /** "1 locatie", "3 locaties": a count with the right form of the noun. */
  function count(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // --- times in Europe/Amsterdam ----------------------------------------------------------
  // The server stores and answers in UTC. Officers enter and read times in Europe/Amsterdam,
  // and what goes to the server is ISO 8601 with the offset that applied at that moment, so
  // a window across a DST change is what the officer typed. Offsets come from Intl, which
  // knows the zone's rules; nothing here assumes a fixed +01:00 or +02:00.

  var TZ = "Europe/Amsterdam";
  var partsFmt = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function pad(n) { return ("0" + n).slice(-2); }

  /** The wall-clock fields (year .. second, as strings of two digits; the year of four) in
   * Amsterdam at this instant. */
  function amsParts(date) {
    var o = {};
    partsFmt.formatToParts(date).forEach(function (p) { o[p.type] = p.value; });
    ["month", "day", "minute", "second"].forEach(function (k) { o[k] = pad(o[k]); });
    o.hour = pad(+o.hour % 24);
    return o;
  }

  /** Minutes Europe/Amsterdam is ahead of UTC at this instant (60 in winter, 120 in summer). */
  function offsetMinutes(date) {
    var o = amsParts(date);
    var wall = Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour, +o.minute, +o.second);
    return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  }

  /** "YYYY-MM-DDTHH:MM[:SS]" in Amsterdam local time (a datetime-local value) -> ISO 8601
   * with the offset of that moment, e.g. "2026-03-01T14:00" -> "2026-03-01T14:00:00+01:00";
   * null when empty or unreadable. The offset is taken twice: first at the wall time read as
   * UTC, then at the instant that first guess gives, which is right on both sides of a DST
   * change. */
  function localToISO(v) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(v || "");
    if (!m) { return null; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    var off = offsetMinutes(new Date(wall));
    off = offsetMinutes(new Date(wall - off * 60000));
    var a = Math.abs(off);
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + (m[6] || "00") +
      (off >= 0 ? "+" : "-") + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }

  function instant(iso) {
    var d = iso ? new Date(iso) : null;
    return d && !isNaN(d.getTime()) ? d : null;
  }

  /** An ISO time -> the value of a datetime-local input in Amsterdam time ("YYYY-MM-DDTHH:MM");
   * "" when empty or unreadable. */
  function isoToLocal(iso) {
    var d = instant(iso);
    if (!d) { return ""; }
    var o = amsParts(d);
    return o.year + "-" + o.month + "-" + o.day + "T" + o.hour + ":" + o.minute;
  }

  /** An ISO time shown in Amsterdam as "dd-mm-jjjj uu:mm", or "dd-mm-jjjj uu:mm:ss" when
   * `seconds` (the search lists show seconds; casework, the registry's periods and history
   * do not); "" when empty or unreadable. */
  function show(iso, seconds) {
    var d = instant(iso);
    if (!d) { return ""; }
    var o = amsParts(d);
    return o.day + "-" + o.month + "-" + o.year + " " + o.hour + ":" + o.minute + (seconds ? ":" + o.second : "");
  }

  /** Now, as the value of a datetime-local input in Amsterdam time. */
  function nowLocal() { return isoToLocal(new Date().toISOString()); }

  window.Anpr = {
    api: api, getJSON: getJSON, send: send, refusal: refusal, csrf: csrf,
    message: message, esc: esc, count: count, plates: plates,
    time: { TZ: TZ, offsetMinutes: offsetMinutes, localToISO: localToISO, isoToLocal: isoToLocal, show: show,
      nowLocal: nowLocal },
    pages: {}
  };
})();
