// Koe loader: defines koe(), replays calls queued before it loaded, and fetches the survey
// (wasm-bindgen glue + .wasm) only when one is prepared or first shown, or an answer still
// waits to be sent.
// xtask fills in the hashed file names and strips comments and indentation.
(function (w, d) {
  var s = d.currentScript;
  if (!s || w.__koeConfig) return;
  var a = s.dataset, base = new URL(s.src).origin, dir = base + "/widget/", on = {}, ready;
  function fail(e) { console.error("koe:", e); }
  // The survey could not start: a CompileError is the page's CSP refusing WebAssembly (the
  // site hears `csp_wasm` and can offer its own link); anything else is `load_failed`.
  function failed(e) {
    var csp = e instanceof WebAssembly.CompileError;
    ready = 0;
    fail(csp ? "add 'wasm-unsafe-eval' to the page's CSP script-src" : e);
    emit("error", { code: csp ? "csp_wasm" : "load_failed" });
  }
  function emit(name, detail) {
    (on[name] || []).forEach(function (f) { try { f(detail); } catch (e) { fail(e); } });
  }
  // `data-endpoint`: where the survey talks to (the dashboard's preview; else the collector).
  w.__koeConfig = { site: a.site, lang: a.lang, color: a.color, position: a.position, target: a.target, endpoint: a.endpoint || base, emit: emit };
  // The wasm is fetched beside the glue, not after it: one round trip less on a cold show.
  function load() {
    return ready || (ready = Promise.all([import(dir + "__GLUE__"), fetch(dir + "__WASM__")]).then(function (r) {
      return r[0].default({ module_or_path: r[1] });
    }).then(function () { return w.__koeWidget; }));
  }
  function koe(cmd, opt, fn) {
    try {
      if (cmd == "on") (on[opt] = on[opt] || []).push(fn);
      else if (cmd == "show") load().then(function (k) { k.show(opt || {}); }, failed).catch(fail);
      // While the chat runs: fetch and compile the survey in idle time and, given the
      // interaction, ask the collector ahead, so the `show` that follows needs no round trip.
      // (`{timeout}` bounds the idle wait; setTimeout reads it as a delay of 0.)
      else if (cmd == "prepare") (w.requestIdleCallback || setTimeout).call(w, function () {
        load().then(function (k) { if (opt) k.prepare(opt); }, failed).catch(fail);
      }, { timeout: 2000 });
      else if (cmd == "hide" && ready) ready.then(function (k) { k.hide(); }).catch(fail);
    } catch (e) { fail(e); }
  }
  var queued = (w.koe && w.koe.q) || [];
  w.koe = koe;
  queued.forEach(function (args) { koe.apply(null, args); });
  try { if ((localStorage.getItem("koe:outbox:v1") || "[]") != "[]") load().catch(failed); } catch (e) {}
})(window, document);
