// Runs inside the dashboard's sandboxed widget preview frame. The dashboard's
// Content-Security-Policy (inherited by the frame) forbids inline scripts, so
// the configuration travels as a JSON data block and this same-origin file
// turns it into window.LiveChatConfig, then loads the real widget. Once the
// widget is there it tells the dashboard, which from then on sends changed
// settings as messages, handed to LiveChat.updatePreview without a reload.
(function () {
  "use strict";
  var block = document.getElementById("livechat-preview");
  if (!block) return;
  var data = JSON.parse(block.textContent || "{}");
  window.LiveChatConfig = data.config;

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent) return;
    var msg = e.data;
    if (!msg || msg.type !== "livechat-preview:update" || !msg.config || typeof msg.config !== "object") return;
    if (window.LiveChat && typeof window.LiveChat.updatePreview === "function") window.LiveChat.updatePreview(msg.config);
  });

  var script = document.createElement("script");
  script.async = true;
  script.src = data.config.serverUrl + "/widget.js";
  script.addEventListener("error", function () {
    var note = document.getElementById("missing");
    if (!note) return;
    note.textContent = data.missingText;
    note.style.display = "block";
  });
  script.addEventListener("load", function () {
    try {
      if (window.LiveChat && typeof window.LiveChat.open === "function") window.LiveChat.open();
    } catch (e) {
      // The preview still shows the launcher.
    }
    // The frame's origin is opaque, the dashboard's is not secret: any target.
    window.parent.postMessage({ type: "livechat-preview:ready" }, "*");
  });
  document.head.appendChild(script);
})();
