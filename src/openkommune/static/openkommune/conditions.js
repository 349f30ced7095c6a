/* Follow-up questions of an online form (forms.engine.rendering): a field that depends on an
   answer on the same page carries data-ok-show-if, its condition with the posted names of the
   fields it names. Without JavaScript such fields are shown with a sentence saying when they
   are needed; with it they are shown only while the answer makes them apply. Hidden fields
   still post what was typed: the engine drops hidden answers, so nothing is lost. */
(function () {
  if (window.okConditions) {
    return;
  }
  window.okConditions = true;

  function values(name) {
    var found = [];
    document.querySelectorAll("[name]").forEach(function (input) {
      if (input.name !== name) {
        return;
      }
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) {
          found.push(input.value);
        }
      } else if (input.value.trim() !== "") {
        found.push(input.value.trim());
      }
    });
    return found;
  }

  function holds(condition) {
    if ("const" in condition) {
      return condition.const;
    }
    if (condition.all) {
      return condition.all.every(holds);
    }
    if (condition.any) {
      return condition.any.some(holds);
    }
    if (condition.not) {
      return !holds(condition.not);
    }
    var given = values(condition.name);
    if ("filled" in condition) {
      return (given.length > 0) === condition.filled;
    }
    if (condition.between) {
      // A code of digits from the first to the second number (forms.engine.conditions).
      return given.some(function (value) {
        return /^[0-9]+$/.test(value) && Number(value) >= condition.between[0] &&
          Number(value) <= condition.between[1];
      });
    }
    var expected = "equals" in condition ? [condition.equals] : condition["in"] || [];
    return expected.some(function (value) {
      return given.indexOf(String(value)) !== -1;
    });
  }

  function update() {
    document.querySelectorAll("[data-ok-show-if]").forEach(function (element) {
      element.hidden = !holds(JSON.parse(element.getAttribute("data-ok-show-if")));
    });
  }

  document.addEventListener("change", update);
  document.addEventListener("input", update);
  update();
})();
