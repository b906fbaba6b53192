/* Photo review (R8): a grid of 48 blurred photos, keyboard first. Arrow keys move, space
 * marks a photo "not approved" (it stays for later), v adds touch-up blur boxes in the
 * editor, p approves the page in one action: each photo is still approved, recorded and
 * audited on its own, with its own boxes. The server writes the blurred copies
 * irreversibly; boxes are sent in the photo's own pixels. Photos the detector set aside
 * are listed apart as "niet beschikbaar" with the reason. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var rid = $("photos").dataset.id;
  var base = "/api/v1/requests/" + rid + "/photos";
  var msg = $("photo-message");
  var PAGE = 48, offset = 0, photos = [], cursor = 0;
  var held = {}, touchUps = {};          // per passage: held back; extra boxes
  var editing = null, boxes = [], drag = null, selected = -1;
  // The photos on screen fetched ahead (per passage, an object URL of the blurred photo):
  // kept in memory only (the server says no-store), released when they leave the screen.
  var shownUrls = {};

  function tile(i) { return document.querySelector('#photo-grid figure[data-index="' + i + '"]'); }
  function columns() {
    var first = tile(0);
    if (!first) { return 1; }
    var top = first.offsetTop, n = 0;
    photos.forEach(function (_, i) { var t = tile(i); if (t && t.offsetTop === top) { n++; } });
    return Math.max(1, n);
  }
  function setCursor(i) {
    if (!photos.length) { return; }
    cursor = Math.max(0, Math.min(photos.length - 1, i));
    document.querySelectorAll("#photo-grid figure.current").forEach(function (f) { f.classList.remove("current"); });
    var f = tile(cursor);
    if (f) { f.classList.add("current"); f.scrollIntoView({ block: "nearest" }); }
    $("photo-grid").dataset.cursor = String(cursor);
  }
  function actionable(p) { return p && !p.approved && p.photo_state === "blurred"; }
  function paint(i) {
    var p = photos[i], f = tile(i);
    if (!p || !f) { return; }
    var id = p.passage_id;
    f.classList.toggle("held", !!held[id]);
    f.dataset.held = held[id] ? "1" : "";
    f.dataset.boxes = String((touchUps[id] || []).length);
    var note = f.querySelector(".photo-note");
    note.textContent = held[id] ? "niet goedkeuren" : (touchUps[id] || []).length ? (touchUps[id].length + " kader(s) bijvervaagd") : "";
    f.querySelectorAll(".box").forEach(function (b) { b.remove(); });
    var img = f.querySelector("img");
    if (!img || !img.naturalWidth) { return; }
    var s = img.clientWidth / img.naturalWidth;
    (touchUps[id] || []).forEach(function (b) {
      var d = document.createElement("div");
      d.className = "box";
      d.style.left = (img.offsetLeft + b[0] * s) + "px"; d.style.top = (img.offsetTop + b[1] * s) + "px";
      d.style.width = (b[2] - b[0]) * s + "px"; d.style.height = (b[3] - b[1]) * s + "px";
      f.appendChild(d);
    });
  }

  function showUnavailable(page) {
    var sec = $("unavailable"), tb = document.querySelector("#unavailable-list tbody");
    tb.innerHTML = "";
    sec.hidden = !page.unavailable.length;
    page.unavailable.forEach(function (u) {
      var tr = document.createElement("tr");
      tr.dataset.passage = String(u.passage_id);
      tr.innerHTML = "<td>" + Anpr.esc(u.plate) + "</td><td>" + Anpr.esc(u.location_code) + "</td><td>" + Anpr.esc(Anpr.time.show(u.captured_at)) +
        "</td><td>niet beschikbaar: " + Anpr.esc(u.reden || u.reason) + "</td>";
      tb.appendChild(tr);
    });
  }

  function photoUrl(p) { return base + "/" + p.passage_id + "?v=" + (p.approved ? "a" : "b"); }

  // The next page, listed and its blurred photos fetched while the officer looks at this
  // one. Approving this page takes its photos out of the list, so what follows them is
  // then the photos held back here and the first of the prefetched ones, in that order.
  var next = null;
  function release(urls, keep) {
    Object.keys(urls).forEach(function (id) { if (!keep || keep[id] !== urls[id]) { URL.revokeObjectURL(urls[id]); } });
  }
  function prefetch() {
    if (next) { release(next.urls); }
    next = null;
    delete $("photo-grid").dataset.prefetched;
    if ($("show-approved").checked || photos.length < PAGE) { return; }
    var want = { offset: offset + PAGE, page: null, urls: {} };
    next = want;
    Anpr.api("GET", base + "?page_size=" + PAGE + "&offset=" + want.offset).then(function (page) {
      if (next !== want) { return; }
      // R8: only photos the detector blurred are fetched, as on the grid
      var todo = page.photos.filter(function (p) { return !p.approved && p.photo_state === "blurred"; });
      return Promise.all(todo.map(function (p) {
        return Anpr.send("GET", photoUrl(p)).then(function (r) {
          if (!r.ok) { throw new Error(String(r.status)); }
          return r.blob();
        }).then(function (blob) {
          if (next === want) { want.urls[p.passage_id] = URL.createObjectURL(blob); }
        }).catch(function () { /* the grid fetches this one itself */ });
      })).then(function () {
        if (next !== want) { release(want.urls); return; }
        want.page = page;
        $("photo-grid").dataset.prefetched = String(Object.keys(want.urls).length);
      });
    }).catch(function () { if (next === want) { next = null; } });
  }

  function show(page, urls) {
    photos = page.photos;
    release(shownUrls, urls);
    shownUrls = {};
    $("photo-counts").textContent = page.approved + " van " + page.total + " goedgekeurd" +
      (page.pending ? " \u00b7 " + page.pending + " wachten op vervagen" : "") +
      (page.not_available ? " \u00b7 " + page.not_available + " niet beschikbaar" : "");
    $("photo-counts").dataset.remaining = String(page.remaining);
    $("photo-counts").dataset.notAvailable = String(page.not_available);
    var grid = $("photo-grid");
    grid.innerHTML = photos.length ? "" : "<p id='photos-done'>Geen foto's (meer) om goed te keuren.</p>";
    photos.forEach(function (p, i) {
      var fig = document.createElement("figure");
      fig.dataset.index = String(i);
      fig.dataset.passage = String(p.passage_id);
      if (p.approved) { fig.classList.add("approved"); }
      // R8: a photo the detector has not blurred (pending) is never fetched.
      var shown = p.approved || p.photo_state === "blurred";
      var state = { pending: "vervagen loopt nog", set_aside: "niet beschikbaar: apart gezet door de detector",
                    not_queued: "niet beschikbaar: niet aangeboden voor vervagen" }[p.photo_state] || p.photo_state;
      if (!shown) { fig.classList.add("not-blurred"); fig.dataset.state = p.photo_state; }
      var ahead = shown && !p.approved && urls && urls[p.passage_id];
      if (ahead) { shownUrls[p.passage_id] = ahead; fig.dataset.prefetched = "1"; }
      fig.innerHTML = (shown ? '<img alt="foto ' + Anpr.esc(p.plate) + '" src="' + (ahead || photoUrl(p)) + '">'
                             : '<p class="photo-state" title="' + Anpr.esc(p.photo_bericht || p.photo_message) + '">' + Anpr.esc(state) + "</p>") + "<figcaption>" +
        Anpr.esc(p.plate) + " &middot; " + Anpr.esc(p.location_code) + " &middot; " + Anpr.esc(Anpr.time.show(p.captured_at)) +
        (p.approved ? " &middot; goedgekeurd door " + Anpr.esc(p.approved_by) : "") + '<span class="photo-note"></span></figcaption>';
      fig.addEventListener("click", function () { setCursor(i); });
      fig.addEventListener("dblclick", function () { setCursor(i); openEditor(); });
      var img = fig.querySelector("img");
      if (img) { img.addEventListener("load", function () { paint(i); }); }
      grid.appendChild(fig);
      paint(i);
    });
    if (urls) { release(urls, shownUrls); }
    showUnavailable(page);
    $("photos-prev").disabled = offset === 0;
    $("photos-next").disabled = photos.length < PAGE;
    grid.dataset.loaded = String(Date.now());
    setCursor(Math.min(cursor, photos.length - 1));
    prefetch();
  }

  function load() {
    var all = $("show-approved").checked ? "&all=1" : "";
    Anpr.api("GET", base + "?page_size=" + PAGE + "&offset=" + offset + all).then(function (page) {
      show(page, null);
    }).catch(function (e) { Anpr.message(msg, "Laden mislukt: " + e.message); });
  }

  // After ``done`` photos of this page were approved: the page that now follows, from
  // the prefetch (the photos left on this page first), or null where it is not at hand.
  function following(done) {
    var ahead = next;
    if (!ahead || !ahead.page || ahead.offset !== offset + PAGE || $("show-approved").checked) { return null; }
    var left = photos.filter(function (p) { return !done[p.passage_id]; });
    var page = ahead.page, n = Object.keys(done).length;
    next = null;   // handed over: its URLs now belong to the page shown
    left.forEach(function (p) {   // those left on this page keep what they show
      if (shownUrls[p.passage_id]) { ahead.urls[p.passage_id] = shownUrls[p.passage_id]; }
    });
    return { urls: ahead.urls, page: {
      photos: left.concat(page.photos.slice(0, Math.max(0, PAGE - left.length))),
      total: page.total, approved: page.approved + n, remaining: page.remaining - n,
      pending: page.pending, not_available: page.not_available, unavailable: page.unavailable } };
  }

  function approvePage() {
    var items = photos.filter(function (p) { return actionable(p) && !held[p.passage_id]; }).map(function (p) {
      return { passage_id: p.passage_id, boxes: touchUps[p.passage_id] || [] };
    });
    if (!items.length) { Anpr.message(msg, "Niets goed te keuren op deze pagina."); return; }
    $("approve-photos").disabled = true;
    Anpr.api("POST", base + "/approve", { photos: items }).then(function (res) {
      items.forEach(function (it) { delete touchUps[it.passage_id]; });
      Anpr.message(msg, res.count + " foto's goedgekeurd" + (res.with_boxes ? ", " + res.with_boxes + " met bijvervaagde kaders" : "") +
        (photos.length - items.length ? "; " + (photos.length - items.length) + " niet goedgekeurd" : "") + ".", "ok");
      $("approve-photos").disabled = false;
      // Held-back photos stay first on the next page; the approved ones are gone from it.
      cursor = 0;
      var done = {};
      items.forEach(function (it) { done[it.passage_id] = true; });
      var then = res.count === items.length ? following(done) : null;
      if (then) { show(then.page, then.urls); } else { load(); }
    }).catch(function (e) { $("approve-photos").disabled = false; Anpr.message(msg, "Niet goedgekeurd: " + e.message); });
  }

  // -- the touch-up editor: extra blur boxes for one photo, mouse or keyboard -----------
  function scale() { var img = $("editor-img"); return img.naturalWidth / img.clientWidth; }
  function drawBoxes() {
    var wrap = $("editor-canvas");
    wrap.querySelectorAll(".box").forEach(function (b) { b.remove(); });
    var s = scale();
    boxes.forEach(function (b, i) {
      var d = document.createElement("div");
      d.className = "box" + (i === selected ? " selected" : "");
      d.style.left = b[0] / s + "px"; d.style.top = b[1] / s + "px";
      d.style.width = (b[2] - b[0]) / s + "px"; d.style.height = (b[3] - b[1]) / s + "px";
      wrap.appendChild(d);
    });
    $("box-count").textContent = String(boxes.length);
  }
  function openEditor() {
    var p = photos[cursor];
    if (!actionable(p)) { return; }
    editing = p; boxes = (touchUps[p.passage_id] || []).map(function (b) { return b.slice(); });
    selected = boxes.length - 1;
    var img = $("editor-img");
    img.onload = drawBoxes;
    img.src = base + "/" + p.passage_id + "?v=b";
    $("editor").showModal();
  }
  function closeEditor(save) {
    if (save && editing) { touchUps[editing.passage_id] = boxes; }
    var i = photos.indexOf(editing);
    editing = null; boxes = []; selected = -1;
    $("editor").close();
    if (i >= 0) { paint(i); }
  }
  function addBox() {
    var img = $("editor-img"), w = img.naturalWidth, h = img.naturalHeight;
    if (!w) { return; }
    var bw = Math.max(4, Math.round(w / 4)), bh = Math.max(4, Math.round(h / 4));
    var x = Math.round((w - bw) / 2), y = Math.round((h - bh) / 2);
    boxes.push([x, y, x + bw, y + bh]); selected = boxes.length - 1; drawBoxes();
  }
  function nudge(dx, dy, resize) {
    var b = boxes[selected], img = $("editor-img");
    if (!b) { return; }
    var w = img.naturalWidth, h = img.naturalHeight, step = Math.max(2, Math.round(w / 40));
    if (resize) {
      b[2] = Math.max(b[0] + 4, Math.min(w, b[2] + dx * step)); b[3] = Math.max(b[1] + 4, Math.min(h, b[3] + dy * step));
    } else {
      var mx = Math.max(-b[0], Math.min(w - b[2], dx * step)), my = Math.max(-b[1], Math.min(h - b[3], dy * step));
      b[0] += mx; b[2] += mx; b[1] += my; b[3] += my;
    }
    drawBoxes();
  }
  function point(ev) {
    var img = $("editor-img"), r = img.getBoundingClientRect(), s = scale();
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
    if (b[2] - b[0] >= 2 && b[3] - b[1] >= 2) { boxes.push(b); selected = boxes.length - 1; drawBoxes(); }
  });
  $("undo-box").addEventListener("click", function () { boxes.pop(); selected = boxes.length - 1; drawBoxes(); });
  $("editor-done").addEventListener("click", function () { closeEditor(true); });
  $("editor-cancel").addEventListener("click", function () { closeEditor(false); });
  $("editor").addEventListener("cancel", function (ev) { ev.preventDefault(); closeEditor(false); });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /INPUT|SELECT|TEXTAREA/.test(ev.target.tagName)) { return; }
    var k = ev.key;
    if (editing) {
      var arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (arrows[k]) { nudge(arrows[k][0], arrows[k][1], ev.shiftKey); }
      else if (k === "n" || k === "v") { addBox(); }
      else if (k === "Backspace" || k === "Delete") { boxes.pop(); selected = boxes.length - 1; drawBoxes(); }
      else if (k === "Enter") { closeEditor(true); }
      else if (k === "Escape") { closeEditor(false); }
      else { return; }
      ev.preventDefault();
      return;
    }
    if (k === "ArrowRight") { setCursor(cursor + 1); }
    else if (k === "ArrowLeft") { setCursor(cursor - 1); }
    else if (k === "ArrowDown") { setCursor(cursor + columns()); }
    else if (k === "ArrowUp") { setCursor(cursor - columns()); }
    else if (k === " ") {
      var p = photos[cursor];
      if (actionable(p)) { held[p.passage_id] = !held[p.passage_id]; paint(cursor); }
    }
    else if (k === "v") { openEditor(); if (editing && !boxes.length) { $("editor-img").decode().then(addBox, addBox); } }
    else if (k === "p") { approvePage(); }
    else { return; }
    ev.preventDefault();
  });

  $("approve-photos").addEventListener("click", approvePage);
  $("show-approved").addEventListener("change", function () { offset = 0; load(); });
  $("photos-prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); load(); });
  $("photos-next").addEventListener("click", function () { offset += PAGE; load(); });
  load();
})();
