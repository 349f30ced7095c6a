/* After a failed submit the page starts with the error summary (tabindex="-1"): move the
   focus there, so keyboard and screen-reader users land on the list of what to fix. Without
   JavaScript the summary is still the first thing in the content, announced by role="alert". */
(function () {
  var summary = document.getElementById("fehlerzusammenfassung");
  if (summary) {
    summary.focus();
  }
})();
