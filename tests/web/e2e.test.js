// End-to-end test of the ketnoi web page in headless Chromium, driven by
// playwright-core. Started by run_e2e.sh against `ketnoi serve --demo` on
// loopback; reads BASE_URL, KEY_STAFF, KEY_PLANNER, KEY_SUPPLIER (bound to
// S001), KEY_ADMIN, SHOT_DIR and CHROMIUM from the environment.
//
// Each step prints "ok - ..." or throws; any failure exits 1 with the step.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error('environment variable ' + name + ' is not set');
  return v;
};
const BASE = env('BASE_URL');
const KEYS = { staff: env('KEY_STAFF'), planner: env('KEY_PLANNER'), supplier: env('KEY_SUPPLIER'), admin: env('KEY_ADMIN') };
const SHOTS = env('SHOT_DIR');
const VIEWPORTS = { desktop: { width: 1366, height: 768 }, phone: { width: 375, height: 667 } };
const TIMEOUT = 20000;

let step = 'start';
function ok(what) { console.log('ok - ' + what); }
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

// A direct API call (Node's fetch), for setting up and verifying.
async function api(key, method, p, body) {
  const headers = {};
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: res.status, type: res.headers.get('content-type') || '', text, json };
}

async function shoot(page, name) {
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    const file = path.join(SHOTS, name + '-' + size.width + 'x' + size.height + '.png');
    await page.screenshot({ path: file });
    // On a phone the page scrolls: the whole of it too.
    if (label === 'phone') await page.screenshot({ path: file.replace('.png', '-full.png'), fullPage: true });
    // Usable at this size: nothing wider than the viewport but the map picture.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, name + ' at ' + size.width + 'px: page is ' + overflow + 'px wider than the viewport');
    ok('screenshot ' + file);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

// A page that signs in with `key` through the login form.
async function signIn(context, key) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => { console.error('page error: ' + e.message); pageErrors.push(e.message); });
  await page.goto(BASE + '/');
  await page.waitForSelector('#login-key', { state: 'visible' });
  await page.fill('#login-key', key);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#tabs:not([hidden])');
  return page;
}
const pageErrors = [];

async function testStatic() {
  step = 'static files';
  const index = await api('', 'GET', '/');
  check(index.status === 200 && index.type.startsWith('text/html'), 'GET / is HTML without a key: ' + index.status);
  for (const [file, type] of [['app.js', 'text/javascript'], ['i18n.js', 'text/javascript'], ['planner.js', 'text/javascript'], ['style.css', 'text/css']]) {
    const r = await api('', 'GET', '/static/' + file);
    check(r.status === 200 && r.type.startsWith(type), file + ' served as ' + type + ', got ' + r.status + ' ' + r.type);
  }
  for (const p of ['/static/..%2F..%2FCMakeLists.txt', '/static/%2e%2e%2fREADME.md', '/static/.gitignore', '/static/x.exe']) {
    const r = await api('', 'GET', p);
    check(r.status === 404 || r.status === 400, p + ' refused, got ' + r.status);
  }
  ok('page and assets served without a key; traversal refused');
}

async function testStaff(context) {
  step = 'staff: bad key shows the error in words';
  const probe = await context.newPage();
  probe.setDefaultTimeout(TIMEOUT);
  await probe.goto(BASE + '/');
  await probe.setViewportSize(VIEWPORTS.desktop);
  await shoot(probe, 'login');
  await probe.fill('#login-key', 'kn_0000000000000000_' + '0'.repeat(64));
  await probe.click('#login-form button[type=submit]');
  await probe.waitForSelector('#error:not([hidden])');
  const words = await probe.textContent('#error-text');
  check(/401/.test(words) && /unauthenticated/.test(words), 'error banner names the 401: ' + words);
  ok('a wrong key is refused with words: ' + words.trim());
  await probe.close();

  step = 'staff: facility search without diacritics';
  const page = await signIn(context, KEYS.staff);
  await page.waitForSelector('#view-staff:not([hidden])');
  await page.waitForSelector('#facility-results button.item');
  await page.fill('#facility-query', 'tan cuong');
  const hit = page.locator('#facility-results button[data-facility="F001"]');
  await hit.waitFor();
  check((await hit.textContent()).includes('HTX Chè Tân Cương Xanh'), 'result is HTX Chè Tân Cương Xanh');
  const shown = await page.locator('#facility-results button.item').count();
  ok('"tan cuong" finds HTX Chè Tân Cương Xanh (' + shown + ' result(s))');
  await hit.click();

  step = 'staff: matches for N001';
  await page.waitForSelector('#matches-N001 article.match');
  const ids = await page.$$eval('#matches-N001 article.match', (els) => els.map((e) => e.dataset.candidate));
  const top3 = ids.slice(0, 3);
  check(top3.includes('S001') || top3.includes('S002'), 'S001 or S002 in the top 3 for N001, got ' + ids.join(','));
  ok('N001 ranked: ' + ids.join(', '));
  const expected = top3.includes('S001') ? 'S001' : 'S002';
  const card = page.locator('#matches-N001 article.match[data-candidate="' + expected + '"]');
  const reason = (await card.locator('.reason').textContent()).trim();
  check(reason.length > 10, 'one-line reason shown: ' + reason);
  const bars = await card.locator('.feature').count();
  check(bars >= 2, 'feature bars shown: ' + bars);
  const meta = await card.locator('.meta').textContent();
  check(/km|phục vụ/.test(meta), 'province and distance shown: ' + meta);
  ok(expected + ': "' + reason + '", ' + bars + ' feature bars, ' + meta.trim());
  await shoot(page, 'staff');

  step = 'staff: accept and verify through the API';
  await card.locator('button[data-action="accepted"]').click();
  await card.locator('.verdict[data-verdict="accepted"]').waitFor().catch(() => {});
  await page.waitForSelector('#matches-N001 article.match.verdict-accepted[data-candidate="' + expected + '"]');
  const fb = await api(KEYS.staff, 'GET', '/v1/feedback?need=N001');
  check(fb.status === 200, 'GET /v1/feedback?need=N001: ' + fb.status + ' ' + fb.text);
  const stored = fb.json.feedback.find((x) => x.candidate === expected);
  check(stored && stored.verdict === 'accepted', 'feedback stored as accepted: ' + fb.text);
  ok('accepted ' + expected + ' for N001; the API has ' + JSON.stringify(stored));

  step = 'staff: reject with a reason';
  const other = ids.find((x) => x !== expected);
  const card2 = page.locator('#matches-N001 article.match[data-candidate="' + other + '"]');
  await card2.locator('button[data-action="rejected"]').click();
  await card2.locator('.reject-reason').fill('Không phục vụ được công suất này');
  await card2.locator('button[data-action="reject-send"]').click();
  await page.waitForSelector('#matches-N001 article.match.verdict-rejected[data-candidate="' + other + '"]');
  const fb2 = await api(KEYS.staff, 'GET', '/v1/feedback?need=N001');
  const rej = fb2.json.feedback.find((x) => x.candidate === other);
  check(rej && rej.verdict === 'rejected' && rej.reason === 'Không phục vụ được công suất này', 'rejection stored: ' + fb2.text);
  ok('rejected ' + other + ' with its reason');

  step = 'staff: shortlist exported as CSV';
  await page.locator('#matches-N001 article.match').nth(2).locator('button[data-action="shortlisted"]').click();
  await page.waitForFunction(() => document.querySelectorAll('#shortlist li[data-key]').length >= 2);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csvPath = path.join(SHOTS, 'shortlist.csv');
  await download.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, 'utf8');
  check(csv.startsWith('\ufeffneed,facility,facility_name,candidate'), 'CSV header: ' + csv.slice(0, 60));
  check(csv.includes('N001,F001,HTX Chè Tân Cương Xanh,' + expected), 'CSV has the accepted candidate');
  check(!csv.includes(',' + other + ','), 'CSV leaves out the rejected candidate');
  ok('shortlist CSV (' + csv.trim().split('\n').length + ' lines) saved to ' + csvPath);

  step = 'staff: need typed on the spot';
  await page.fill('#adhoc-text', 'can may say che bang tai 300 kg che tuoi/gio');
  await page.click('#adhoc-form button[type=submit]');
  await page.waitForSelector('#adhoc-results article.match');
  const adhoc = await page.$$eval('#adhoc-results article.match', (els) => els.map((e) => e.dataset.candidate));
  check(adhoc.length > 0, 'ad-hoc search answers');
  ok('typed need answers ' + adhoc.slice(0, 5).join(', '));

  step = 'staff: English toggle';
  await page.click('#lang-toggle');
  check((await page.textContent('#tabs .tab[data-view="staff"]')).trim() === 'Centre staff', 'tab in English');
  const list = await api(KEYS.staff, 'GET', '/v1/needs/N001/matches?k=10');
  const en = list.json.matches.find((m) => m.id === expected).reason.en;
  const shownEn = (await page.locator('#matches-N001 article.match[data-candidate="' + expected + '"] .reason').textContent()).trim();
  check(shownEn === en, 'reason in English: ' + shownEn + ' vs ' + en);
  ok('English: ' + shownEn);
  await shoot(page, 'staff-en');
  await page.click('#lang-toggle');
  check((await page.getAttribute('html', 'lang')) === 'vi', 'back to Vietnamese');
  await page.close();
}

async function testPlanner(context) {
  step = 'planner: tea chain map in Thái Nguyên';
  const page = await signIn(context, KEYS.planner);
  await page.waitForSelector('#view-planner:not([hidden])');
  check((await page.inputValue('#chain-select')) === 'tea', 'tea chosen');
  check((await page.inputValue('#province-select')) === 'Thái Nguyên', 'Thái Nguyên chosen');
  await page.waitForSelector('#chain-svg svg g.node');
  const svgText = await page.textContent('#chain-svg svg');
  check(svgText.includes('GAP'), 'the map picture marks a gap');
  await page.waitForSelector('#gaps-list li.gap');
  const gaps = await page.$$eval('#gaps-list li.gap', (els) => els.map((e) => e.dataset.stage + ' ' + e.querySelector('.badge').textContent));
  ok('gaps marked: ' + gaps.join('; '));
  const gapStages = await page.locator('#stage-list .stage.gap').count();
  check(gapStages === gaps.length, 'stage list marks the same gaps');
  await page.waitForSelector('#hubs-list li');

  step = 'planner: click an actor for upstream and downstream';
  // A facility of the map (its node's tooltip is its id).
  const titles = await page.$$eval('#chain-svg svg g.node a', (els) => els.map((e) => e.getAttribute('xlink:title')));
  const index = Math.max(0, titles.findIndex((x) => /^F/.test(x)));
  const actor = page.locator('#chain-svg svg g.node a').nth(index);
  const actorId = titles[index];
  await actor.click();
  await page.waitForSelector('#neighbours-panel:not([hidden]) h3');
  await page.waitForFunction(() => !document.querySelector('#neighbours-panel').textContent.includes('…'));
  const title = await page.textContent('#neighbours-panel h3');
  check(title.includes(actorId), 'neighbours of ' + actorId + ': ' + title);
  const up = await api(KEYS.planner, 'GET', '/v1/graph/entities/' + actorId + '/neighbours?direction=upstream');
  const upShown = await page.$$eval('#neighbours-panel ul[data-direction="upstream"] [data-actor]', (els) => els.map((e) => e.dataset.actor));
  const upApi = up.json.entities.filter((e) => e.kind !== 'stage').map((e) => e.id);
  check(JSON.stringify(upShown) === JSON.stringify(upApi), 'upstream shown ' + upShown + ' = API ' + upApi);
  ok('clicked ' + actorId + ': ' + title.trim() + ' (upstream ' + (upShown.join(', ') || 'none') + ')');
  await shoot(page, 'planner');
  await page.close();
}

async function testSupplier(context) {
  step = 'supplier: own leads only';
  const page = await signIn(context, KEYS.supplier);
  await page.waitForSelector('#view-supplier:not([hidden])');
  check(await page.locator('#tabs .tab[data-view="staff"]').isHidden(), 'no staff tab for a supplier key');
  check((await page.inputValue('#leads-entity')) === 'S001', 'entity from the key');
  await page.waitForSelector('#leads-list li.lead');
  const shown = await page.$$eval('#leads-list li.lead', (els) => els.map((e) => e.dataset.need));
  const own = await api(KEYS.supplier, 'GET', '/v1/suppliers/S001/leads?k=200');
  check(own.status === 200, 'own leads: ' + own.status);
  check(JSON.stringify(shown) === JSON.stringify(own.json.leads.map((l) => l.need)), 'page shows exactly S001\'s leads, newest first');
  const seqs = own.json.leads.map((l) => l.seq);
  check(seqs.every((s, i) => i === 0 || seqs[i - 1] >= s), 'newest first');
  const newCount = await page.locator('#leads-list li.lead.new').count();
  check(newCount === shown.length, 'first visit: every lead is new');
  ok('S001 sees its ' + shown.length + ' leads, all new on the first visit');
  await shoot(page, 'supplier');

  step = 'supplier: new since the last visit';
  await page.reload();
  await page.waitForSelector('#leads-list li.lead');
  check((await page.locator('#leads-list li.lead.new').count()) === 0, 'nothing new on the second visit');
  const facility = {
    id: 'F9001', name: 'HTX Chè Hoàng Nông', province: 'Thái Nguyên', sector: '1076', products: 'Chè xanh',
    employees: 12, needs: [{ id: 'N9001', kind: 'equipment',
      text: 'Cần máy vò chè 6CR-55 và máy sấy chè băng tải 300 kg chè tươi/giờ đốt củi', budget_vnd: 450000000 }],
  };
  const created = await api(KEYS.staff, 'POST', '/v1/facilities', facility);
  check(created.status === 201, 'facility created: ' + created.status + ' ' + created.text);
  await page.reload();
  await page.waitForSelector('#leads-list li.lead');
  const fresh = await page.$$eval('#leads-list li.lead.new', (els) => els.map((e) => e.dataset.need));
  check(fresh.length === 1 && fresh[0] === 'N9001', 'only the new need is marked new: ' + fresh);
  const first = await page.getAttribute('#leads-list li.lead:first-child', 'data-need');
  check(first === 'N9001', 'newest first: ' + first);
  ok('after a new need appears, only N9001 is marked new: ' + (await page.textContent('#leads-summary')));

  step = 'supplier: another supplier\'s leads are refused';
  const other = await api(KEYS.supplier, 'GET', '/v1/suppliers/S002/leads');
  check(other.status === 403, 'API refuses S002 leads to S001: ' + other.status);
  await page.fill('#leads-entity', 'S002');
  await page.click('#leads-form button[type=submit]');
  await page.waitForSelector('#error:not([hidden])');
  const words = await page.textContent('#error-text');
  check(/403/.test(words) && /permission_denied/.test(words), 'the page says why: ' + words);
  check((await page.locator('#leads-list li.lead').count()) === 0, 'no leads of S002 shown');
  ok('S002 refused (403) and said in words: ' + words.trim());
  await page.screenshot({ path: path.join(SHOTS, 'supplier-refused-1366x768.png') });
  await page.close();
}

(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (/^failure-.*\.png$/.test(f)) fs.rmSync(path.join(SHOTS, f));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ketnoi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: VIEWPORTS.desktop,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let failed = false;
  try {
    await testStatic();
    await testStaff(context);
    await testPlanner(context);
    await testSupplier(context);
    check(pageErrors.length === 0, 'no script errors in the page: ' + pageErrors.join('; '));
    ok('all browser checks passed');
  } catch (err) {
    failed = true;
    console.error('not ok - ' + step + ': ' + (err && err.stack ? err.stack : err));
    for (const p of context.pages()) {
      await p.screenshot({ path: path.join(SHOTS, 'failure-' + Date.now() + '.png') }).catch(() => {});
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
})();
