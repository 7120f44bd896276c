// Strategy map: zoom, pan and PNG export (CSP: script-src 'self'; only SVG attributes and
// scroll positions change, never an inline style). Without this script the drawing still
// scrolls, every box is a link, and the SVG download works.
(function () {
  "use strict";
  var STEP = 1.25, MIN = 0.2, MAX = 3;

  function setScale(viewport, scale, centre) {
    var svg = viewport.querySelector("svg.map-svg");
    if (!svg) { return; }
    var w = Number(svg.getAttribute("data-width")), h = Number(svg.getAttribute("data-height"));
    var old = Number(viewport.getAttribute("data-scale") || "1");
    scale = Math.max(MIN, Math.min(MAX, scale));
    // Keep the point under the centre (or the pointer) where it was.
    var cx = centre ? centre.x : viewport.clientWidth / 2, cy = centre ? centre.y : viewport.clientHeight / 2;
    var px = (viewport.scrollLeft + cx) / old, py = (viewport.scrollTop + cy) / old;
    svg.setAttribute("width", String(Math.round(w * scale)));
    svg.setAttribute("height", String(Math.round(h * scale)));
    viewport.setAttribute("data-scale", String(scale));
    viewport.scrollLeft = px * scale - cx;
    viewport.scrollTop = py * scale - cy;
  }

  function fitScale(viewport) {
    var svg = viewport.querySelector("svg.map-svg");
    var w = Number(svg.getAttribute("data-width"));
    return Math.min(1, viewport.clientWidth / w);
  }

  function zoom(viewport, how, centre) {
    var scale = Number(viewport.getAttribute("data-scale") || "1");
    if (how === "in") { setScale(viewport, scale * STEP, centre); }
    else if (how === "out") { setScale(viewport, scale / STEP, centre); }
    else if (how === "fit") { setScale(viewport, fitScale(viewport)); viewport.scrollLeft = 0; viewport.scrollTop = 0; }
    else { setScale(viewport, 1); }
  }

  function showStart(viewport) {
    // The first screen shows the focus (or the top layer's middle box), never a blank corner.
    var target = viewport.querySelector("[data-map-focus]") || viewport.querySelector(".map-node--objective") ||
      viewport.querySelector(".map-node");
    if (!target) { return; }
    var box = target.getBBox();
    viewport.scrollLeft = box.x + box.width / 2 - viewport.clientWidth / 2;
    viewport.scrollTop = Math.max(0, box.y - 24);
  }

  function downloadPng(button) {
    var image = new Image();
    image.onload = function () {
      var scale = image.naturalWidth * 2 > 16000 ? 1 : 2;
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "strategy-map.png";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, "image/png");
    };
    // Same origin, so img-src 'self' allows it and the canvas stays exportable.
    image.src = button.getAttribute("data-map-png");
  }

  function init(root) {
    var viewports = (root.querySelectorAll ? root : document).querySelectorAll(".map-viewport:not([data-map-ready])");
    Array.prototype.forEach.call(viewports, function (viewport) {
      viewport.setAttribute("data-map-ready", "true");
      viewport.setAttribute("data-scale", "1");
      var toolbar = viewport.parentNode.querySelector(".map-toolbar");
      if (toolbar) {
        Array.prototype.forEach.call(toolbar.querySelectorAll("[hidden]"), function (b) { b.hidden = false; });
      }
      showStart(viewport);
      var drag = null;
      viewport.addEventListener("pointerdown", function (event) {
        if (event.pointerType !== "mouse" || event.button !== 0) { return; }
        drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
      });
      viewport.addEventListener("pointermove", function (event) {
        if (!drag) { return; }
        var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; }
        viewport.scrollLeft = drag.left - dx;
        viewport.scrollTop = drag.top - dy;
      });
      ["pointerup", "pointerleave"].forEach(function (name) {
        viewport.addEventListener(name, function () {
          if (drag && drag.moved) { viewport.setAttribute("data-dragged", "true"); }
          drag = null;
        });
      });
      // A drag that ends on a box must not open it.
      viewport.addEventListener("click", function (event) {
        if (viewport.getAttribute("data-dragged")) {
          viewport.removeAttribute("data-dragged");
          event.preventDefault();
        }
      }, true);
      viewport.addEventListener("wheel", function (event) {
        if (!event.ctrlKey) { return; }
        event.preventDefault();
        var rect = viewport.getBoundingClientRect();
        zoom(viewport, event.deltaY < 0 ? "in" : "out", { x: event.clientX - rect.left, y: event.clientY - rect.top });
      }, { passive: false });
      viewport.addEventListener("keydown", function (event) {
        if (event.target !== viewport) { return; }
        var how = { "+": "in", "=": "in", "-": "out", "0": "reset", "f": "fit" }[event.key];
        if (how) { event.preventDefault(); zoom(viewport, how); }
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-map-zoom], [data-map-png]") : null;
    if (!button) { return; }
    if (button.hasAttribute("data-map-png")) { downloadPng(button); return; }
    var viewport = document.getElementById(button.parentNode.getAttribute("aria-controls"));
    if (viewport) { zoom(viewport, button.getAttribute("data-map-zoom")); }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(document); });
})();
