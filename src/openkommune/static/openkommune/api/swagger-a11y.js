/*
 * Accessibility repairs on Swagger UI's own markup (WCAG 2.1 AA, checked by axe in
 * tests/browser/test_api_docs.py). Swagger UI redraws at any time, so a MutationObserver
 * applies them after every render; each step only adds what is missing:
 * - the server choice (<select id="servers">) and a request body <textarea> get a name, the
 *   German texts come from the page (data-servers-label, data-body-label);
 * - a parameter's <select> gets the parameter's name (its table row's data-param-name);
 * - a scrolling code example (<pre class="microlight">) becomes focusable, so that it can be
 *   scrolled with the keyboard.
 */
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root) {
    return;
  }
  const texts = root.dataset;

  // A <label> names a control only with text of its own: Swagger UI wraps the server choice
  // in an empty one.
  function labelText(label) {
    const copy = label.cloneNode(true);
    copy.querySelectorAll("select, input, textarea").forEach(function (control) {
      control.remove();
    });
    return copy.textContent.trim();
  }

  function named(element) {
    return (
      element.hasAttribute("aria-label") ||
      element.hasAttribute("aria-labelledby") ||
      Array.from(element.labels || []).some(labelText) ||
      (element.getAttribute("title") || "").trim() !== ""
    );
  }

  function name(element, text) {
    if (text && !named(element)) {
      element.setAttribute("aria-label", text);
    }
  }

  function repair() {
    root.querySelectorAll("select#servers").forEach(function (select) {
      name(select, texts.serversLabel);
    });
    root.querySelectorAll("textarea.body-param__text").forEach(function (textarea) {
      name(textarea, texts.bodyLabel);
    });
    root.querySelectorAll("tr[data-param-name] select").forEach(function (select) {
      name(select, select.closest("tr").dataset.paramName);
    });
    root.querySelectorAll("pre.microlight:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
  }

  repair();
  new MutationObserver(repair).observe(root, { childList: true, subtree: true });
})();
