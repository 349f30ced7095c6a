/* Progress of a publish-gate run (form studio): asks the run's state every two seconds and
   updates the progress bar and the status line; reloads the page once the run finished, so
   the result appears. Without JavaScript the page offers a link to reload it. */
(function () {
  var section = document.getElementById("pruefung");
  if (!section || !section.dataset.running) {
    return;
  }
  var url = section.dataset.stateUrl;
  var bar = document.getElementById("pruefung-fortschritt");
  var status = document.getElementById("pruefung-stand");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        if (state.finished) {
          window.location.reload();
          return;
        }
        if (bar && state.pages_total) {
          bar.max = state.pages_total;
          bar.value = state.pages_done;
        }
        if (status) {
          var text = state.status_label;
          if (state.pages_total) {
            text += ": " + state.pages_done + " / " + state.pages_total;
            if (state.current_page) {
              text += " (" + state.current_page + ")";
            }
          }
          status.textContent = text;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 2000);
})();
