// Sends the page's CSRF token with every same-origin fetch() that changes something,
// so that JSON endpoints get the same protection as forms (Flask-WTF reads X-CSRFToken).
// A page with a form carries the token; a page without one makes no session, so the token
// is asked of /csrf-token at the first fetch() that needs it.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  var safeMethods = ["GET", "HEAD", "OPTIONS", "TRACE"];
  var originalFetch = window.fetch;
  var token = null;

  function tokenOfThePage() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var field = document.querySelector('input[name="csrf_token"]');
    return (meta && meta.getAttribute("content")) || (field && field.value) || null;
  }

  function theToken() {
    token = token || tokenOfThePage();
    if (token) {
      return Promise.resolve(token);
    }
    return originalFetch
      .call(window, "/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        token = body.csrf_token;
        return token;
      });
  }

  window.fetch = function (resource, init) {
    init = init || {};
    var self = this;
    var method = (init.method || (resource && resource.method) || "GET").toUpperCase();
    var url = new URL(resource && resource.url ? resource.url : resource, window.location.href);
    if (safeMethods.indexOf(method) !== -1 || url.origin !== window.location.origin) {
      return originalFetch.call(self, resource, init);
    }
    return theToken().then(function (value) {
      var headers = new Headers(init.headers || (resource && resource.headers) || {});
      headers.set("X-CSRFToken", value);
      init.headers = headers;
      return originalFetch.call(self, resource, init);
    });
  };
})();
