// Live search: as the visitor types (or changes the order), the results
// part of /search is fetched and swapped in, and the address bar follows
// so the search can be shared. Without this script the form works as is.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var results = document.getElementById("search-results");
  if (!form || !results || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var controller = null;

  function currentURL() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value === "" || (key === "sort" && value === "relevance")) {
        return;
      }
      params.set(key, value);
    });
    var qs = params.toString();
    return form.getAttribute("action") + (qs ? "?" + qs : "");
  }

  function update() {
    var url = currentURL();
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    results.setAttribute("aria-busy", "true");
    fetch(url, {
      headers: { "X-Partial": "results" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      if (!resp.ok) {
        throw new Error("HTTP " + resp.status);
      }
      return resp.text();
    }).then(function (html) {
      results.innerHTML = html;
      results.removeAttribute("aria-busy");
      window.history.replaceState({ search: true }, "", url);
    }).catch(function (err) {
      if (err && err.name === "AbortError") {
        return;
      }
      // On any failure fall back to an ordinary page load.
      results.removeAttribute("aria-busy");
      window.location.assign(url);
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 250);
  }

  var q = document.getElementById("q");
  if (q) {
    q.addEventListener("input", schedule);
  }
  var sort = document.getElementById("sort");
  if (sort) {
    sort.addEventListener("change", update);
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    window.clearTimeout(timer);
    window.history.pushState({ search: true }, "", currentURL());
    update();
  });
  window.addEventListener("popstate", function () {
    window.location.reload();
  });
})();
