// 자주 쓰는 답변 on the ticket page.
// 1. Filter the picker's list as the agent types (same rule as the server: case-insensitive
//    substring, and 초성 — "ㅎㅂ" matches "환불 …"). Without JS the search form works.
// 2. "답변란에 넣기": fetch the answer rendered for this ticket and put it into the reply box
//    (#reply-body), so it is sent — edited, with files, or as an internal note — by the one reply
//    form. Without JS (or if the fetch fails) the link reloads the page with ?canned=<id>, which
//    fills the box on the server. Nothing is sent or counted until the agent sends the reply.
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
  if (input) {
    input.addEventListener("input", function () {
      document.querySelectorAll("[data-canned-title]").forEach(function (li) {
        li.hidden = !matches(li.getAttribute("data-canned-title"), input.value);
      });
      // A group with nothing left to show hides its heading too.
      document.querySelectorAll("[data-canned-group]").forEach(function (group) {
        group.hidden = !group.querySelector("[data-canned-title]:not([hidden])");
      });
    });
  }

  var box = document.getElementById("reply-body");
  var notice = document.getElementById("canned-picked");
  if (!box || !notice || !window.fetch) return;
  var hidden = box.form && box.form.querySelector("[name=canned_answer_id]");
  if (!hidden) return;

  function showPicked(answer) {
    hidden.value = answer ? String(answer.id) : "";
    notice.hidden = !answer;
    var old = notice.querySelector("[data-canned-missing]");
    if (old) old.parentNode.removeChild(old);
    if (!answer) return;
    notice.querySelector("[data-canned-picked-title]").textContent = answer.title;
    var after = notice.querySelector("[data-canned-after]");
    after.hidden = !answer.after;
    after.querySelector("span").textContent = answer.after || "";
    if (answer.missing && answer.missing.length) {
      var block = document.createElement("div");
      block.className = "error missing-placeholders";
      block.setAttribute("role", "alert");
      block.setAttribute("data-canned-missing", "");
      var p = document.createElement("p");
      p.textContent = notice.getAttribute("data-missing-text");
      var list = document.createElement("ul");
      answer.missing.forEach(function (name) {
        var li = document.createElement("li"), code = document.createElement("code");
        code.textContent = "{{ " + name + " }}";
        li.appendChild(code);
        list.appendChild(li);
      });
      block.appendChild(p);
      block.appendChild(list);
      notice.appendChild(block);
    }
    document.querySelectorAll("[data-canned-id]").forEach(function (li) {
      li.classList.toggle("selected", li.getAttribute("data-canned-id") === String(answer.id));
    });
  }

  document.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-canned-clear]");
    if (clear) {
      // Keep the text the agent may have edited; it is then an ordinary reply.
      event.preventDefault();
      showPicked(null);
      return;
    }
    var link = event.target.closest("[data-canned-insert]");
    if (!link) return;
    event.preventDefault();
    fetch(link.getAttribute("data-canned-insert"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error("canned preview " + response.status);
        return response.json();
      })
      .then(function (answer) {
        var draft = box.value.replace(/\s+$/, "");
        // A draft already in the box stays; the answer follows it.
        box.value = draft ? draft + "\n\n" + answer.text : answer.text;
        showPicked(answer);
        box.focus();
        box.dispatchEvent(new Event("input", {bubbles: true}));
        document.getElementById("reply").scrollIntoView({block: "nearest"});
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
