// Raison's only script (CSP: script-src 'self'). Progressive enhancement: everything
// works without it. After htmx swaps in a form with errors (422) or an edit conflict
// (409), move keyboard focus to the first message so screen-reader users hear it.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status !== 422 && status !== 409) {
      return;
    }
    var target = event.detail.target;
    var first = target.querySelector(".conflict, .error-summary, [aria-invalid='true']");
    if (first) {
      if (!first.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA)$/.test(first.tagName)) {
        first.setAttribute("tabindex", "-1");
      }
      first.focus();
    }
  });
})();

// Global search: arrow keys move from the box through the results, Escape closes them.
(function () {
  "use strict";
  function hits() {
    var box = document.getElementById("site-search-results");
    return box ? Array.prototype.slice.call(box.querySelectorAll("a.site-search__hit")) : [];
  }
  document.addEventListener("keydown", function (event) {
    var input = document.getElementById("site-search-q");
    var box = document.getElementById("site-search-results");
    if (!input || !box) { return; }
    var inSearch = event.target === input || box.contains(event.target);
    if (!inSearch) { return; }
    var links = hits(), index = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(index + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) { input.focus(); } else { links[index - 1].focus(); }
    } else if (event.key === "Escape") {
      box.innerHTML = "";
      input.focus();
    }
  });
})();
