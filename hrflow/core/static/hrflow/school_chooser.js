/* The school chooser (hrflow/org/choosers.py): search-as-you-type over org:school_search.
 *
 * Listeners sit on `document` (event delegation), so choosers that Turbo swaps in later work
 * without re-binding; the script runs once even if Turbo loads it again. Typing clears the
 * hidden id and, after a 200 ms pause, asks the endpoint for up to 20 schools; picking one of
 * them from the list sets the id. Without this script the server reads the typed text instead.
 */
(function () {
  "use strict";
  if (window.hrflowSchoolChooser) return;
  window.hrflowSchoolChooser = true;

  var DEBOUNCE_MS = 200;
  var pending = new WeakMap(); // input -> {timer, controller}

  function parts(input) {
    var box = input.closest("[data-school-chooser]");
    return {
      box: box,
      hidden: box && box.querySelector("input[data-school-id]"),
      list: input.list,
    };
  }

  function optionFor(list, text) {
    if (!list) return null;
    for (var i = 0; i < list.options.length; i++) {
      if (list.options[i].value === text) return list.options[i];
    }
    return null;
  }

  function fill(input, results) {
    var p = parts(input);
    if (!p.list) return;
    var fragment = document.createDocumentFragment();
    results.forEach(function (school) {
      var option = document.createElement("option");
      option.value = school.label;
      option.dataset.id = String(school.id);
      fragment.appendChild(option);
    });
    p.list.replaceChildren(fragment);
    var picked = optionFor(p.list, input.value);
    if (picked && p.hidden) p.hidden.value = picked.dataset.id;
  }

  function search(input) {
    var state = pending.get(input) || {};
    if (state.controller) state.controller.abort(); // an older answer must not overwrite a newer one
    var controller = new AbortController();
    var query = input.value;
    state.controller = controller;
    pending.set(input, state);
    var url = new URL(input.dataset.schoolSearch, window.location.href);
    url.searchParams.set("q", query);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (input.value === query) fill(input, data.results || []);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") fill(input, []);
      });
  }

  function onInput(event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-school-search")) return;
    var p = parts(input);
    if (!p.hidden) return;
    var picked = optionFor(p.list, input.value);
    if (picked) {
      p.hidden.value = picked.dataset.id; // chosen from the list
      return;
    }
    p.hidden.value = ""; // edited text names no school until one is picked (or the server resolves it)
    var state = pending.get(input) || {};
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { search(input); }, DEBOUNCE_MS);
    pending.set(input, state);
  }

  function onFocus(event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-school-search")) return;
    var p = parts(input);
    if (p.list && !p.list.options.length) search(input); // the first 20 before any typing
  }

  // Marks the choosers of the page as live (tests and styles can tell a page without the script).
  function ready() {
    document.querySelectorAll("[data-school-chooser]").forEach(function (box) {
      box.setAttribute("data-school-chooser", "ready");
    });
  }

  document.addEventListener("input", onInput);
  document.addEventListener("focusin", onFocus);
  document.addEventListener("turbo:load", ready);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
