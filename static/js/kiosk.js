// Kiosque's own small script. Every page works without it; it adds read-aloud, the idle
// warning with its countdown, and keeps the server's idle clock in step with typing.
(function () {
  "use strict";

  var body = document.body;
  var idleSeconds = Number(body.dataset.idleSeconds);
  var warningSeconds = Number(body.dataset.idleWarningSeconds);
  var KEEPALIVE_EVERY_MS = 60000;
  var lastKeepalive = Date.now();
  var idleTimer = null;
  var countdownTimer = null;
  var remaining = 0;

  function byId(id) { return document.getElementById(id); }

  // Read aloud: the browser's speech synthesis, in the page's language.
  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    var prefix = lang.toLowerCase().split("-")[0];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang.toLowerCase().split(/[-_]/)[0] === prefix) { return voices[i]; }
    }
    return null;
  }

  function setupReadAloud() {
    var button = byId("read-aloud");
    if (!button || !("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) { return; }
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
  }

  function toggleReadAloud(button) {
    var synth = window.speechSynthesis;
    var status = byId("read-aloud-status");
    var label = button.querySelector("span");
    if (!button.dataset.listenLabel) { button.dataset.listenLabel = label.textContent; }
    if (synth.speaking) {
      synth.cancel();
      return;
    }
    var lang = document.documentElement.lang;
    var voice = voiceFor(lang);
    if (!voice) {
      status.textContent = button.dataset.noVoice;
      return;
    }
    status.textContent = "";
    var utterance = new SpeechSynthesisUtterance(byId("main").innerText);
    utterance.lang = lang;
    utterance.voice = voice;
    utterance.rate = 0.9;
    utterance.onend = utterance.onerror = function () {
      button.setAttribute("aria-pressed", "false");
      label.textContent = button.dataset.listenLabel;
    };
    button.setAttribute("aria-pressed", "true");
    label.textContent = button.dataset.stopLabel;
    synth.speak(utterance);
  }

  // Idle: warn, count down at least 20 seconds, then end the session.
  function keepalive() {
    lastKeepalive = Date.now();
    return fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": body.dataset.csrfToken, "X-Kiosk-Keepalive": "1" }
    }).catch(function () { /* offline server: the next page load will tell */ });
  }

  function dialogOpen() {
    var dialog = byId("idle-dialog");
    return dialog && !dialog.hidden;
  }

  function announce(seconds) {
    var region = byId("idle-announce");
    region.textContent = region.dataset.label + " " + seconds;
  }

  function tick() {
    remaining -= 1;
    byId("idle-count").textContent = String(remaining);
    if (remaining === 10 || remaining === 5) { announce(remaining); }
    if (remaining <= 0) {
      clearInterval(countdownTimer);
      var end = byId("end-session");
      if (end) { end.submit(); }
    }
  }

  // While the warning shows, the rest of the page can be neither clicked nor tabbed to.
  function setBackgroundInert(inert) {
    document.querySelectorAll("body > header, body > main, body > footer, .skip-link")
      .forEach(function (element) { element.inert = inert; }); // fallback: the Tab trap below
  }

  function warn() {
    var dialog = byId("idle-dialog");
    if (!dialog) { return; }
    remaining = warningSeconds;
    byId("idle-count").textContent = String(remaining);
    setBackgroundInert(true);
    dialog.hidden = false;
    announce(remaining);
    byId("idle-stay").focus();
    countdownTimer = setInterval(tick, 1000);
  }

  function stay() {
    clearInterval(countdownTimer);
    byId("idle-dialog").hidden = true;
    setBackgroundInert(false);
    keepalive();
    restartIdle();
  }

  function restartIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(warn, (idleSeconds - warningSeconds) * 1000);
  }

  function activity() {
    if (dialogOpen()) { return; }
    restartIdle();
    if (Date.now() - lastKeepalive > KEEPALIVE_EVERY_MS) { keepalive(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#read-aloud");
    if (button) { toggleReadAloud(button); }
  });
  // The stay button is the warning's only control: Tab keeps the focus on it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && dialogOpen()) {
      event.preventDefault();
      byId("idle-stay").focus();
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "idle-form") {
      event.preventDefault();
      stay();
    }
  });
  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  // After htmx swaps the body of a boosted page: reveal read-aloud again, move focus to the content.
  document.addEventListener("htmx:afterSettle", function (event) {
    setupReadAloud();
    if (event.detail && event.detail.boosted) {
      var main = byId("main");
      if (main) { main.focus(); }
    }
  });
  document.addEventListener("htmx:beforeRequest", function () {
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
  });

  // A step swapped by htmx has its own URL: forms of the bar come back to it.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var here = location.pathname + location.search;
    document.querySelectorAll(".bar input[name=next], #idle-form input[name=next]").forEach(function (input) {
      input.value = here;
    });
    var language = document.querySelector(".bar a[href*='/languages?next=']");
    if (language) {
      language.href = language.href.split("?")[0] + "?next=" + encodeURIComponent(here);
    }
  });

  // Word count of a letter being written, kept up to date as the resident types.
  document.addEventListener("input", function (event) {
    var count = byId("word-count");
    if (count && event.target.name === "body") {
      var words = event.target.value.trim().split(/\s+/).filter(Boolean);
      count.textContent = String(words.length);
    }
  });

  // Practice editor: Bold and List buttons on a small editable area; its HTML is sent on Check.
  function setupEditors() {
    document.querySelectorAll("[data-editor]").forEach(function (editor) { editor.hidden = false; });
  }
  document.addEventListener("mousedown", function (event) {
    // Keep the selection in the text when a formatting button is pressed.
    if (event.target.closest && event.target.closest("[data-command]")) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-command]");
    if (!button) { return; }
    var area = button.closest("[data-editor]").querySelector("[contenteditable]");
    area.focus();
    document.execCommand(button.dataset.command);
  });
  document.addEventListener("submit", function (event) {
    var area = event.target.querySelector("[data-editor] [contenteditable]");
    if (area) { event.target.querySelector("input[name=content]").value = area.innerHTML; }
  }, true);
  document.addEventListener("htmx:afterSettle", setupEditors);

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("htmx:afterSettle", setupPrint);

  setupEditors();
  setupPrint();
  setupReadAloud();
  if (idleSeconds > warningSeconds) { restartIdle(); }
})();
