// wbpolicy's analyst page: copy a citation, keep the highlight in view, page with the arrow keys.
// Plain JavaScript, no library, nothing loaded from another host.
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  return new Promise(function (resolve, reject) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy") ? resolve() : reject(new Error("copy refused"));
    } catch (err) {
      reject(err);
    } finally {
      document.body.removeChild(area);
    }
  });
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy-cite");
  if (!button) return;
  var label = button.textContent;
  copyText(button.getAttribute("data-cite")).then(
    function () { button.textContent = "Copied"; button.classList.add("done"); },
    function () { button.textContent = "Select and copy"; }
  ).then(function () {
    window.setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 1800);
  });
});

// Scroll the page image so that the highlighted text is in view once the image has loaded.
function focusHighlight() {
  var figure = document.querySelector("figure.page-image");
  var img = document.getElementById("page-img");
  if (!figure || !img) return;
  var focus = parseFloat(figure.getAttribute("data-focus"));
  var apply = function () {
    if (!isNaN(focus)) {
      var y = img.getBoundingClientRect().top + window.scrollY + focus * img.clientHeight;
      window.scrollTo({ top: Math.max(0, y - 120) });
    }
    figure.classList.add("loaded");
  };
  if (img.complete && img.naturalWidth > 0) apply(); else img.addEventListener("load", apply);
  img.addEventListener("error", function () { figure.classList.add("failed"); });
}

document.addEventListener("keydown", function (event) {
  var tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || event.altKey || event.ctrlKey || event.metaKey) return;
  var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
  var link = rel && document.querySelector("nav.pager a[rel=" + rel + "]");
  if (link) window.location.href = link.href;
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.classList.contains("search") || form.classList.contains("matrix-form")) {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = "…"; }
  }
});

// a form restored from the back/forward cache keeps its disabled button
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form button[type=submit]").forEach(function (b) {
    b.disabled = false;
    if (b.textContent === "…") b.textContent = b.closest("form.matrix-form") ? "Build" : "Go";
  });
});

document.addEventListener("DOMContentLoaded", focusHighlight);
