// The Survey page's preview frame: shows the survey once, as a customer sees it after a chat,
// every question a site can ask. Its answers go to the preview's endpoint, which keeps nothing.
(function () {
  window.koe = window.koe || function () { (koe.q = koe.q || []).push(arguments); };
  koe("show", {
    interaction: "preview-" + Math.random().toString(36).slice(2),
    questions: ["csat", "nps", "ces", "resolved", "comment"]
  });
})();
