// Passkeys on the dashboard: adding one on the account page, signing in with one on the
// sign-in page. The only script the dashboard serves (its CSP allows this file alone); without
// it, or without WebAuthn, the buttons stay hidden and passwords work as ever.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !window.fetch) { return; }

  function toBuffer(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw new Error(json.message || 'refused'); }
        return json;
      });
    });
  }

  function status(button, text) {
    var out = document.getElementById(button.getAttribute('aria-describedby'));
    if (out) { out.textContent = text; }
  }

  var add = document.getElementById('add-passkey');
  if (add) {
    add.hidden = false;
    add.addEventListener('click', function () {
      var name = document.getElementById('passkey-name');
      post('/dashboard/account/passkeys/options', {}).then(function (started) {
        var options = started.options.publicKey;
        options.challenge = toBuffer(options.challenge);
        options.user.id = toBuffer(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
        return navigator.credentials.create({ publicKey: options }).then(function (made) {
          return post('/dashboard/account/passkeys', {
            ceremony: started.ceremony,
            name: name ? name.value : '',
            credential: {
              id: made.id,
              rawId: toText(made.rawId),
              type: made.type,
              extensions: {},
              response: {
                attestationObject: toText(made.response.attestationObject),
                clientDataJSON: toText(made.response.clientDataJSON)
              }
            }
          });
        });
      }).then(function () { window.location.reload(); },
        function (error) { status(add, error.message); });
    });
  }

  var use = document.getElementById('use-passkey');
  if (use) {
    use.hidden = false;
    use.addEventListener('click', function () {
      var email = document.getElementById('email');
      post('/dashboard/passkey/options', { email: email ? email.value : '' }).then(function (started) {
        var options = started.options.publicKey;
        options.challenge = toBuffer(options.challenge);
        (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
        return navigator.credentials.get({ publicKey: options }).then(function (got) {
          return post('/dashboard/passkey/sign-in', {
            ceremony: started.ceremony,
            credential: {
              id: got.id,
              rawId: toText(got.rawId),
              type: got.type,
              extensions: {},
              response: {
                authenticatorData: toText(got.response.authenticatorData),
                clientDataJSON: toText(got.response.clientDataJSON),
                signature: toText(got.response.signature),
                userHandle: toText(got.response.userHandle)
              }
            }
          });
        });
      }).then(function (signedIn) { window.location.href = signedIn.redirect; },
        function (error) { status(use, error.message); });
    });
  }
}());
