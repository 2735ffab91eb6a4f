/* Hearing thread: upload progress, and no message twice when a poll and a post cross. */
document.addEventListener("htmx:xhr:progress", function (e) {
  var bar = document.getElementById("upload-progress");
  if (bar && e.target.id === "compose" && e.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round(100 * e.detail.loaded / e.detail.total);
  }
});
document.addEventListener("htmx:afterSwap", function (e) {
  if (!e.target || e.target.id !== "messages") return;
  var seen = {};
  e.target.querySelectorAll("article.msg").forEach(function (m) {
    if (seen[m.id]) m.remove(); else seen[m.id] = 1;
  });
});
