/* Photo approval (R8, report 7.4.5): twelve photos at a time, those still to approve;
 * click one, drag blur boxes over what is still recognisable, approve. The server writes
 * the blurred copy irreversibly; boxes are sent in the photo's own pixels. */
(function () {
  "use strict";
  var C = window.casework;
  var $ = function (id) { return document.getElementById(id); };
  var rid = $("photos").dataset.id;
  var base = "/api/v1/requests/" + rid + "/photos";
  var msg = $("photo-message");
  var offset = 0, PAGE = 12, current = null, boxes = [], drag = null;

  function load() {
    var all = $("show-approved").checked ? "&all=1" : "";
    C.api("GET", base + "?page_size=" + PAGE + "&offset=" + offset + all).then(function (page) {
      $("photo-counts").textContent = page.approved + " van " + page.total + " goedgekeurd" +
        (page.pending ? " \u00b7 " + page.pending + " wachten op vervagen" : "") +
        (page.not_available ? " \u00b7 " + page.not_available + " niet beschikbaar" : "");
      $("photo-counts").dataset.remaining = String(page.remaining);
      var grid = $("photo-grid");
      grid.innerHTML = page.photos.length ? "" : "<p id='photos-done'>Geen foto's (meer) om goed te keuren.</p>";
      page.photos.forEach(function (p) {
        var fig = document.createElement("figure");
        fig.dataset.passage = String(p.passage_id);
        if (p.approved) { fig.classList.add("approved"); }
        // R8: a photo the detector has not blurred (pending, set aside) is never fetched.
        var shown = p.approved || p.photo_state === "blurred";
        var state = { pending: "vervagen loopt nog", set_aside: "apart gezet door de detector",
                      not_queued: "niet aangeboden voor vervagen" }[p.photo_state] || p.photo_state;
        if (!shown) { fig.classList.add("not-blurred"); fig.dataset.state = p.photo_state; }
        fig.innerHTML = (shown ? '<img alt="foto ' + C.esc(p.plate) + '" src="' + base + "/" + p.passage_id + "?v=" + (p.approved ? "a" : "b") + '">'
                               : '<p class="photo-state" title="' + C.esc(p.photo_message) + '">' + C.esc(state) + "</p>") + "<figcaption>" +
          C.esc(p.plate) + " &middot; " + C.esc(p.location_code) + " &middot; " + C.esc(C.fmt(p.captured_at)) +
          (p.approved ? " &middot; goedgekeurd door " + C.esc(p.approved_by) : "") + "</figcaption>";
        if (shown && !p.approved) { fig.addEventListener("click", function () { open(p); }); }
        grid.appendChild(fig);
      });
      $("photos-prev").disabled = offset === 0;
      $("photos-next").disabled = page.photos.length < PAGE;
    }).catch(function (e) { C.message(msg, "Laden mislukt: " + e.message); });
  }

  function scale() { var img = $("editor-img"); return img.naturalWidth / img.clientWidth; }
  function drawBoxes() {
    var wrap = $("editor-canvas");
    wrap.querySelectorAll(".box").forEach(function (b) { b.remove(); });
    var s = scale();
    boxes.forEach(function (b) {
      var d = document.createElement("div");
      d.className = "box";
      d.style.left = b[0] / s + "px"; d.style.top = b[1] / s + "px";
      d.style.width = (b[2] - b[0]) / s + "px"; d.style.height = (b[3] - b[1]) / s + "px";
      wrap.appendChild(d);
    });
    $("box-count").textContent = String(boxes.length);
  }
  function open(p) {
    current = p; boxes = [];
    var img = $("editor-img");
    img.onload = drawBoxes;
    img.src = base + "/" + p.passage_id + "?edit=" + Date.now();
    $("editor").showModal();
  }
  function point(ev) {
    var r = $("editor-img").getBoundingClientRect(), s = scale();
    var img = $("editor-img");
    var x = Math.max(0, Math.min(img.naturalWidth, (ev.clientX - r.left) * s));
    var y = Math.max(0, Math.min(img.naturalHeight, (ev.clientY - r.top) * s));
    return [Math.round(x), Math.round(y)];
  }
  $("editor-img").addEventListener("mousedown", function (ev) { ev.preventDefault(); drag = point(ev); });
  document.addEventListener("mouseup", function (ev) {
    if (!drag) { return; }
    var q = point(ev);
    var b = [Math.min(drag[0], q[0]), Math.min(drag[1], q[1]), Math.max(drag[0], q[0]), Math.max(drag[1], q[1])];
    drag = null;
    if (b[2] - b[0] >= 2 && b[3] - b[1] >= 2) { boxes.push(b); drawBoxes(); }
  });
  $("undo-box").addEventListener("click", function () { boxes.pop(); drawBoxes(); });
  $("editor-cancel").addEventListener("click", function () { boxes = []; $("editor").close(); });
  $("approve-photo").addEventListener("click", function () {
    C.api("POST", base + "/" + current.passage_id + "/approve", { boxes: boxes }).then(function () {
      $("editor").close();
      C.message(msg, "Foto goedgekeurd" + (boxes.length ? " met " + boxes.length + " vervaagde kaders" : "") + ".", "ok");
      load();
    }).catch(function (e) { C.message(msg, "Niet goedgekeurd: " + e.message); $("editor").close(); });
  });
  $("show-approved").addEventListener("change", function () { offset = 0; load(); });
  $("photos-prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); load(); });
  $("photos-next").addEventListener("click", function () { offset += PAGE; load(); });
  load();
})();
