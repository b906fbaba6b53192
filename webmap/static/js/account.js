/* The account page: end another session of one's own, change one's own password (the
 * JSON API of webmap/account_api.py; fetch, CSRF and errors through casework/common.js). */
(function () {
  "use strict";
  var cw = window.casework;
  var API = "/api/v1/account";

  function drawSessions(list) {
    var body = document.querySelector("#sessions tbody");
    body.innerHTML = list.map(function (s) {
      return "<tr data-session=\"" + cw.esc(s.id) + "\"" + (s.current ? " class=\"current\" data-current=\"1\"" : "") + ">" +
        "<td>" + cw.esc(cw.fmt(s.started_at)) + "</td><td>" + cw.esc(cw.fmt(s.last_seen)) + "</td>" +
        "<td>" + cw.esc(s.source || "") + "</td><td>" + (s.current ? "<b>deze sessie</b>" :
        "<button type=\"button\" class=\"end-session\" data-session=\"" + cw.esc(s.id) + "\">Beëindigen</button>") +
        "</td></tr>";
    }).join("");
  }

  document.getElementById("sessions").addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.end-session");
    if (!btn) { return; }
    var msg = document.getElementById("sessions-msg");
    if (!window.confirm("Deze sessie beëindigen? Wie daar is aangemeld, moet opnieuw inloggen.")) { return; }
    btn.disabled = true;
    cw.api("DELETE", API + "/sessions/" + encodeURIComponent(btn.dataset.session)).then(function (left) {
      drawSessions(left);
      cw.message(msg, "De sessie is beëindigd.", "ok");
    }).catch(function (e) { btn.disabled = false; cw.message(msg, e.message, "error"); });
  });

  document.getElementById("password-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = document.getElementById("password-msg");
    var body = { current: document.getElementById("pw-current").value, new: document.getElementById("pw-new").value,
      repeat: document.getElementById("pw-repeat").value };
    if (body.new !== body.repeat) { cw.message(msg, "Het nieuwe wachtwoord en de herhaling ervan zijn niet gelijk.", "error"); return; }
    cw.api("POST", API + "/password", body).then(function (r) {
      ev.target.reset();
      var n = r.sessions_ended;
      cw.message(msg, "Uw wachtwoord is gewijzigd. " + (n === 1 ? "1 andere sessie is" : n + " andere sessies zijn") + " beëindigd.", "ok");
      return cw.api("GET", API + "/sessions").then(drawSessions);
    }).catch(function (e) { cw.message(msg, e.message, "error"); });
  });
})();
