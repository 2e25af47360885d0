// janus chat: the page's only script. Model text is never parsed as HTML:
// the markdown renderer builds DOM nodes and sets textContent.
(function () {
  'use strict';
  var meta = function (n) { var m = document.querySelector('meta[name="janus-' + n + '"]'); return m ? m.content : ''; };
  var P = meta('prefix'), CSRF = meta('csrf'), MODE = meta('mode');
  var MAX_IMAGE = 4 << 20;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---------- markdown (safe subset) ----------
  function renderMarkdown(src, into) {
    into.replaceChildren();
    var lines = String(src).replace(/\r\n?/g, '\n').split('\n');
    var i = 0, para = [];
    function flush() {
      if (!para.length) return;
      var p = el('p');
      para.forEach(function (l, j) { if (j) p.appendChild(el('br')); inline(l, p); });
      into.appendChild(p);
      para = [];
    }
    while (i < lines.length) {
      var line = lines[i], m;
      if ((m = /^\s*(```|~~~)\s*([\w+#.-]*)/.exec(line))) {
        flush();
        var fence = m[1], code = [];
        i++;
        while (i < lines.length && lines[i].trim().indexOf(fence) !== 0) { code.push(lines[i]); i++; }
        i++;
        into.appendChild(codeBlock(code.join('\n'), m[2]));
        continue;
      }
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flush();
        var h = el('h' + Math.min(6, m[1].length + 2));
        inline(m[2], h);
        into.appendChild(h);
      } else if (/^\s*>/.test(line)) {
        flush();
        var q = el('blockquote'), ql = [];
        while (i < lines.length && /^\s*>/.test(lines[i])) { ql.push(lines[i].replace(/^\s*>\s?/, '')); i++; }
        renderMarkdown(ql.join('\n'), q);
        into.appendChild(q);
        continue;
      } else if (/^\s*([-*+]|\d{1,9}[.)])\s+/.test(line)) {
        flush();
        var ordered = /^\s*\d/.test(line), list = el(ordered ? 'ol' : 'ul');
        while (i < lines.length && (m = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(lines[i])) && /^\s*\d/.test(lines[i]) === ordered) {
          var li = el('li');
          inline(m[2], li);
          list.appendChild(li);
          i++;
        }
        into.appendChild(list);
        continue;
      } else if (/^\s*$/.test(line)) {
        flush();
      } else if (/^\s*(---|\*\*\*)\s*$/.test(line)) {
        flush();
        into.appendChild(el('hr'));
      } else {
        para.push(line);
      }
      i++;
    }
    flush();
  }

  var INLINE = /(`+)([^`]+?)\1|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

  function inline(text, into) {
    // A fresh RegExp per call: the bold and em cases recurse, and a shared
    // global regex would have its lastIndex reset under the outer loop.
    var re = new RegExp(INLINE.source, 'g'), last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) into.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[2] != null) into.appendChild(el('code', null, m[2]));
      else if (m[3] != null || m[4] != null) { var b = el('strong'); inline(m[3] || m[4], b); into.appendChild(b); }
      else if (m[5] != null) { var e = el('em'); inline(m[5], e); into.appendChild(e); }
      else if (m[6] != null) into.appendChild(link(m[6], m[7]));
      else into.appendChild(link(m[8], m[8]));
      last = re.lastIndex;
    }
    if (last < text.length) into.appendChild(document.createTextNode(text.slice(last)));
  }

  // link makes an anchor only for http(s) URLs; anything else stays text.
  function link(text, href) {
    if (!/^https?:\/\//i.test(href)) return document.createTextNode(text);
    var a = el('a', null, text);
    a.href = href;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    return a;
  }

  function codeBlock(code, lang) {
    var wrap = el('div', 'code'), bar = el('div', 'codebar'), btn = el('button', 'copy', 'Copy');
    bar.appendChild(el('span', 'lang', lang || 'code'));
    btn.type = 'button';
    btn.addEventListener('click', function () { copy(code, btn); });
    bar.appendChild(btn);
    var pre = el('pre'), c = el('code', null, code);
    pre.appendChild(c);
    wrap.appendChild(bar);
    wrap.appendChild(pre);
    return wrap;
  }

  function copy(text, btn) {
    var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { btn.textContent = 'Copy failed'; });
    } else { btn.textContent = 'Copy failed'; }
  }

  // ---------- network ----------
  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': CSRF } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(P + path, init).then(function (r) {
      if (r.status === 204) return null;
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error((j.error && j.error.message) || ('HTTP ' + r.status)); e.code = j.error && j.error.code; e.status = r.status; throw e; }
        return j;
      });
    });
  }

  // readEvents calls onData with the data of each server-sent event.
  async function readEvents(resp, onData) {
    var reader = resp.body.getReader(), dec = new TextDecoder(), buf = '';
    for (;;) {
      var r = await reader.read();
      if (r.done) break;
      buf += dec.decode(r.value, { stream: true }).replace(/\r\n?/g, '\n');
      var cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        var ev = buf.slice(0, cut), data = [];
        buf = buf.slice(cut + 2);
        ev.split('\n').forEach(function (l) { if (l.indexOf('data:') === 0) data.push(l.slice(5).replace(/^ /, '')); });
        if (data.length && onData(data.join('\n')) === false) return;
      }
    }
  }

  async function postStream(path, body, signal) {
    var resp = await fetch(P + path, { method: 'POST', credentials: 'same-origin', signal: signal,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': CSRF, 'Accept': 'text/event-stream' }, body: JSON.stringify(body) });
    if (!resp.ok) {
      var j = await resp.json().catch(function () { return {}; });
      var e = new Error((j.error && j.error.message) || ('HTTP ' + resp.status));
      e.code = j.error && j.error.code;
      throw e;
    }
    return resp;
  }

  // ---------- one answer ----------
  function Answer(parent, msg) {
    this.msg = msg;
    this.root = el('div', 'msg assistant');
    this.head = el('div', 'who', msg.label || 'assistant');
    this.trace = el('details', 'trace');
    this.traceSum = el('summary', null, 'Reasoning');
    this.traceBody = el('div', 'trace-body');
    this.trace.appendChild(this.traceSum);
    this.trace.appendChild(this.traceBody);
    this.trace.hidden = true;
    this.steps = el('ol', 'steps');
    this.steps.hidden = true;
    this.body = el('div', 'content md');
    this.arts = el('div', 'artifacts');
    this.foot = el('div', 'usage');
    [this.head, this.trace, this.steps, this.body, this.arts, this.foot].forEach(function (n) { this.root.appendChild(n); }, this);
    parent.appendChild(this.root);
    this.pending = false;
    this.paint();
  }
  Answer.prototype.schedule = function () {
    if (this.pending) return;
    this.pending = true;
    var self = this;
    setTimeout(function () { self.pending = false; self.paint(); }, 0);
  };
  Answer.prototype.paint = function () {
    var m = this.msg;
    this.root.classList.toggle('streaming', !!m.streaming);
    renderMarkdown(m.content || '', this.body);
    if (m.reasoning) { this.trace.hidden = false; this.traceBody.textContent = m.reasoning; }
    this.steps.replaceChildren();
    (m.steps || []).forEach(function (s) { this.steps.appendChild(el('li', 'step ' + s.event, stepText(s))); }, this);
    this.steps.hidden = !(m.steps && m.steps.length);
    this.arts.replaceChildren();
    (m.artifacts || []).forEach(function (a) { this.arts.appendChild(artifactNode(a)); }, this);
    this.foot.textContent = usageText(m);
    this.foot.classList.toggle('error', !!m.error);
  };
  // chunk applies one chat.completion.chunk.
  Answer.prototype.chunk = function (c) {
    var m = this.msg;
    if (c.error) { m.error = c.error.message || 'the competitor failed'; }
    if (c.usage) m.usage = c.usage;
    if (c.model && !m.model) m.model = c.model;
    (c.choices || []).forEach(function (ch) {
      var d = ch.delta || ch.message || {};
      if (typeof d.content === 'string') m.content = (m.content || '') + d.content;
      var r = d.reasoning_content || d.reasoning;
      if (typeof r === 'string') m.reasoning = (m.reasoning || '') + r;
      if (d.janus && d.janus.event) (m.steps = m.steps || []).push(janusStep(d.janus));
      if (Array.isArray(d.artifacts)) m.artifacts = (m.artifacts || []).concat(d.artifacts.filter(function (a) { return a && typeof a === 'object'; }));
      if (ch.finish_reason) m.finish = ch.finish_reason;
    });
    this.schedule();
  };

  function janusStep(j) {
    var p = j.payload || {}, name = '';
    if (p && typeof p === 'object') name = p.name || p.tool || p.language || '';
    return { event: String(j.event).slice(0, 40), name: String(name).slice(0, 80) };
  }
  var STEP_LABELS = { tool_start: 'Running tool', tool_end: 'Tool finished', sandbox_start: 'Sandbox started', sandbox_end: 'Sandbox finished' };
  function stepText(s) { return (STEP_LABELS[s.event] || s.event) + (s.name ? ': ' + s.name : ''); }

  function usageText(m) {
    var parts = [];
    if (m.error) parts.push('Error: ' + m.error);
    if (m.stopped) parts.push('Stopped');
    var u = m.usage;
    if (u) {
      parts.push((u.prompt_tokens || 0) + ' in · ' + (u.completion_tokens || 0) + ' out tokens' + (u.reasoning_tokens ? ' (' + u.reasoning_tokens + ' reasoning)' : ''));
      if (typeof u.cost_usd === 'number') parts.push('$' + u.cost_usd.toFixed(u.cost_usd < 0.01 ? 6 : 4));
    }
    if (m.ms) parts.push((m.ms / 1000).toFixed(1) + ' s');
    return parts.join(' · ');
  }

  var RASTER = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/;
  // artifactSrc is where the page fetches an artifact: through this
  // page's proxy by the gateway's id, or an inline raster data: URL.
  function artifactSrc(a) {
    var u = typeof a.url === 'string' ? a.url : '';
    var m = /\/v1\/artifacts\/([A-Za-z0-9._-]{1,200})$/.exec(u.split(/[?#]/)[0]);
    if (m) return P + '/api/artifacts/' + m[1];
    if (RASTER.test(u)) return u;
    return '';
  }
  function artifactNode(a) {
    var src = artifactSrc(a), name = String(a.display_name || a.id || 'artifact').slice(0, 200);
    var mime = String(a.mime_type || '');
    var wrap = el('figure', 'artifact');
    if (src && (a.type === 'image' || /^image\/(png|jpeg|gif|webp)/.test(mime))) {
      var img = el('img');
      img.alt = name;
      img.src = src;
      img.loading = 'lazy';
      wrap.appendChild(img);
    }
    if (src) {
      var dl = el('a', 'download', '⬇ ' + name);
      dl.href = src;
      dl.download = name;
      wrap.appendChild(dl);
    } else {
      wrap.appendChild(el('span', 'missing', name + ' (not downloadable here)'));
    }
    return wrap;
  }

  function userNode(parent, msg) {
    var root = el('div', 'msg user');
    var parts = typeof msg.content === 'string' ? [{ type: 'text', text: msg.content }] : (msg.content || []);
    parts.forEach(function (p) {
      if (p.type === 'text') root.appendChild(el('div', 'text', p.text));
      else if (p.type === 'image_url' && p.image_url && RASTER.test(p.image_url.url)) {
        var img = el('img', 'attached');
        img.alt = 'attached image';
        img.src = p.image_url.url;
        root.appendChild(img);
      }
    });
    parent.appendChild(root);
  }

  // ---------- state ----------
  var S = { models: [], conv: null, messages: [], ctrl: null, images: [], busy: false };

  function notice(text, kind) {
    var n = $('notice');
    n.textContent = text || '';
    n.className = kind || '';
    n.hidden = !text;
  }

  function selectedModel() {
    var m = S.models[$('model').value | 0];
    return m || null;
  }

  async function loadModels() {
    try {
      var j = await api('GET', '/api/models');
      S.models = (j.data || []).filter(function (m) { return m && typeof m.id === 'string'; });
    } catch (e) { notice('Could not load the models: ' + e.message, 'error'); }
    var sel = $('model'), saved = localStorage.getItem('janus-chat-model');
    sel.replaceChildren();
    S.models.forEach(function (m, i) {
      var o = el('option', null, (m.owned_by ? m.owned_by + ' · ' : '') + m.id);
      o.value = String(i);
      if (saved === (m.owned_by || '') + '/' + m.id) o.selected = true;
      sel.appendChild(o);
    });
    if (!S.models.length) sel.appendChild(el('option', null, 'no models'));
  }

  async function loadConversations() {
    try {
      var j = await api('GET', '/api/conversations');
      drawConversations(j.data || []);
    } catch (e) { notice('Could not load your conversations: ' + e.message, 'error'); }
  }

  function drawConversations(list) {
    var ul = $('convs');
    ul.replaceChildren();
    list.forEach(function (c) {
      var li = el('li', S.conv && S.conv.id === c.id ? 'active' : '');
      var open = el('button', 'open', c.title);
      open.type = 'button';
      open.title = c.title;
      open.addEventListener('click', function () { openConversation(c.id); });
      var ren = el('button', 'icon rename', '✎');
      ren.type = 'button';
      ren.setAttribute('aria-label', 'Rename ' + c.title);
      ren.addEventListener('click', function () { renameInline(li, c); });
      var del = el('button', 'icon delete', '✕');
      del.type = 'button';
      del.setAttribute('aria-label', 'Delete ' + c.title);
      del.addEventListener('click', function () { deleteConversation(c); });
      li.appendChild(open); li.appendChild(ren); li.appendChild(del);
      ul.appendChild(li);
    });
  }

  function renameInline(li, c) {
    var input = el('input', 'rename-input');
    input.value = c.title;
    input.maxLength = 200;
    input.setAttribute('aria-label', 'New title');
    li.replaceChildren(input);
    input.focus();
    var done = false;
    var finish = async function (save) {
      if (done) return;
      done = true;
      if (save && input.value.trim() && input.value !== c.title) {
        try { await api('PUT', '/api/conversations/' + encodeURIComponent(c.id), { title: input.value }); }
        catch (e) { notice('Could not rename: ' + e.message, 'error'); }
      }
      loadConversations();
    };
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); finish(true); }
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); }
    });
    input.addEventListener('blur', function () { finish(true); });
  }

  async function deleteConversation(c) {
    if (!window.confirm('Delete "' + c.title + '"?')) return;
    try {
      await api('DELETE', '/api/conversations/' + encodeURIComponent(c.id));
      if (S.conv && S.conv.id === c.id) newChat();
    } catch (e) { notice('Could not delete: ' + e.message, 'error'); }
    loadConversations();
  }

  async function openConversation(id) {
    if (S.busy) return;
    try {
      var c = await api('GET', '/api/conversations/' + encodeURIComponent(id));
      S.conv = { id: c.id, title: c.title };
      S.messages = Array.isArray(c.messages) ? c.messages : [];
      drawThread();
      loadConversations();
      document.body.classList.remove('menu-open');
    } catch (e) { notice('Could not open the conversation: ' + e.message, 'error'); }
  }

  function newChat() {
    if (S.busy) return;
    S.conv = null;
    S.messages = [];
    drawThread();
    loadConversations();
    $('input').focus();
  }

  function drawThread() {
    var t = $('thread');
    t.replaceChildren();
    if (!S.messages.length) t.appendChild(el('p', 'empty', 'Pick a competitor above and ask anything.'));
    S.messages.forEach(function (m) {
      if (m.role === 'user') userNode(t, m);
      else if (m.role === 'assistant') new Answer(t, m);
    });
  }

  // ---------- composer ----------
  function addImage(file) {
    if (!file || !/^image\/(png|jpeg|gif|webp)$/.test(file.type)) { notice('Only PNG, JPEG, GIF or WebP images can be attached.', 'error'); return; }
    if (file.size > MAX_IMAGE) { notice('That image is ' + (file.size / 1048576).toFixed(1) + ' MB; the limit is ' + (MAX_IMAGE / 1048576) + ' MB.', 'error'); return; }
    if (S.images.length >= 4) { notice('At most 4 images per message.', 'error'); return; }
    var fr = new FileReader();
    fr.onload = function () { S.images.push(String(fr.result)); drawAttachments(); };
    fr.readAsDataURL(file);
  }

  function drawAttachments() {
    var box = $('attachments');
    box.replaceChildren();
    S.images.forEach(function (u, i) {
      var f = el('span', 'thumb');
      var img = el('img');
      img.src = u;
      img.alt = 'attachment ' + (i + 1);
      var x = el('button', 'icon', '×');
      x.type = 'button';
      x.setAttribute('aria-label', 'Remove attachment ' + (i + 1));
      x.addEventListener('click', function () { S.images.splice(i, 1); drawAttachments(); });
      f.appendChild(img); f.appendChild(x);
      box.appendChild(f);
    });
  }

  function takeInput() {
    var text = $('input').value.trim();
    if (!text && !S.images.length) return null;
    var content = text;
    if (S.images.length) {
      content = [{ type: 'text', text: text }].concat(S.images.map(function (u) { return { type: 'image_url', image_url: { url: u } }; }));
    }
    $('input').value = '';
    $('input').style.height = '';
    S.images = [];
    drawAttachments();
    return { role: 'user', content: content, text: text };
  }

  function setBusy(b) {
    S.busy = b;
    $('send').hidden = b;
    $('stop').hidden = !b;
    document.body.classList.toggle('busy', b);
  }

  function stop() { if (S.ctrl) S.ctrl.abort(); }

  // upstreamMessages is the history sent with a turn. Only the newest
  // message keeps its images: earlier ones become a text mark, so a long
  // conversation with pictures stays within the request limits.
  function upstreamMessages() {
    var ms = S.messages.filter(function (m) { return (m.role === 'user' || m.role === 'assistant') && !(m.role === 'assistant' && !m.content); });
    return ms.map(function (m, i) { return { role: m.role, content: i === ms.length - 1 ? m.content : withoutImages(m.content) }; });
  }

  function withoutImages(content) {
    if (typeof content === 'string') return content;
    return (content || []).map(function (p) { return p.type === 'image_url' ? '[image]' : p.text || ''; }).join(' ').trim();
  }

  async function sendChat(user) {
    var model = selectedModel();
    if (!model) { notice('No model to talk to: the gateway lists none.', 'error'); return; }
    localStorage.setItem('janus-chat-model', (model.owned_by || '') + '/' + model.id);
    if (!S.conv) {
      try { S.conv = await api('POST', '/api/conversations', { title: (user.text || 'Image').slice(0, 60) }); }
      catch (e) { notice('Could not start a conversation: ' + e.message, 'error'); return; }
    }
    delete user.text;
    S.messages.push(user);
    if (S.messages.length === 1) $('thread').replaceChildren();
    userNode($('thread'), user);
    var msg = { role: 'assistant', content: '', label: (model.owned_by ? model.owned_by + ' · ' : '') + model.id, streaming: true };
    var view = new Answer($('thread'), msg);
    var body = { conversation_id: S.conv.id, model: model.id, competitor_id: model.owned_by || '', messages: upstreamMessages() };
    S.messages.push(msg);
    await runStream('/api/completions', body, function (data) {
      if (data === '[DONE]') return false;
      try { view.chunk(JSON.parse(data)); } catch (e) { /* a malformed event is skipped */ }
    }, msg, view);
    await save();
  }

  // runStream posts body and feeds the events to onData until done,
  // stopped or failed; the answer view shows which.
  async function runStream(path, body, onData, msg, view, onResp) {
    setBusy(true);
    notice('');
    S.ctrl = new AbortController();
    var t0 = performance.now();
    try {
      var resp = await postStream(path, body, S.ctrl.signal);
      if (onResp) onResp(resp);
      await readEvents(resp, onData);
    } catch (e) {
      if (e.name === 'AbortError') { if (msg) msg.stopped = true; document.body.dataset.stopped = '1'; }
      else if (msg) msg.error = e.message;
      else notice(e.message, 'error');
    } finally {
      S.ctrl = null;
      if (msg) { msg.streaming = false; msg.ms = Math.round(performance.now() - t0); delete msg.label; }
      if (view) view.paint();
      setBusy(false);
    }
  }

  async function save() {
    if (!S.conv) return;
    var keep = S.messages.map(function (m) { var c = Object.assign({}, m); delete c.streaming; return c; });
    try {
      try {
        await api('PUT', '/api/conversations/' + encodeURIComponent(S.conv.id), { messages: keep });
      } catch (e) {
        if (e.status !== 413 && e.code !== 'limit') throw e;
        // Too large to keep whole: keep the text, drop the pictures.
        keep = keep.map(function (m) { return m.role === 'user' ? Object.assign({}, m, { content: withoutImages(m.content) }) : m; });
        await api('PUT', '/api/conversations/' + encodeURIComponent(S.conv.id), { messages: keep });
        notice('The conversation was saved without its images (too large to keep).');
      }
      document.body.dataset.saved = String(keep.length);
    }
    catch (e) { notice('The conversation was not saved: ' + e.message, 'error'); }
    loadConversations();
  }

  // ---------- arena ----------
  var A = { prompt: '', views: {}, voted: false };
  var VOTE_MESSAGES = {
    vote_too_early: 'Take a moment to read both answers — votes open 5 seconds after the question.',
    already_voted: 'This round already has its vote: one vote per question. Ask another!',
    vote_rate_exceeded: 'You have reached the vote limit for this hour. Thank you for voting — come back later.',
    vote_refused: null,
    prompt_not_found: 'This round is no longer known to the gateway; ask a new question.'
  };

  async function sendArena(user) {
    delete user.text;
    A.prompt = ''; A.voted = false; A.views = {};
    $('votes').hidden = true;
    $('reveal').textContent = '';
    $('arena-prompt').replaceChildren();
    userNode($('arena-prompt'), user);
    ['A', 'B'].forEach(function (s) {
      var slot = document.querySelector('#pane-' + s + ' .slot');
      slot.replaceChildren();
      document.querySelector('#pane-' + s + ' h2').textContent = 'Answer ' + s;
      A.views[s] = new Answer(slot, { role: 'assistant', content: '', label: 'Competitor ' + s, streaming: true });
    });
    var body = { model: S.models.length ? S.models[0].id : 'default', messages: [{ role: 'user', content: user.content }] };
    await runStream('/api/arena', body, function (data) {
      if (data === '[DONE]') return false;
      var ev;
      try { ev = JSON.parse(data); } catch (e) { return; }
      if (ev.object === 'janus.arena.start') A.prompt = ev.prompt_id;
      var v = A.views[ev.slot];
      if (!v) return;
      if (ev.object === 'janus.arena.chunk' && ev.chunk && typeof ev.chunk === 'object') v.chunk(ev.chunk);
      if (ev.object === 'janus.arena.done') {
        if (ev.error) v.msg.error = ev.error.message;
        v.msg.streaming = false;
        v.paint();
      }
    }, null, null, function (resp) { A.prompt = resp.headers.get('X-Janus-Prompt-Id') || A.prompt; });
    ['A', 'B'].forEach(function (s) { A.views[s].msg.streaming = false; A.views[s].paint(); });
    if (A.prompt) { $('votes').hidden = false; setVoteButtons(true); }
  }

  function setVoteButtons(on) {
    document.querySelectorAll('#votes button').forEach(function (b) { b.disabled = !on; });
  }

  async function vote(winner) {
    if (!A.prompt || A.voted) return;
    setVoteButtons(false);
    try {
      var v = await api('POST', '/api/vote', { prompt_id: A.prompt, winner: winner });
      A.voted = true;
      document.querySelector('#pane-A h2').textContent = 'A: ' + v.competitor_a;
      document.querySelector('#pane-B h2').textContent = 'B: ' + v.competitor_b;
      var said = { A: 'A (' + v.competitor_a + ') won', B: 'B (' + v.competitor_b + ') won', tie: 'a tie', both_bad: 'both bad' }[v.winner] || v.winner;
      $('reveal').textContent = 'Thanks! Your vote — ' + said + ' — is recorded. A was ' + v.competitor_a + ', B was ' + v.competitor_b + '.';
      $('reveal').className = 'ok';
      $('votes').hidden = true;
    } catch (e) {
      $('reveal').textContent = VOTE_MESSAGES[e.code] || e.message;
      $('reveal').className = 'error';
      setVoteButtons(!(e.code === 'already_voted' || e.code === 'prompt_not_found'));
    }
  }

  // ---------- wiring ----------
  async function submit(ev) {
    if (ev) ev.preventDefault();
    if (S.busy) return;
    var user = takeInput();
    if (!user) return;
    if (MODE === 'arena') await sendArena(user); else await sendChat(user);
  }

  function init() {
    $('composer').addEventListener('submit', submit);
    $('stop').addEventListener('click', stop);
    $('input').addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && S.busy) { e.preventDefault(); stop(); } });
    $('attach').addEventListener('click', function () { $('file').click(); });
    $('file').addEventListener('change', function () { Array.prototype.forEach.call(this.files, addImage); this.value = ''; });
    $('input').addEventListener('input', function () {
      this.style.height = 'auto';
      this.style.height = Math.min(this.scrollHeight + 2, 200) + 'px';
    });
    $('input').addEventListener('paste', function (e) {
      var items = (e.clipboardData && e.clipboardData.items) || [];
      Array.prototype.forEach.call(items, function (it) { if (it.kind === 'file' && /^image\//.test(it.type)) { e.preventDefault(); addImage(it.getAsFile()); } });
    });
    $('new-chat').addEventListener('click', newChat);
    $('menu').addEventListener('click', function () {
      var open = document.body.classList.toggle('menu-open');
      this.setAttribute('aria-expanded', String(open));
    });
    document.querySelectorAll('#votes button').forEach(function (b) { b.addEventListener('click', function () { vote(b.dataset.winner); }); });
    if (MODE === 'arena') { $('thread').hidden = true; $('arena').hidden = false; }
    loadModels();
    loadConversations();
    drawThread();
    document.body.dataset.ready = '1';
    $('input').focus();
  }

  window.janusChat = { renderMarkdown: renderMarkdown };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
