// The try-it console, live: every action goes over fetch and answers with the page's parts; what
// the bot does later arrives over one server-sent event stream per person and place.
(function () {
  "use strict";
  var body = document.body;
  var state = {
    user: body.dataset.user, place: body.dataset.place, version: body.dataset.version,
    boot: body.dataset.boot,
    applied: {}, stream: null, settled: false,
  };
  var HISTORY_KEY = "viltbot-console-history";
  var box = document.getElementById("messages");
  var composer = document.getElementById("command");
  var input = document.getElementById("command-text");

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- the parts, in place
  function setPart(name, id, html) {
    if (state.applied[name] === html) return false;
    state.applied[name] = html;
    $(id).innerHTML = html;
    return true;
  }

  // The pane's messages, each kept in the page while it is unchanged: a new reply is added, an
  // updated one replaced, a deleted one removed, and nothing else is drawn again.
  var drawn = {};
  function keyOf(node) {
    return node.dataset.key || (node.id === "home-view" ? "intro" : node.id);
  }
  function setItems(items) {
    var changed = false;
    var keep = {};
    var nodes = {};
    Array.prototype.forEach.call(box.children, function (node) { nodes[keyOf(node)] = node; });
    var before = null;
    for (var i = items.length - 1; i >= 0; i--) {
      var key = items[i][0], html = items[i][1];
      keep[key] = true;
      var node = nodes[key];
      if (!node || drawn[key] !== html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.firstElementChild || document.createElement("div");
        fresh.dataset.key = key;
        if (node) node.replaceWith(fresh); else box.insertBefore(fresh, before);
        node = fresh;
        changed = true;
      } else if (node.nextElementSibling !== before) {
        box.insertBefore(node, before);
        changed = true;
      }
      drawn[key] = html;
      before = node;
    }
    Object.keys(nodes).forEach(function (key) {
      if (!keep[key]) { nodes[key].remove(); delete drawn[key]; changed = true; }
    });
    return changed;
  }

  function nearBottom() {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function showNewest(newest) {
    box.scrollTop = box.scrollHeight;
    var el = newest && document.getElementById(newest);
    if (!el) return;
    // A reply taller than the pane shows its top.
    var top = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
    if (top < 0) box.scrollTop += top;
  }

  var gotoDirty = false;

  // Versions are "<stand-in changes>.<revision>.<drawer reads>", each only growing: an answer
  // drawn before a pushed update (an action's answer may arrive after the stream's next event)
  // must not draw over it.
  function older(a, b) {
    var x = String(a || "0").split(".").map(Number);
    var y = String(b || "0").split(".").map(Number);
    for (var i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0);
    }
    return false;
  }

  function apply(parts, own) {
    if (parts.user !== state.user) return;
    if (parts.boot !== state.boot) {
      // The server started again: its versions start again too, and everything is drawn anew.
      state.boot = parts.boot;
      state.version = "";
      state.applied = {};
      drawn = {};
      $("modal").dataset.modal = "";
    }
    if (state.place === "dm" && parts.place.charAt(0) === "D") state.place = parts.place;
    if (parts.place !== state.place) return;
    if (own) {
      state.gotoNotes = parts.goto_notes || [];
      // What the panel said is brought into view, and kept there while the panel is redrawn.
      state.notesShownUntil = state.gotoNotes.length ? Date.now() + 1500 : 0;
    }
    if (state.settled && older(parts.version, state.version)) {
      // Overtaken by the stream: only what the answer says to the person still counts.
      if (own) {
        say(parts.notes);
        sayInPanel();
        showNewest(box.dataset.newest);
        $("jump").hidden = true;
        focusOn(parts.focus);
      }
      return;
    }
    state.version = parts.version;
    body.dataset.version = parts.version;
    setPart("sidebar", "sidebar", parts.sidebar);
    $("pane-title").textContent = parts.title;
    composer.hidden = !parts.composer;
    $("keys").hidden = !parts.composer;
    $("composer-hint").hidden = !!parts.composer;
    input.placeholder = parts.composer;
    var wasNear = nearBottom();
    var previous = box.dataset.newest;
    if (setItems(parts.items)) {
      box.dataset.newest = parts.newest;
      var arrived = parts.newest && parts.newest !== previous;
      if (arrived) {
        var fresh = document.getElementById(parts.newest);
        if (fresh && state.settled) fresh.classList.add("fresh");
      }
      if (own || wasNear || !state.settled) {
        showNewest(parts.newest);
        $("jump").hidden = true;
      } else if (arrived) {
        $("jump").hidden = false;
      }
    }
    state.settled = true;
    var modal = $("modal");
    if (modal.dataset.modal !== parts.modal_sig) {
      // The same view drawn again (views.update, errors, options) stays scrolled where it was.
      var sameView = modal.dataset.modal.split(":")[0] === parts.modal_sig.split(":")[0];
      var overlay = modal.querySelector(".overlay");
      var scrolled = sameView && overlay ? overlay.scrollTop : 0;
      var kept = sameView ? changedFields(modal) : null;
      // The field being typed in keeps the focus and the caret (a search as you type).
      var active = document.activeElement;
      var typing = sameView && active && active.name && modal.contains(active) ? {
        name: active.name, start: active.selectionStart, end: active.selectionEnd,
      } : null;
      modal.dataset.modal = parts.modal_sig;
      modal.innerHTML = parts.modal;
      if (kept) restoreFields(modal, kept); else touched = {};
      overlay = modal.querySelector(".overlay");
      if (overlay) overlay.scrollTop = scrolled;
      if (typing) {
        var again = fieldsNamed(modal, typing.name)[0];
        if (again) {
          again.focus({ preventScroll: true });
          if (typeof typing.start === "number" && again.setSelectionRange) {
            try { again.setSelectionRange(typing.start, typing.end); } catch (e) { /* no caret */ }
          }
        }
      }
    }
    setPart("tour", "tour-wrap", parts.tour);
    if (!gotoDirty) {
      setPart("goto", "goto", parts.goto);
    }
    sayInPanel();
    if ((parts.notes && parts.notes.length) || own) say(parts.notes);
    focusOn(parts.focus);
  }

  // The field acted on, or the first one in error, in view (and focused, in a modal).
  function focusOn(id) {
    var target = id && document.getElementById(id);
    if (!target) return;
    target.scrollIntoView({ block: "nearest" });
    var active = document.activeElement;
    var typing = active && active.dataset && active.dataset.search && active.closest(".modal");
    if (!typing && target.closest(".modal") && target.focus) target.focus({ preventScroll: true });
  }

  // What the person changed in the open modal stays when the bot updates that view (as in Slack),
  // even when they changed it after the update was asked for.
  var touched = {};
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (el.name && el.closest(".modal")) touched[el.name] = true;
  });

  function fieldsNamed(root, name) {
    return root.querySelectorAll('.modal [name="' + CSS.escape(name) + '"]');
  }

  function changedFields(root) {
    var kept = {};
    Object.keys(touched).forEach(function (name) {
      kept[name] = Array.prototype.map.call(fieldsNamed(root, name), function (el) {
        if (el.type === "checkbox" || el.type === "radio") return el.checked;
        if (el.multiple) {
          return Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
        }
        return el.value;
      });
    });
    return kept;
  }

  function restoreFields(root, kept) {
    Object.keys(kept).forEach(function (name) {
      var was = kept[name];
      var now = fieldsNamed(root, name);
      if (now.length !== was.length) return;  // the field changed shape: the bot's version stands
      now.forEach(function (el, i) {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = was[i]; return; }
        if (el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) {
            o.selected = was[i].indexOf(o.value) >= 0;
          });
          return;
        }
        var known = el.tagName !== "SELECT" || Array.prototype.some.call(el.options, function (o) {
          return o.value === was[i];
        });
        if (known) el.value = was[i];
      });
    });
  }

  // ---------------------------------------------------------------- the stream
  function where() {
    return new URLSearchParams({ user: state.user, channel: state.place });
  }

  function connect(painted) {
    if (state.stream) state.stream.close();
    // The page as first served is what the stream's first event would draw: not drawn again.
    var skip = painted ? body.dataset.version : null;
    if (!painted) {
      state.applied = {}; state.settled = false; state.version = "";
      drawn = {};
    }
    state.stream = new EventSource("/sandbox/stream?" + where());
    state.stream.addEventListener("parts", function (ev) {
      var parts = JSON.parse(ev.data);
      if (skip !== null && parts.version === skip) { skip = null; return; }
      skip = null;
      // The stream is for one person and place; the server may have resolved the place asked
      // for to another (a DM id of someone else, a channel not theirs): its answer stands.
      if (parts.user === state.user && parts.place !== state.place) state.place = parts.place;
      apply(parts, false);
      history.replaceState(null, "", "/sandbox?" + where());
    });
  }

  function go(place) {
    if (place === state.place || (place === "dm" && state.place.charAt(0) === "D")) return;
    state.place = place;
    gotoDirty = false;
    connect();
  }

  function become(user) {
    if (user === state.user) return;
    state.user = user;
    $("who-select").value = user;
    var chosen = $("who-select").selectedOptions[0];
    $("who-note").textContent = "as " + (chosen ? chosen.textContent.replace(/ \(.*$/, "") : user);
    // The same channel, or the new person's own DM with the bot.
    var current = document.querySelector("a.place.here");
    if (current && current.dataset.place.charAt(0) === "D") state.place = "dm";
    connect();
  }

  // ---------------------------------------------------------------- actions
  async function post(url, data) {
    data.set("user", state.user);
    data.set("channel", state.place);
    body.classList.add("busy");
    try {
      var answer = await fetch(url, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "X-Console": "1" },
        cache: "no-store",
      });
      var type = answer.headers.get("content-type") || "";
      if (type.indexOf("application/json") === 0) {
        var parts = await answer.json();
        if (parts.place && parts.place !== state.place) state.place = parts.place;
        apply(parts, true);
      } else if (!answer.ok) {
        say(["The sandbox answered " + answer.status + ": " + (await answer.text()).slice(0, 200)]);
      }
    } catch (err) {
      say(["The sandbox is not answering; is `viltbot serve` still running?"]);
    } finally {
      body.classList.remove("busy");
    }
  }

  // What the GoTo panel's last action said stays in the panel, whatever redraws it.
  function sayInPanel() {
    var where = document.querySelector("#goto-panel .goto-notes");
    if (!where) return;
    if (Date.now() < (state.notesShownUntil || 0)) requestAnimationFrame(showPanelNotes);
    showNotes(where, state.gotoNotes);
  }

  function showPanelNotes() {
    var where = document.querySelector("#goto-panel .goto-notes");
    if (where) where.scrollIntoView({ block: "nearest" });
  }

  // `texts` as the notes shown in `where` (as text, never as markup).
  function showNotes(where, texts) {
    where.replaceChildren.apply(where, (texts || []).map(function (text) {
      var p = document.createElement("p");
      p.className = "note";
      p.textContent = text;
      return p;
    }));
  }

  function say(notes) {
    showNotes($("notes"), notes);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    ev.preventDefault();
    var submitter = ev.submitter;
    var url = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    var data = new FormData(form, submitter || undefined);
    if (form === composer) remember(input.value);
    if (form.closest("#goto")) gotoDirty = false;
    post(url, data).then(function () {
      if (form === composer) { input.focus(); input.select(); }
    });
  });

  // Block actions for a select / checkbox / radio change, or Enter in a dispatching input.
  function dispatch(el, name) {
    var form = el.form || el.closest("form");
    if (!form || !name) return;
    var data = new FormData(form);
    data.set("dispatch", name);
    post("/sandbox/action", data);
  }

  var textual = /^(text|email|url|number)$/;
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.id === "who-select") { become(el.value); return; }
    if (el.closest("#goto")) {
      if (el.id === "goto-session") { post("/sandbox/goto/pick", new FormData(el.form)); return; }
      gotoDirty = true;
    }
    if (el.dataset.attended) {
      // Who did not attend answered no poll: their poll boxes go off with the row's Attended.
      el.closest("tr").querySelectorAll(".polls-answered input").forEach(function (tick) {
        if (!el.checked) tick.checked = false;
        tick.disabled = !el.checked;
      });
      return;
    }
    if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && textual.test(el.type))) return;
    if (el.dataset.dispatch) dispatch(el, el.dataset.dispatch);
  });

  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if (ev.key === "Escape") {
      // As in Slack, Escape closes the modal (back one view).
      var close = document.querySelector('#modal .modal > header button[aria-label="Close"]');
      if (close) { ev.preventDefault(); close.click(); }
      return;
    }
    if (el === input && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      ev.preventDefault();
      recall(ev.key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (ev.key !== "Enter" || el.tagName !== "INPUT" || el === input) return;
    if (el.dataset.search) {
      // Enter in a menu's search box searches (the form's first button would close the modal).
      ev.preventDefault();
      el.parentElement.querySelector("button[name=suggest]").click();
      return;
    }
    // In Slack, Enter in a modal's input does not submit (nor close) the modal.
    if (!el.dataset.enter && !el.closest(".modal")) return;
    ev.preventDefault();
    if (el.dataset.enter && el.dataset.dispatch) dispatch(el, el.dataset.dispatch);
  });

  document.addEventListener("click", function (ev) {
    var place = ev.target.closest("a[data-place]");
    if (place) {
      ev.preventDefault();
      // "dm": the DM of whoever the person is now, even if the sidebar is still the last one's.
      go(place.dataset.place.charAt(0) === "D" ? "dm" : place.dataset.place);
      return;
    }
    if (ev.target.closest("#jump")) { showNewest(box.dataset.newest); $("jump").hidden = true; return; }
    var el = ev.target.closest("[data-confirm],[data-url-action],[data-fill]");
    if (!el) return;
    if (el.dataset.fill !== undefined) {
      if (el.dataset.as && el.dataset.as !== state.user) become(el.dataset.as);
      if (composer.hidden) go("dm");
      input.value = el.dataset.fill;
      input.focus();
      return;
    }
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) { ev.preventDefault(); return; }
    if (el.dataset.urlAction) {
      // Slack opens the link and also tells the app the button was clicked.
      var data = new FormData(el.closest("form"));
      data.set("action", el.dataset.urlAction);
      data.set("ajax", "1");
      data.set("user", state.user);
      data.set("channel", state.place);
      fetch("/sandbox/action", {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "X-Console": "1" },
        keepalive: true,
      });
    }
  });

  // A menu's search box searches as the person types (a moment after they stop).
  var searching = null;
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (!el.dataset || !el.dataset.search) return;
    clearTimeout(searching);
    searching = setTimeout(function () {
      var button = el.parentElement.querySelector("button[name=suggest]");
      if (button && document.body.contains(button)) button.click();
    }, 300);
  });

  box.addEventListener("scroll", function () { if (nearBottom()) $("jump").hidden = true; });

  // ---------------------------------------------------------------- the composer's history
  var recalled = null;
  function commands() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }
  function remember(text) {
    text = text.trim();
    recalled = null;
    if (!text) return;
    var list = commands().filter(function (c) { return c !== text; });
    list.push(text);
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(-50))); } catch (e) { /* full */ }
  }
  function recall(step) {
    var list = commands();
    if (!list.length) return;
    var at = recalled === null ? list.length : recalled;
    at = Math.max(0, Math.min(list.length, at + step));
    recalled = at;
    input.value = at === list.length ? "" : list[at];
    input.setSelectionRange(input.value.length, input.value.length);
  }

  var last = commands();
  if (last.length) input.value = last[last.length - 1];
  showNewest(box.dataset.newest);
  state.settled = true;
  connect(true);
})();
