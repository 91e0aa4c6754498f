// ketnoi web page: staff (facility search, matches, feedback, shortlist),
// suppliers (their leads) and planners (chain map, gaps, hubs, neighbours).
// Plain JavaScript over the HTTP API (docs/api.md); every request carries
// the key kept in sessionStorage; every API error is shown in words.
// Words and reference tables come from i18n.js (loaded first); the planner
// view is web/planner.js (loaded after), which uses the helpers exported
// here as window.KN.
'use strict';

(function () {
  const store = {
    get(k, fallback) {
      try { const v = localStorage.getItem(k); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
    },
    set(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode: keep in memory */ } },
  };

  const state = {
    lang: store.get('ketnoi.lang', 'vi') === 'en' ? 'en' : 'vi',
    key: sessionStorage.getItem('ketnoi.key') || '',
    who: null,
    view: '',
    facilities: null,      // every facility record, loaded once
    facility: null,        // the facility shown
    needKind: {},          // need id -> 'supplier' | 'expert' chosen
    matches: {},           // need id -> match list JSON, or {error}
    verdicts: {},          // need id -> {candidate id -> verdict}
    adhoc: null,           // the last POST /v1/search answer
    shortlist: store.get('ketnoi.shortlist', []),
    leads: null,           // {entity, leads, fresh:Set of seq, first}
    planner: { loaded: false, map: null, gaps: null, hubs: null, names: new Map(), focus: null, zoom: 0.8 },
  };

  // ---- small helpers ----
  const $ = (sel, root) => (root || document).querySelector(sel);

  function t(key, vars) {
    let s = KN_STRINGS[state.lang][key];
    if (s === undefined) s = KN_STRINGS.vi[key] !== undefined ? KN_STRINGS.vi[key] : key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  // Builds an element; strings become text nodes (never HTML).
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function provinceName(id) {
    const p = KN_PROVINCES.find((x) => x[0] === id);
    if (!p) return id || '';
    return state.lang === 'en' ? p[2] : p[1];
  }

  function fmtNumber(x, digits) {
    return Number(x).toLocaleString(state.lang === 'en' ? 'en-GB' : 'vi-VN', {
      maximumFractionDigits: digits, minimumFractionDigits: digits,
    });
  }

  function reasonText(r) {
    if (!r) return '';
    return (state.lang === 'en' ? r.en : r.vi) || r.vi || r.en || '';
  }

  // ---- API ----
  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function api(method, path, body) {
    const headers = {};
    if (state.key) headers.Authorization = 'Bearer ' + state.key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'network', t('error_network') + ' (' + e.message + ')');
    }
    const text = await res.text();
    if (!res.ok) {
      let code = 'http_' + res.status;
      let message = text || res.statusText;
      try {
        const j = JSON.parse(text);
        if (j && j.error) { code = j.error.code || code; message = j.error.message || message; }
      } catch (e) { /* not JSON: keep the text */ }
      throw new ApiError(res.status, code, message);
    }
    const type = res.headers.get('Content-Type') || '';
    return type.includes('json') && text ? JSON.parse(text) : text;
  }

  function errorWords(err) {
    if (err instanceof ApiError) {
      return t('error_prefix') + (err.status ? ' ' + err.status : '') + ' (' + err.code + '): ' + err.message;
    }
    return t('error_prefix') + ': ' + (err && err.message ? err.message : String(err));
  }

  function showError(err) {
    console.error(err);
    $('#error-text').textContent = errorWords(err);
    $('#error').hidden = false;
  }

  function clearError() { $('#error').hidden = true; $('#error-text').textContent = ''; }

  // Runs an async action; its error goes to the banner.
  function run(fn) { return Promise.resolve().then(fn).catch(showError); }

  // ---- language ----
  function applyLanguage() {
    document.documentElement.lang = state.lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
    $('#lang-toggle').lang = state.lang === 'vi' ? 'en' : 'vi';
    renderWho();
    fillSelects();
    if (state.facilities) renderFacilityResults();
    if (state.facility) renderFacility();
    if (state.adhoc) renderAdhoc();
    renderShortlist();
    if (state.leads) renderLeads();
    if (state.planner.loaded) KN.planner.render();
  }

  function renderWho() {
    const w = state.who;
    if (!w) { $('#who').textContent = ''; return; }
    const vars = { id: w.key_id, role: t('role_' + w.role), entity: w.entity };
    $('#who').textContent = t(w.entity ? 'who_entity' : 'who', vars);
  }

  // ---- session and views ----
  const VIEWS_BY_ROLE = {
    admin: ['staff', 'supplier', 'planner'],
    staff: ['staff', 'planner', 'supplier'],
    planner: ['planner'],
    supplier: ['supplier'],
  };

  async function startSession() {
    if (!state.key) { showLogin(); return; }
    try {
      state.who = await api('GET', '/v1/whoami');
    } catch (err) {
      if (err.status === 401) { sessionStorage.removeItem('ketnoi.key'); state.key = ''; }
      showLogin();
      showError(err);
      return;
    }
    $('#login').hidden = true;
    $('#logout').hidden = false;
    const views = VIEWS_BY_ROLE[state.who.role] || ['staff'];
    for (const b of document.querySelectorAll('#tabs .tab')) b.hidden = !views.includes(b.dataset.view);
    $('#tabs').hidden = false;
    renderWho();
    const wanted = location.hash.slice(1);
    showView(views.includes(wanted) ? wanted : views[0]);
  }

  function showLogin() {
    $('#tabs').hidden = true;
    $('#logout').hidden = true;
    for (const v of document.querySelectorAll('.view')) v.hidden = true;
    $('#login').hidden = false;
    $('#login-key').focus();
  }

  function showView(name) {
    state.view = name;
    if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
    for (const b of document.querySelectorAll('#tabs .tab')) b.classList.toggle('active', b.dataset.view === name);
    if (name === 'staff' && !state.facilities) run(loadFacilities);
    if (name === 'supplier' && !state.leads) {
      const entity = (state.who && state.who.entity) || store.get('ketnoi.leads.entity', '');
      $('#leads-entity').value = entity;
      if (entity) run(() => loadLeads(entity));
    }
    if (name === 'planner' && !state.planner.loaded) run(KN.planner.load);
  }

  // ---- staff: facilities ----
  async function loadFacilities() {
    $('#facility-count').textContent = t('loading');
    const all = [];
    let cursor = '';
    do {
      const page = await api('GET', '/v1/facilities?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    for (const f of all) f._fold = knFold([f.name, f.id, f.province, f.products].join(' '));
    all.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    state.facilities = all;
    renderFacilityResults();
  }

  function renderFacilityResults() {
    const words = knFold($('#facility-query').value).split(' ').filter(Boolean);
    const hits = state.facilities.filter((f) => words.every((w) => f._fold.includes(w)));
    $('#facility-count').textContent = t('facilities_loaded', { n: state.facilities.length });
    const ul = $('#facility-results');
    ul.replaceChildren();
    if (!hits.length) ul.append(h('li', { class: 'muted', text: t('no_facility') }));
    for (const f of hits.slice(0, 50)) {
      ul.append(h('li', {},
        h('button', { type: 'button', class: 'item' + (state.facility && state.facility.id === f.id ? ' active' : ''),
          'data-facility': f.id, onclick: () => run(() => openFacility(f)) },
        h('span', { class: 'name', text: f.name }),
        h('span', { class: 'muted small', text: [f.id, f.province, f.sector].filter(Boolean).join(' · ') }))));
    }
  }

  async function openFacility(f) {
    clearError();
    state.facility = f;
    renderFacilityResults();
    renderFacility();
    $('#facility-detail').scrollIntoView({ block: 'start', behavior: 'smooth' });
    await Promise.all((f.needs || []).map((n) => loadMatches(n)));
  }

  function defaultKind(need) { return need.kind === 'expert' ? 'expert' : 'supplier'; }

  async function loadMatches(need) {
    const kind = state.needKind[need.id] || defaultKind(need);
    delete state.matches[need.id];
    renderNeedMatches(need);
    const q = '/v1/needs/' + encodeURIComponent(need.id);
    try {
      const [list, fb] = await Promise.all([
        api('GET', q + '/matches?k=10&kind=' + kind),
        api('GET', '/v1/feedback?need=' + encodeURIComponent(need.id)),
      ]);
      state.matches[need.id] = list;
      const v = {};
      for (const x of fb.feedback || []) v[x.candidate] = x.verdict;
      state.verdicts[need.id] = v;
    } catch (err) {
      state.matches[need.id] = { error: errorWords(err) };
      showError(err);
    }
    renderNeedMatches(need);
  }

  function renderFacility() {
    const f = state.facility;
    const box = $('#facility-detail');
    box.replaceChildren(
      h('h2', { text: f.name }),
      h('p', { class: 'muted' }, [f.id, f.province, f.sector, f.products,
        f.employees ? t('employees', { n: f.employees }) : ''].filter(Boolean).join(' · ')));
    for (const need of f.needs || []) {
      const kind = state.needKind[need.id] || defaultKind(need);
      const select = h('select', { 'data-need-kind': need.id, onchange: (e) => {
        state.needKind[need.id] = e.target.value; run(() => loadMatches(need));
      } }, h('option', { value: 'supplier', text: t('kind_supplier') }), h('option', { value: 'expert', text: t('kind_expert') }));
      select.value = kind;
      box.append(h('section', { class: 'need', 'data-need': need.id },
        h('h3', {}, t('need') + ' ' + need.id + ' · ' + t('need_kind_' + need.kind)),
        h('p', { class: 'need-text', text: need.text }),
        need.budget_vnd ? h('p', { class: 'small' }, t('budget') + ': ' + fmtNumber(need.budget_vnd, 0) + ' đ') : null,
        h('label', { class: 'small' }, t('show_kind') + ' ', select),
        h('div', { class: 'matches', id: 'matches-' + need.id })));
      renderNeedMatches(need);
    }
  }

  function renderNeedMatches(need) {
    const box = document.getElementById('matches-' + need.id);
    if (!box) return;
    const list = state.matches[need.id];
    box.replaceChildren();
    if (!list) { box.append(h('p', { class: 'muted', text: t('loading') })); return; }
    if (list.error) { box.append(h('p', { class: 'error-inline', text: list.error })); return; }
    if (!list.matches.length) { box.append(h('p', { class: 'muted', text: t('no_matches') })); return; }
    const scale = maxContribution(list.matches);
    list.matches.forEach((m, i) => box.append(matchCard(m, i + 1, scale, need, list.kind)));
  }

  function maxContribution(matches) {
    let m = 0;
    for (const x of matches) for (const v of Object.values(x.features || {})) m = Math.max(m, Math.abs(v));
    return m || 1;
  }

  function featureBars(features, scale) {
    const box = h('div', { class: 'features' });
    for (const [name, value] of Object.entries(features || {})) {
      if (Math.abs(value) < 1e-9) continue;
      const label = KN_FEATURES[name] ? KN_FEATURES[name][state.lang] : name;
      const fill = h('span', { class: 'fill' + (value < 0 ? ' negative' : '') });
      fill.style.width = Math.min(100, (Math.abs(value) / scale) * 100).toFixed(1) + '%';
      box.append(h('div', { class: 'feature', 'data-feature': name },
        h('span', { class: 'fname', text: label }),
        h('span', { class: 'bar' }, fill),
        h('span', { class: 'fval', text: (value >= 0 ? '+' : '') + value.toFixed(3) })));
    }
    return box;
  }

  // One ranked candidate. `need` is null for a need typed on the spot.
  function matchCard(m, rank, scale, need, kind) {
    const verdict = need ? (state.verdicts[need.id] || {})[m.id] : undefined;
    const meta = [provinceName(m.province_id)];
    if (m.distance_km !== undefined) meta.push(t('km', { n: fmtNumber(m.distance_km, 0) }));
    if (m.serves_province) meta.push(t('serves_here'));
    const card = h('article', { class: 'match' + (verdict ? ' verdict-' + verdict : ''), 'data-candidate': m.id,
      'data-need': need ? need.id : '' },
      h('header', {},
        h('span', { class: 'rank', text: String(rank) }),
        h('span', { class: 'cand' }, h('strong', { text: m.name || m.id }), ' ', h('code', { text: m.id })),
        h('span', { class: 'score', title: t('score'), text: fmtNumber(m.score, 3) })),
      h('p', { class: 'reason', text: reasonText(m.reason) }),
      h('p', { class: 'meta small', text: meta.filter(Boolean).join(' · ') }),
      m.capacity ? h('p', { class: 'small' }, t('capacity') + ': ' + m.capacity) : null,
      m.price ? h('p', { class: 'small' }, t('price') + ': ' + m.price) : null,
      m.chain_path ? h('p', { class: 'chain-path small' }, t('chain_path') + ': ', h('code', { text: m.chain_path })) : null,
      featureBars(m.features, scale));
    const entry = shortlistEntry(m, need, kind);
    const actions = h('div', { class: 'actions' });
    if (need) {
      for (const [verb, label] of [['shortlisted', 'act_shortlist'], ['contacted', 'act_contacted'], ['accepted', 'act_accept']]) {
        actions.append(h('button', { type: 'button', 'data-action': verb, class: verb === 'accepted' ? 'primary' : '',
          onclick: () => run(() => sendFeedback(need, m, entry, verb, '')) }, t(label)));
      }
      const reason = h('input', { type: 'text', class: 'reject-reason', placeholder: t('reject_reason') });
      const form = h('form', { class: 'reject-form', hidden: true, onsubmit: (e) => {
        e.preventDefault();
        if (!reason.value.trim()) { showError(new Error(t('reject_need_reason'))); return; }
        run(() => sendFeedback(need, m, entry, 'rejected', reason.value.trim()));
      } }, reason, h('button', { type: 'submit', 'data-action': 'reject-send', text: t('reject_send') }));
      actions.append(h('button', { type: 'button', 'data-action': 'rejected', class: 'danger',
        onclick: () => { form.hidden = !form.hidden; if (!form.hidden) reason.focus(); } }, t('act_reject')));
      card.append(actions, form);
      card.append(h('p', { class: 'verdict small', 'data-verdict': verdict || '' },
        verdict ? t('verdict') + ': ' + t('verdict_' + verdict) : ''));
    } else {
      actions.append(h('button', { type: 'button', 'data-action': 'add',
        onclick: () => { upsertShortlist(entry); } }, t('act_add')));
      card.append(actions);
    }
    return card;
  }

  async function sendFeedback(need, m, entry, verdict, reason) {
    clearError();
    const body = { need: need.id, candidate: m.id, verdict };
    if (reason) body.reason = reason;
    const saved = await api('POST', '/v1/feedback', body);
    (state.verdicts[need.id] = state.verdicts[need.id] || {})[m.id] = saved.verdict || verdict;
    if (verdict === 'rejected') removeShortlist(entry.key);
    else upsertShortlist(Object.assign({}, entry, { verdict }));
    renderNeedMatches(need);
  }

  // ---- staff: need typed on the spot ----
  async function searchAdhoc() {
    clearError();
    const body = { text: $('#adhoc-text').value.trim(), kind: $('#adhoc-kind').value, k: 10 };
    const province = $('#adhoc-province').value;
    if (province) body.province = province;
    const budget = $('#adhoc-budget').value;
    if (budget) body.budget_vnd = Math.round(Number(budget));
    state.adhoc = { request: body, list: null };
    renderAdhoc();
    try {
      state.adhoc.list = await api('POST', '/v1/search', body);
    } catch (err) {
      state.adhoc.error = errorWords(err);
      throw err;
    } finally {
      renderAdhoc();
    }
  }

  function renderAdhoc() {
    const box = $('#adhoc-results');
    box.hidden = false;
    const a = state.adhoc;
    const close = h('button', { type: 'button', class: 'link close', onclick: () => { state.adhoc = null; box.hidden = true; } }, t('close'));
    box.replaceChildren(h('div', { class: 'panel-head' }, h('h2', { text: t('adhoc_results') }), close),
      h('p', { class: 'need-text', text: a.request.text }), h('p', { class: 'muted small', text: t('adhoc_note') }));
    if (a.error) { box.append(h('p', { class: 'error-inline', text: a.error })); return; }
    if (!a.list) { box.append(h('p', { class: 'muted', text: t('loading') })); return; }
    if (!a.list.matches.length) { box.append(h('p', { class: 'muted', text: t('no_matches') })); return; }
    const scale = maxContribution(a.list.matches);
    a.list.matches.forEach((m, i) => box.append(matchCard(m, i + 1, scale, null, a.list.kind)));
  }

  // ---- staff: shortlist and CSV ----
  function shortlistEntry(m, need, kind) {
    const f = state.facility;
    return {
      key: (need ? need.id : 'search') + '|' + m.id,
      need: need ? need.id : '',
      need_text: need ? need.text : (state.adhoc ? state.adhoc.request.text : ''),
      facility: need && f ? f.id : '', facility_name: need && f ? f.name : '',
      candidate: m.id, name: m.name || '', kind: kind || '',
      score: m.score, province: m.province_id || '',
      distance_km: m.distance_km === undefined ? '' : Math.round(m.distance_km),
      reason_vi: (m.reason && m.reason.vi) || '', reason_en: (m.reason && m.reason.en) || '',
      verdict: '',
    };
  }

  function upsertShortlist(entry) {
    const i = state.shortlist.findIndex((x) => x.key === entry.key);
    if (i >= 0) state.shortlist[i] = entry; else state.shortlist.push(entry);
    store.set('ketnoi.shortlist', state.shortlist);
    renderShortlist();
  }

  function removeShortlist(key) {
    state.shortlist = state.shortlist.filter((x) => x.key !== key);
    store.set('ketnoi.shortlist', state.shortlist);
    renderShortlist();
  }

  function renderShortlist() {
    const ul = $('#shortlist');
    ul.replaceChildren();
    $('#shortlist-count').textContent = String(state.shortlist.length);
    if (!state.shortlist.length) ul.append(h('li', { class: 'muted', text: t('shortlist_empty') }));
    for (const x of state.shortlist) {
      ul.append(h('li', { 'data-key': x.key },
        h('span', {}, h('strong', { text: x.name || x.candidate }), ' ', h('code', { text: x.candidate }),
          h('br'), h('span', { class: 'muted small',
            text: [x.need, x.facility_name, x.verdict ? t('verdict_' + x.verdict) : ''].filter(Boolean).join(' · ') })),
        h('button', { type: 'button', class: 'link', onclick: () => removeShortlist(x.key) }, t('remove'))));
    }
    $('#export-csv').disabled = !state.shortlist.length;
  }

  function csvCell(v) {
    let s = v === undefined || v === null ? '' : String(v);
    // A text cell starting with = + - @ would be a formula in a spreadsheet.
    if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function exportCsv() {
    const cols = ['need', 'facility', 'facility_name', 'candidate', 'name', 'kind', 'score', 'province',
      'distance_km', 'verdict', 'reason'];
    const lines = [cols.join(',')];
    for (const x of state.shortlist) {
      const row = Object.assign({}, x, { province: provinceName(x.province),
        reason: state.lang === 'en' ? x.reason_en : x.reason_vi });
      lines.push(cols.map((c) => csvCell(row[c])).join(','));
    }
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const a = h('a', { href: URL.createObjectURL(blob),
      download: 'ketnoi-shortlist-' + new Date().toISOString().slice(0, 10) + '.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // ---- suppliers: leads ----
  async function loadLeads(entity) {
    clearError();
    state.leads = null;
    $('#leads-list').replaceChildren();
    $('#leads-summary').textContent = t('loading');
    // Ids of experts start with E in the dataset; both paths serve leads.
    const base = /^E/i.test(entity) ? '/v1/experts/' : '/v1/suppliers/';
    const cursorKey = 'ketnoi.leads.cursor.' + entity;
    const last = store.get(cursorKey, null);
    let res;
    try {
      res = await api('GET', base + encodeURIComponent(entity) + '/leads?k=200');
    } catch (err) {
      $('#leads-summary').textContent = errorWords(err);
      throw err;
    }
    const fresh = new Set(res.leads.filter((l) => last === null || l.seq > Number(last)).map((l) => l.seq));
    state.leads = { entity, leads: res.leads, fresh, first: last === null };
    store.set('ketnoi.leads.entity', entity);
    // This visit is now the last one: the next visit shows what comes after.
    store.set(cursorKey, res.cursor);
    renderLeads();
  }

  function renderLeads() {
    const L = state.leads;
    const ul = $('#leads-list');
    ul.replaceChildren();
    $('#leads-summary').textContent = !L.leads.length ? t('leads_none')
      : L.first ? t('leads_first', { n: L.leads.length })
      : t('leads_summary', { n: L.leads.length, m: L.fresh.size });
    for (const l of L.leads) {
      const isNew = L.fresh.has(l.seq);
      ul.append(h('li', { class: 'lead' + (isNew ? ' new' : ''), 'data-need': l.need, 'data-seq': String(l.seq) },
        h('header', {},
          isNew ? h('span', { class: 'badge new', text: t('new_badge') }) : null,
          h('strong', { text: l.facility_name || l.facility }), ' ', h('code', { text: l.facility }),
          h('span', { class: 'score', text: fmtNumber(l.score, 3) })),
        h('p', { class: 'muted small', text: [t('need') + ' ' + l.need, provinceName(l.province_id)].join(' · ') }),
        h('p', { class: 'need-text', text: l.text }),
        h('p', { class: 'reason', text: reasonText(l.reason) })));
    }
  }

  // ---- selects: chains, provinces ----
  function fillSelects() {
    const chain = $('#chain-select');
    const chosen = chain.value || 'tea';
    chain.replaceChildren(...KN_CHAINS.map((c) => h('option', { value: c.id, text: c[state.lang] })));
    chain.value = chosen;
    for (const [sel, fallback, emptyLabel] of [['#province-select', 'Thái Nguyên', null],
      ['#adhoc-province', '', 'province_optional']]) {
      const s = $(sel);
      const value = s.value || fallback;
      const opts = KN_PROVINCES.map((p) => h('option', { value: p[1], text: state.lang === 'en' ? p[2] : p[1] }));
      if (emptyLabel) opts.unshift(h('option', { value: '', text: t(emptyLabel) }));
      s.replaceChildren(...opts);
      s.value = value;
    }
  }

  // ---- wiring ----
  function init() {
    applyLanguage();
    $('#lang-toggle').addEventListener('click', () => {
      state.lang = state.lang === 'vi' ? 'en' : 'vi';
      store.set('ketnoi.lang', state.lang);
      applyLanguage();
    });
    $('#error-close').addEventListener('click', clearError);
    $('#login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      clearError();
      state.key = $('#login-key').value.trim();
      $('#login-key').value = '';
      sessionStorage.setItem('ketnoi.key', state.key);
      run(startSession);
    });
    $('#logout').addEventListener('click', () => {
      sessionStorage.removeItem('ketnoi.key');
      location.hash = '';
      location.reload();
    });
    for (const b of document.querySelectorAll('#tabs .tab')) b.addEventListener('click', () => showView(b.dataset.view));
    window.addEventListener('hashchange', () => {
      const v = location.hash.slice(1);
      if (state.who && (VIEWS_BY_ROLE[state.who.role] || []).includes(v) && v !== state.view) showView(v);
    });
    $('#facility-query').addEventListener('input', () => { if (state.facilities) renderFacilityResults(); });
    $('#adhoc-form').addEventListener('submit', (e) => { e.preventDefault(); run(searchAdhoc); });
    $('#export-csv').addEventListener('click', exportCsv);
    $('#leads-form').addEventListener('submit', (e) => {
      e.preventDefault();
      run(() => loadLeads($('#leads-entity').value.trim()));
    });
    KN.planner.init();
    run(startSession);
  }

  // Shared with web/planner.js.
  const KN = window.KN = {
    state, $, t, h, provinceName, fmtNumber, reasonText, api, errorWords, showError, clearError, run,
    planner: null,  // set by planner.js
  };

  document.addEventListener('DOMContentLoaded', init);
}());
