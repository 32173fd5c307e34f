/*
 * Chapters of a session's replay: a chapter's link (a media fragment URL,
 * "…/enregistrement.opus#t=750", which opens in the phone's own player
 * without JavaScript) seeks the page's player instead, and plays from there.
 */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    var player = document.getElementById("replay");
    if (!link || !player) return;
    var seconds = Number(link.getAttribute("data-seek"));
    if (!isFinite(seconds) || seconds < 0) return;
    event.preventDefault();
    function seek() {
      player.currentTime = seconds;
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {});
    }
    if (player.readyState >= 1) {
      seek();
    } else {
      // preload="none": nothing is known of the file yet; fetch its start, then seek.
      player.addEventListener("loadedmetadata", seek, { once: true });
      player.preload = "metadata";
      player.load();
    }
    if (player.scrollIntoView) player.scrollIntoView({ block: "nearest" });
  });
})();
