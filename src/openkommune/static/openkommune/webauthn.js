// Security keys (WebAuthn) for the staff's second factor: the manage page adds one
// (navigator.credentials.create), the challenge page confirms the login with one
// (navigator.credentials.get). The server's options are in #webauthn-optionen (JSON, binary
// values in base64url); the browser's answer goes to the form's hidden `credential` field
// as JSON in the shape py_webauthn reads. Without JavaScript or WebAuthn the section stays
// hidden and the app's code works as before.
(function () {
  "use strict";
  var section = document.querySelector("[data-webauthn]");
  if (!section || !window.PublicKeyCredential || !navigator.credentials) return;
  var options = JSON.parse(JSON.parse(document.getElementById("webauthn-optionen").textContent));
  var form = section.querySelector("form");

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function answer(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) out.response.userHandle = toText(response.userHandle);
    }
    return JSON.stringify(out);
  }

  section.hidden = false;
  form.addEventListener("submit", function (event) {
    if (form.elements.credential.value) return;
    event.preventDefault();
    var publicKey = Object.assign({}, options, { challenge: toBytes(options.challenge) });
    var request;
    if (section.dataset.webauthn === "create") {
      publicKey.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
      publicKey.excludeCredentials = descriptors(options.excludeCredentials);
      request = navigator.credentials.create({ publicKey: publicKey });
    } else {
      publicKey.allowCredentials = descriptors(options.allowCredentials);
      request = navigator.credentials.get({ publicKey: publicKey });
    }
    request.then(function (credential) {
      form.elements.credential.value = answer(credential);
      form.submit();
    }).catch(function () {
      // Cancelled or not possible: send an empty answer, the server says so in German.
      form.elements.credential.value = "{}";
      form.submit();
    });
  });
})();
