// The browser's side of a passkey ceremony (WebAuthn). The server made the
// options (its library's JSON, in the form's data-options) and keeps the
// ceremony's state; this script only hands them to navigator.credentials and
// posts the authenticator's answer back in the same form, as JSON with its
// binary fields in base64url. It parses nothing: the server's library checks
// the answer. Served by the server itself (CSP: script-src 'self').
(function () {
  "use strict";
  var form = document.getElementById("pk-form");
  if (!form) {
    return;
  }
  var button = document.getElementById("pk-start");
  var failed = document.getElementById("pk-error");

  function bytes(b64url) {
    var s = String(b64url).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function b64url(buf) {
    var a = new Uint8Array(buf);
    var s = "";
    for (var i = 0; i < a.length; i++) {
      s += String.fromCharCode(a[i]);
    }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function ids(list) {
    (list || []).forEach(function (c) {
      c.id = bytes(c.id);
    });
  }

  function created(c) {
    return {
      id: c.id,
      rawId: b64url(c.rawId),
      type: c.type,
      extensions: c.getClientExtensionResults(),
      response: {
        attestationObject: b64url(c.response.attestationObject),
        clientDataJSON: b64url(c.response.clientDataJSON)
      }
    };
  }

  function asserted(c) {
    return {
      id: c.id,
      rawId: b64url(c.rawId),
      type: c.type,
      extensions: c.getClientExtensionResults(),
      response: {
        authenticatorData: b64url(c.response.authenticatorData),
        clientDataJSON: b64url(c.response.clientDataJSON),
        signature: b64url(c.response.signature),
        userHandle: c.response.userHandle ? b64url(c.response.userHandle) : null
      }
    };
  }

  button.addEventListener("click", function () {
    failed.hidden = true;
    button.disabled = true;
    var asked;
    try {
      var options = JSON.parse(form.getAttribute("data-options")).publicKey;
      options.challenge = bytes(options.challenge);
      if (form.getAttribute("data-mode") === "create") {
        options.user.id = bytes(options.user.id);
        ids(options.excludeCredentials);
        asked = navigator.credentials.create({ publicKey: options }).then(created);
      } else {
        ids(options.allowCredentials);
        asked = navigator.credentials.get({ publicKey: options }).then(asserted);
      }
    } catch (e) {
      asked = Promise.reject(e);
    }
    asked.then(
      function (answer) {
        document.getElementById("pk-credential").value = JSON.stringify(answer);
        form.submit();
      },
      function () {
        failed.hidden = false;
        button.disabled = false;
      }
    );
  });
})();
