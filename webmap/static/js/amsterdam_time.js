/* Times in Europe/Amsterdam, shared by the officers' search, the registry editor and the
 * casework pages (window.AnprTime).
 *
 * The server stores and answers in UTC. Officers enter and read times in Europe/Amsterdam,
 * and what goes to the server is ISO 8601 with the offset that applied at that moment, so a
 * window across a DST change is what the officer typed. Offsets come from Intl, which knows
 * the zone's rules; nothing here assumes a fixed +01:00 or +02:00. Loaded before the page
 * scripts; it needs nothing else (the map works offline, no CDN). */
(function () {
  "use strict";

  var TZ = "Europe/Amsterdam";

  var partsFmt = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  // Display: "dd-mm-jjjj uu:mm" or "dd-mm-jjjj uu:mm:ss"; the search lists show seconds,
  // the registry's periods and history do not.
  var showFmt = {
    minutes: new Intl.DateTimeFormat("nl-NL", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    seconds: new Intl.DateTimeFormat("nl-NL", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
  };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /** The wall-clock fields (year .. second, as strings) in Amsterdam at this instant. */
  function amsParts(date) {
    var o = {};
    partsFmt.formatToParts(date).forEach(function (p) { o[p.type] = p.value; });
    return o;
  }

  /** Minutes Europe/Amsterdam is ahead of UTC at this instant (60 in winter, 120 in summer). */
  function offsetMinutes(date) {
    var o = amsParts(date);
    var wall = Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour % 24, +o.minute, +o.second);
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

  /** An ISO time -> the value of a datetime-local input in Amsterdam time ("YYYY-MM-DDTHH:MM");
   * "" when empty or unreadable. */
  function isoToLocal(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d.getTime())) { return ""; }
    var o = amsParts(d);
    return o.year + "-" + o.month + "-" + o.day + "T" + o.hour + ":" + o.minute;
  }

  /** An ISO time shown in Amsterdam as "dd-mm-jjjj uu:mm", or with seconds when `seconds`
   * is true; "" when empty. */
  function showTime(iso, seconds) {
    return iso ? (seconds ? showFmt.seconds : showFmt.minutes).format(new Date(iso)).replace(",", "") : "";
  }

  window.AnprTime = { TZ: TZ, pad: pad, offsetMinutes: offsetMinutes, localToISO: localToISO, isoToLocal: isoToLocal,
    showTime: showTime };
})();
