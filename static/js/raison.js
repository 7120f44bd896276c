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
