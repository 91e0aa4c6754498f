// ketnoi web page, planner view: a chain and a province give the chain map
// picture (Graphviz SVG, clickable actors), the map's stages and actors,
// gaps with candidates, hubs, and an actor's upstream and downstream.
// Uses the helpers app.js exports as window.KN (app.js is loaded first).
'use strict';

(function () {
  const { state, $, t, h, provinceName, fmtNumber, reasonText, api, errorWords, showError, clearError, run } = window.KN;

  async function loadChain() {
    clearError();
    const chain = $('#chain-select').value;
    const province = $('#province-select').value;
    const q = '/v1/chains/' + encodeURIComponent(chain);
    const p = 'province=' + encodeURIComponent(province);
    const P = state.planner;
    Object.assign(P, { loaded: true, chain, province, svg: null, map: null, gaps: null, hubs: null, focus: null, errors: [] });
    $('#chain-svg').replaceChildren(h('p', { class: 'muted', text: t('loading') }));
    const [svg, map, gaps, hubs] = await Promise.allSettled([
      api('GET', q + '/map?format=svg&' + p),
      api('GET', q + '/map?format=json&' + p),
      api('GET', q + '/gaps?per_gap=5&' + p),
      api('GET', '/v1/graph/hubs?top=10&chain=' + encodeURIComponent(chain) + '&' + p),
    ]);
    const take = (r) => (r.status === 'fulfilled' ? r.value : (P.errors.push(errorWords(r.reason)), null));
    P.svg = take(svg); P.map = take(map); P.gaps = take(gaps); P.hubs = take(hubs);
    P.names = new Map();
    const name = (x) => { if (x && x.id && x.name) P.names.set(x.id, x.name); };
    for (const s of (P.map && P.map.stages) || []) [...s.facilities, ...s.suppliers, ...s.experts].forEach(name);
    for (const g of (P.gaps && P.gaps.gaps) || []) [...g.candidates, ...g.enablers].forEach(name);
    for (const x of (P.hubs && P.hubs.by_degree) || []) name(x);
    renderPlanner();
    if (P.errors.length) showError(new Error(P.errors.join(' — ')));
  }

  function actorButton(id, label) {
    return h('button', { type: 'button', class: 'chip', 'data-actor': id, onclick: () => run(() => showNeighbours(id)) },
      label || state.planner.names.get(id) || id);
  }

  function renderPlanner() {
    const P = state.planner;
    renderSvg(P.svg);
    const gl = $('#gaps-list');
    gl.replaceChildren();
    const gaps = (P.gaps && P.gaps.gaps) || [];
    if (P.gaps && !gaps.length) gl.append(h('li', { class: 'muted', text: t('gaps_none') }));
    for (const g of gaps) {
      const cand = (list) => h('ul', { class: 'sub' }, list.map((c) => h('li', {}, actorButton(c.id, c.name || c.id),
        ' ', h('span', { class: 'muted small', text: [provinceName(c.province),
          c.distance_km ? t('km', { n: fmtNumber(c.distance_km, 0) }) : ''].filter(Boolean).join(' · ') }))));
      gl.append(h('li', { class: 'gap gap-' + g.kind, 'data-stage': g.stage },
        h('strong', { text: reasonText(g.name) }), ' ',
        h('span', { class: 'badge ' + g.kind, text: t(g.kind === 'missing' ? 'gap_missing' : 'gap_single') }),
        g.candidates.length ? [h('p', { class: 'small', text: t('candidates') }), cand(g.candidates)] : null,
        g.enablers.length ? [h('p', { class: 'small', text: t('enablers') }), cand(g.enablers)] : null));
    }
    const hl = $('#hubs-list');
    hl.replaceChildren();
    const hubs = (P.hubs && P.hubs.by_degree) || [];
    if (P.hubs && !hubs.length) hl.append(h('li', { class: 'muted', text: t('hubs_none') }));
    for (const x of hubs) {
      hl.append(h('li', {}, actorButton(x.id, x.name || x.id), ' ',
        h('span', { class: 'muted small', text: x.degree + ' ' + t('degree') })));
    }
    const sl = $('#stage-list');
    sl.replaceChildren();
    for (const s of (P.map && P.map.stages) || []) {
      const actors = [...s.facilities, ...s.suppliers, ...s.experts];
      sl.append(h('div', { class: 'stage' + (s.gap !== 'none' ? ' gap gap-' + s.gap : ''), 'data-stage': s.id },
        h('h4', {}, reasonText(s.name), ' ',
          s.gap !== 'none' ? h('span', { class: 'badge ' + s.gap, text: t(s.gap === 'missing' ? 'gap_missing' : 'gap_single') }) : null),
        h('div', { class: 'chips' }, actors.length ? actors.map((a) => actorButton(a.id, a.name || a.id))
          : h('span', { class: 'muted small', text: t('actors_none') }))));
    }
    if (P.focus) renderNeighbours();
  }

  // Puts the Graphviz SVG in the page (parsed as XML; scripts, event
  // attributes and links dropped), so its actor nodes can be clicked.
  function renderSvg(text) {
    const wrap = $('#chain-svg');
    wrap.replaceChildren();
    if (!text) return;
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = doc.documentElement;
    if (svg.nodeName !== 'svg' || doc.querySelector('parsererror')) {
      wrap.append(h('p', { class: 'error-inline', text: t('error_prefix') + ': SVG' }));
      return;
    }
    for (const s of svg.querySelectorAll('script, foreignObject')) s.remove();
    for (const e of svg.querySelectorAll('*')) {
      for (const a of [...e.attributes]) if (/^on|href$/i.test(a.name)) e.removeAttribute(a.name);
    }
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('role', 'img');
    wrap.append(document.importNode(svg, true));
    applyZoom();
  }

  // The map at its natural size times the zoom (Graphviz units are points),
  // or fitted to the panel's width.
  function applyZoom() {
    const svg = $('#chain-svg svg');
    if (!svg) return;
    const P = state.planner;
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const natural = vb && vb.width ? vb.width * 4 / 3 : 0;
    if (P.zoom === 'fit' || !natural) svg.style.width = '100%';
    else svg.style.width = Math.round(natural * P.zoom) + 'px';
  }

  function zoom(how) {
    const P = state.planner;
    const cur = P.zoom === 'fit' ? 1 : P.zoom;
    P.zoom = how === 'fit' ? 'fit' : how === 'one' ? 1
      : Math.min(3, Math.max(0.25, how === 'in' ? cur * 1.25 : cur / 1.25));
    applyZoom();
  }

  function actorFromSvg(target) {
    const node = target.closest && target.closest('g.node');
    if (!node) return null;
    const a = node.querySelector('a');
    if (!a) return null;
    const id = a.getAttribute('xlink:title') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'title') || a.getAttribute('title');
    return id && /^[A-Za-z0-9._-]+$/.test(id) ? id : null;
  }

  async function showNeighbours(id) {
    clearError();
    const P = state.planner;
    P.focus = { id, up: null, down: null };
    renderNeighbours();
    const path = '/v1/graph/entities/' + encodeURIComponent(id) + '/neighbours?depth=1&direction=';
    const [up, down] = await Promise.all([api('GET', path + 'upstream'), api('GET', path + 'downstream')]);
    if (P.focus && P.focus.id === id) { P.focus.up = up; P.focus.down = down; renderNeighbours(); }
  }

  function renderNeighbours() {
    const P = state.planner;
    const f = P.focus;
    const box = $('#neighbours-panel');
    box.hidden = false;
    const label = (P.names.get(f.id) ? P.names.get(f.id) + ' ' : '') + '(' + f.id + ')';
    box.replaceChildren(h('h3', { text: t('neighbours_of', { name: label }) }));
    for (const [key, res] of [['upstream', f.up], ['downstream', f.down]]) {
      box.append(h('h4', { text: t(key) }));
      if (!res) { box.append(h('p', { class: 'muted', text: t('loading') })); continue; }
      const ents = res.entities.filter((e) => e.kind !== 'stage');
      if (!ents.length) { box.append(h('p', { class: 'muted small', text: t('neighbours_none') })); continue; }
      box.append(h('ul', { class: 'list compact', 'data-direction': key }, ents.map((e) =>
        h('li', {}, actorButton(e.id), ' ', h('span', { class: 'muted small',
          text: [e.via, t('kind_' + e.kind) !== 'kind_' + e.kind ? t('kind_' + e.kind) : e.kind].join(' · ') })))));
    }
  }

  function init() {
    $('#chain-form').addEventListener('submit', (e) => { e.preventDefault(); run(loadChain); });
    for (const b of document.querySelectorAll('[data-zoom]')) b.addEventListener('click', () => zoom(b.dataset.zoom));
    $('#chain-svg').addEventListener('click', (e) => {
      const id = actorFromSvg(e.target);
      if (id) { e.preventDefault(); run(() => showNeighbours(id)); }
    });
  }

  window.KN.planner = { init, load: loadChain, render: renderPlanner };
}());
