/* Signature capture (ES5, no inline script): wires signature_pad to the hidden field of a normal form. */
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("sign-form");
    var canvas = document.getElementById("sig-canvas");
    if (!form || !canvas || !window.SignaturePad) { return; }
    var box = document.getElementById("sig-draw");
    var data = document.getElementById("sig-data");
    var empty = document.getElementById("sig-empty");
    var photo = form.querySelector("input[type=file]");
    box.hidden = false;
    var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });
    function resize() {
      // Draw at device resolution so the saved image is sharp; resizing clears, so keep the strokes.
      var strokes = pad.toData();
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }
    window.addEventListener("resize", resize);
    resize();
    document.getElementById("sig-clear").addEventListener("click", function () {
      pad.clear();
      data.value = "";
    });
    form.addEventListener("submit", function (ev) {
      if (!pad.isEmpty()) {
        data.value = pad.toDataURL("image/png");
      } else if (!(photo && photo.files && photo.files.length)) {
        ev.preventDefault();
        empty.hidden = false;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
