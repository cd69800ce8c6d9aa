// Live SLA countdown badges: the server renders the first text; this keeps it current.
(function () {
  "use strict";
  var en = (document.documentElement.lang || "ko").indexOf("en") === 0;

  function duration(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var parts = en ? [days ? days + "d" : "", hours ? hours + "h" : "", days ? "" : mins + "m"]
                   : [days ? days + "일" : "", hours ? hours + "시간" : "", days ? "" : mins + "분"];
    return parts.filter(Boolean).join(" ") || (en ? "0m" : "0분");
  }

  function update() {
    var now = Date.now();
    document.querySelectorAll("[data-sla-due]").forEach(function (badge) {
      var state = badge.getAttribute("data-sla-state");
      var due = Date.parse(badge.getAttribute("data-sla-due"));
      if (!due || state === "paused" || state === "met") { return; }
      var warn = Date.parse(badge.getAttribute("data-sla-warn"));
      var left = (due - now) / 1000;
      var next = left <= 0 ? "breached" : (warn && now >= warn ? "at_risk" : "ok");
      badge.className = "sla sla-" + next;
      badge.setAttribute("data-sla-state", next);
      badge.textContent = left <= 0 ? duration(left) + (en ? " over" : " 초과")
                                    : duration(left) + (en ? " left" : " 남음");
    });
  }

  update();
  window.setInterval(update, 30000);
}());
