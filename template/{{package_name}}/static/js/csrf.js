// Sends the page's CSRF token with every same-origin fetch() that changes something,
// so that JSON endpoints get the same protection as forms (Flask-WTF reads X-CSRFToken).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || !window.fetch) {
    return;
  }
  var token = meta.getAttribute("content");
  var safeMethods = ["GET", "HEAD", "OPTIONS", "TRACE"];
  var originalFetch = window.fetch;
  window.fetch = function (resource, init) {
    init = init || {};
    var method = (init.method || (resource && resource.method) || "GET").toUpperCase();
    var url = new URL(resource && resource.url ? resource.url : resource, window.location.href);
    if (safeMethods.indexOf(method) === -1 && url.origin === window.location.origin) {
      var headers = new Headers(init.headers || (resource && resource.headers) || {});
      headers.set("X-CSRFToken", token);
      init.headers = headers;
    }
    return originalFetch.call(this, resource, init);
  };
})();
