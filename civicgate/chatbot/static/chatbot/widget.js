// The KMC web chat: talks to POST /api/v1/chat/messages and shows the replies with their
// options as buttons; polls for the helpdesk's answers. No libraries, no network but the site.
(function () {
  "use strict";
  var STORE = "kmc-chat-conversation";
  var URL_RE = /(https?:\/\/[^\s]+)/g;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function withLinks(node, text) {
    text.split(URL_RE).forEach(function (part) {
      if (URL_RE.test(part)) {
        var a = el("a", { href: part, target: "_blank", rel: "noopener" }, part);
        node.appendChild(a);
      } else {
        node.appendChild(document.createTextNode(part));
      }
      URL_RE.lastIndex = 0;
    });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function Chat(root) {
    this.root = root;
    this.endpoint = root.dataset.endpoint || "/api/v1/chat/messages";
    this.conversation = sessionStorage.getItem(STORE);
    this.lastPolled = "";
    this.busy = false;
    this.build();
    if (this.conversation) { this.poll(); } else if (root.dataset.start) { this.send({ text: root.dataset.start }, true); }
    var self = this;
    this.timer = setInterval(function () { if (!document.hidden) self.poll(); }, 4000);
  }

  Chat.prototype.build = function () {
    this.log = el("div", { class: "chat-log", role: "log", "aria-live": "polite", "data-testid": "chat-log" });
    this.error = el("div", { class: "chat-error", role: "alert" });
    var form = el("form", { class: "chat-form", "data-testid": "chat-form" });
    this.input = el("input", { type: "text", autocomplete: "off", maxlength: "2000", "aria-label": this.root.dataset.placeholder || "Message", placeholder: this.root.dataset.placeholder || "", "data-testid": "chat-input" });
    var button = el("button", { type: "submit", "data-testid": "chat-send" }, this.root.dataset.send || "Send");
    form.appendChild(this.input);
    form.appendChild(button);
    var self = this;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text || self.busy) return;
      self.input.value = "";
      self.send({ text: text });
    });
    this.root.appendChild(this.log);
    this.root.appendChild(this.error);
    this.root.appendChild(form);
  };

  Chat.prototype.bubble = function (who, text, imageUrl) {
    var b = el("div", { class: "bubble " + who, "data-testid": "bubble-" + who });
    withLinks(b, text || "");
    if (imageUrl) b.appendChild(el("img", { src: imageUrl, alt: this.root.dataset.qr || "QR code", "data-testid": "chat-image" }));
    this.log.appendChild(b);
    this.log.scrollTop = this.log.scrollHeight;
    return b;
  };

  Chat.prototype.choices = function (choices) {
    if (!choices || !choices.length) return;
    var box = el("div", { class: "chat-choices" });
    var self = this;
    choices.forEach(function (c) {
      var button = el("button", { type: "button", "data-choice": c.id }, c.title);
      button.addEventListener("click", function () {
        if (self.busy) return;
        if (c.id === "geo:ask") { self.locate(c.title); return; }
        self.send({ choice: c.id }, false, c.title);
      });
      box.appendChild(button);
    });
    this.log.appendChild(box);
    this.log.scrollTop = this.log.scrollHeight;
  };

  Chat.prototype.locate = function (label) {
    var self = this;
    if (!navigator.geolocation) { self.error.textContent = self.root.dataset.error || ""; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      self.send({ choice: "geo:" + c.latitude.toFixed(6) + "," + c.longitude.toFixed(6) }, false, "📍 " + label);
    }, function () { self.error.textContent = self.root.dataset.error || ""; }, { timeout: 10000 });
  };

  Chat.prototype.show = function (reply, who) {
    this.bubble(who || "bot", reply.text, reply.image_url);
    this.choices(reply.choices);
  };

  Chat.prototype.send = function (body, quiet, label) {
    var self = this;
    if (!quiet) this.bubble("me", body.text || label || body.choice);
    this.busy = true;
    this.error.textContent = "";
    body.conversation = this.conversation;
    fetch(this.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      self.busy = false;
      if (result.status === 404 && self.conversation) {
        sessionStorage.removeItem(STORE);
        self.conversation = null;
        return self.send(body, true);
      }
      if (result.status !== 200) {
        self.error.textContent = result.data.message || self.root.dataset.error;
        return;
      }
      if (!self.conversation) self.primed = true;
      self.conversation = result.data.conversation;
      sessionStorage.setItem(STORE, self.conversation);
      self.root.setAttribute("lang", result.data.language);
      self.root.dataset.intent = result.data.intent;
      result.data.replies.forEach(function (r) { self.show(r); });
    }).catch(function () {
      self.busy = false;
      self.error.textContent = self.root.dataset.error || "";
    });
  };

  Chat.prototype.poll = function () {
    if (!this.conversation) return;
    var self = this;
    var url = this.endpoint.replace(/messages\/?$/, "conversations/") + encodeURIComponent(this.conversation) + "/messages" + (this.lastPolled ? "?after=" + encodeURIComponent(this.lastPolled) : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      data.messages.forEach(function (m) {
        if (self.lastPolled || self.primed) self.show(m, m.sender === "staff" ? "bot staff" : "bot");
        self.lastPolled = m.id;
      });
      self.primed = true;
    }).catch(function () {});
  };

  function mount() {
    var root = document.getElementById("kmc-chat");
    if (root) { new Chat(root); return; }
    var script = document.querySelector("script[data-kmc-chat]");
    if (!script) return;
    var launcher = el("button", { type: "button", class: "chat-launcher", "data-testid": "chat-launcher" }, script.dataset.label || "Chat");
    launcher.addEventListener("click", function () {
      var panel = document.getElementById("kmc-chat");
      if (panel) { panel.hidden = !panel.hidden; return; }
      panel = el("div", { id: "kmc-chat", class: "chat-panel floating", "data-testid": "chat" });
      ["endpoint", "placeholder", "send", "error", "start", "qr"].forEach(function (k) { if (script.dataset[k]) panel.dataset[k] = script.dataset[k]; });
      document.body.appendChild(panel);
      new Chat(panel);
    });
    document.body.appendChild(launcher);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount); else mount();
})();
