/* The account page: end another session of one's own, change one's own password (the
 * JSON API of webmap/account_api.py; calls, CSRF and errors through anpr.js). */
(function () {
  "use strict";
  var API = "/api/v1/account";

  function drawSessions(list) {
    var body = document.querySelector("#sessions tbody");
    body.innerHTML = list.map(function (s) {
      return "<tr data-session=\"" + Anpr.esc(s.id) + "\"" + (s.current ? " class=\"current\" data-current=\"1\"" : "") + ">" +
        "<td>" + Anpr.esc(Anpr.time.show(s.started_at)) + "</td><td>" + Anpr.esc(Anpr.time.show(s.last_seen)) + "</td>" +
        "<td>" + Anpr.esc(s.source || "") + "</td><td>" + (s.current ? "<b>deze sessie</b>" :
        "<button type=\"button\" class=\"end-session\" data-session=\"" + Anpr.esc(s.id) + "\">Beëindigen</button>") +
        "</td></tr>";
    }).join("");
  }

  document.getElementById("sessions").addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.end-session");
    if (!btn) { return; }
    var msg = document.getElementById("sessions-msg");
    if (!window.confirm("Deze sessie beëindigen? Wie daar is aangemeld, moet opnieuw inloggen.")) { return; }
    btn.disabled = true;
    Anpr.api("DELETE", API + "/sessions/" + encodeURIComponent(btn.dataset.session)).then(function (left) {
      drawSessions(left);
      Anpr.message(msg, "De sessie is beëindigd.", "ok");
    }).catch(function (e) { btn.disabled = false; Anpr.message(msg, e.message, "error"); });
  });

  document.getElementById("password-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = document.getElementById("password-msg");
    var body = { current: document.getElementById("pw-current").value, new: document.getElementById("pw-new").value,
      repeat: document.getElementById("pw-repeat").value };
    if (body.new !== body.repeat) { Anpr.message(msg, "Het nieuwe wachtwoord en de herhaling ervan zijn niet gelijk.", "error"); return; }
    Anpr.api("POST", API + "/password", body).then(function (r) {
      ev.target.reset();
      var n = r.sessions_ended;
      Anpr.message(msg, "Uw wachtwoord is gewijzigd. " + Anpr.count(n, "andere sessie is", "andere sessies zijn") + " beëindigd.", "ok");
      return Anpr.api("GET", API + "/sessions").then(drawSessions);
    }).catch(function (e) { Anpr.message(msg, e.message, "error"); });
  });
})();
