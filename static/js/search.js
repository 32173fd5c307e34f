// Search as one types: after a pause, fetch the results part of the same page
// (?fragment=1, rendered and escaped by the server) and put it in place.
// Without this script the form works as a normal GET form.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var results = document.getElementById("search-results");
  if (!form || !input || !results || !window.fetch) return;
  var timer = null;
  var controller = null;
  var last = input.value;

  function run() {
    var text = input.value.trim();
    if (text === last.trim()) return;
    last = input.value;
    if (text.length < 2) return;
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    var address = form.action + "?" + params.toString();
    if (controller) controller.abort();
    controller = new AbortController();
    params.set("fragment", "1");
    fetch(form.action + "?" + params.toString(), {
      signal: controller.signal,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#search-results");
        if (!fresh) return;
        // The count's live region stays in place (a new one would not be announced):
        // only its text changes; the hits and page links around it are replaced.
        var status = results.querySelector("[role=status]");
        var freshStatus = fresh.querySelector("[role=status]");
        Array.prototype.slice.call(results.children).forEach(function (child) {
          if (child !== status) child.remove();
        });
        Array.prototype.slice.call(fresh.children).forEach(function (child) {
          if (child !== freshStatus) results.appendChild(child);
        });
        if (status && freshStatus) status.textContent = freshStatus.textContent;
        else if (freshStatus) results.prepend(freshStatus);
        history.replaceState(null, "", address);
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 350);
  });
})();
