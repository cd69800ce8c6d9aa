// Collision detection on the agent's ticket page: every few seconds, tell the server this agent
// has the ticket open (and is typing a reply), and show who else has it open or is typing.
(function () {
  "use strict";
  var banner = document.getElementById("presence");
  if (!banner || !window.fetch) { return; }
  var url = banner.getAttribute("data-presence-url");
  var seen = parseInt(banner.getAttribute("data-seen-message-id"), 10) || 0;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var textarea = document.getElementById("reply-body");
  var POLL_MS = 5000, TYPING_MS = 10000;
  var lastInput = 0, sentTyping = false, timer = null, busy = false, again = false;

  function typing() {
    return !!textarea && document.activeElement === textarea && Date.now() - lastInput < TYPING_MS;
  }

  function line(text, name, className) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text.split("{name}").join(name);
    return p;
  }

  function show(data) {
    var others = Array.isArray(data.others) ? data.others : [];
    while (banner.firstChild) { banner.removeChild(banner.firstChild); }
    others.forEach(function (other) {
      banner.appendChild(other.typing
        ? line(banner.getAttribute("data-typing-text"), other.name, "presence-line typing")
        : line(banner.getAttribute("data-viewing-text"), other.name, "presence-line"));
    });
    if (data.last_message_id > seen) {
      banner.appendChild(line(banner.getAttribute("data-new-message-text"), "", "presence-line new-message"));
    }
    banner.hidden = !banner.firstChild;
  }

  function send(body, keepalive) {
    return window.fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(body)
    });
  }

  function poll() {
    window.clearTimeout(timer);
    if (busy) { again = true; return; }  // one request at a time; send the newest state after it
    busy = true;
    sentTyping = typing();
    send({typing: sentTyping}).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data); }
    }).catch(function () { /* offline for a moment: try again next round */ })
      .then(function () {
        busy = false;
        if (again) { again = false; poll(); } else { timer = window.setTimeout(poll, POLL_MS); }
      });
  }

  if (textarea) {
    textarea.addEventListener("input", function () {
      lastInput = Date.now();
      if (!sentTyping) { poll(); }  // tell the others right away, not at the next round
    });
    textarea.addEventListener("blur", function () {
      if (sentTyping) { poll(); }
    });
  }
  window.addEventListener("pagehide", function () {
    try { send({leave: true}, true); } catch (e) { /* the page is going away anyway */ }
  });
  poll();  // announce this agent now; then every few seconds
}());
