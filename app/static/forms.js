/* Every form: the button is disabled while sending (no double posts on 3G), a "sending, please wait"
   line appears, and a form carrying files shows upload progress. ES5 only: old Android WebViews.
   Without JavaScript the forms post as usual and the page says in words to wait. */
(function () {
  "use strict";
  var lastSubmitter = null;

  function texts(form) {
    return {
      sending: form.getAttribute("data-sending") || document.documentElement.getAttribute("data-sending") || "…",
      failed: document.documentElement.getAttribute("data-send-failed") || "!"
    };
  }

  function statusLine(form) {
    var line = form.querySelector(".sending");
    if (!line) {
      line = document.createElement("p");
      line.className = "sending";
      line.setAttribute("role", "status");
      line.appendChild(document.createTextNode(texts(form).sending));
      form.appendChild(line);
    }
    return line;
  }

  function buttons(form) {
    var list = [], i, all = form.querySelectorAll("button, input[type=submit]");
    for (i = 0; i < all.length; i++) list.push(all[i]);
    if (form.id) {
      all = document.querySelectorAll("[form='" + form.id + "']");
      for (i = 0; i < all.length; i++) if (all[i].type === "submit") list.push(all[i]);
    }
    return list;
  }

  function setSending(form, on) {
    var list = buttons(form), i;
    for (i = 0; i < list.length; i++) list[i].disabled = on;
    if (on) form.className += " is-sending";
    else form.className = form.className.replace(/\s*is-sending/g, "");
    statusLine(form);
  }

  function hasFiles(form) {
    var inputs = form.querySelectorAll("input[type=file]"), i;
    for (i = 0; i < inputs.length; i++) if (inputs[i].files && inputs[i].files.length) return true;
    return false;
  }

  function progressBar(form) {
    var bar = form.querySelector("progress.upload");
    if (!bar) {
      bar = document.createElement("progress");
      bar.className = "upload";
      bar.max = 100;
      bar.value = 0;
      statusLine(form).appendChild(bar);
    }
    return bar;
  }

  function uploadWithProgress(form, submitter) {
    var xhr = new XMLHttpRequest(), data = new FormData(form), bar = progressBar(form);
    var action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || location.href;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    xhr.open("POST", action);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    };
    xhr.onload = function () {
      // Show the page the server answered with (its message, or the form with its errors), as a normal post would.
      if (xhr.responseURL && window.history && history.replaceState) history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      setSending(form, false);
      statusLine(form).appendChild(document.createTextNode(" " + texts(form).failed));
    };
    xhr.send(data);
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    while (t && t !== document && !(t.tagName === "BUTTON" || (t.tagName === "INPUT" && t.type === "submit"))) t = t.parentNode;
    lastSubmitter = (t && t !== document) ? t : null;
  }, true);

  document.addEventListener("submit", function (e) {
    var form = e.target, submitter = e.submitter || lastSubmitter;
    if (e.defaultPrevented) return;  // another script stopped this submit (e.g. an empty signature)
    if (!form || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("hx-post")) return;
    if (form.className.indexOf("is-sending") >= 0) { e.preventDefault(); return; }  // a second tap
    if (hasFiles(form) && window.FormData && "upload" in new XMLHttpRequest()) {
      e.preventDefault();
      setSending(form, true);
      uploadWithProgress(form, submitter);
      return;
    }
    // Let the browser build the request first (it reads the button that was pressed), then disable.
    setTimeout(function () { setSending(form, true); }, 0);
  });

  // Back from the next page (bfcache): the buttons work again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form.is-sending"), i;
    for (i = 0; i < forms.length; i++) setSending(forms[i], false);
  });
})();
