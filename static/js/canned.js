// 자주 쓰는 답변: filter the picker's list as the agent types (same rule as the server:
// case-insensitive substring, and 초성 — "ㅎㅂ" matches "환불 …"). Without JS the search form works.
(function () {
  "use strict";
  var INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ";
  function initial(ch) {
    var code = ch.charCodeAt(0);
    return code >= 0xac00 && code <= 0xd7a3 ? INITIALS.charAt(Math.floor((code - 0xac00) / 588)) : null;
  }
  function norm(text) { return (text || "").normalize("NFC").toLowerCase().replace(/\s+/g, ""); }
  function same(q, t) { return q === t || (INITIALS.indexOf(q) >= 0 && initial(t) === q); }
  function matches(title, query) {
    var q = norm(query).slice(0, 100), t = norm(title);
    if (!q) return true;
    for (var start = 0; start + q.length <= t.length; start++) {
      var ok = true;
      for (var i = 0; i < q.length && ok; i++) ok = same(q.charAt(i), t.charAt(start + i));
      if (ok) return true;
    }
    return false;
  }
  var input = document.querySelector("[data-canned-filter]");
  if (!input) return;
  input.addEventListener("input", function () {
    document.querySelectorAll("[data-canned-title]").forEach(function (li) {
      li.hidden = !matches(li.getAttribute("data-canned-title"), input.value);
    });
  });
})();
