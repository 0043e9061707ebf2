// Micro-credentials as their users meet them: every credential the demo issued verifies in the
// independent verifier (Digital Bazaar's libraries, offline) and a copy with one changed
// character does not; a novice sends evidence (a typo in a link first), their school leader
// scores it against the rubric (returning without feedback and accepting with a criterion
// short are refused with a sentence), accepts it, and the novice's page shows the signed
// credential, which verifies too; a volunteer finds the submission missing; the novice's page
// shows their pathway and the leader's chart counts the district's educators year by year; the
// novice's team page shows the team's goals with their progress, and they set one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startBrowser, signIn, watch, audit, SHOTS } from './harness.mjs';
import { verify } from '../verifier.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

/** One character changed inside the credential's name: the smallest tampering. */
function tampered(c) {
  const copy = structuredClone(c);
  const n = copy.name;
  copy.name = n.slice(0, -1) + (n.endsWith('s') ? 't' : 's');
  return copy;
}

test('every credential the demo issued verifies, and a changed copy does not', async () => {
  const token = server.token(server.accounts['System (district) leader']);
  const api = async (path) => {
    const r = await fetch(`${server.base}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, path);
    return r.json();
  };
  const subs = await api('/submissions');
  const earners = [...new Set(subs.filter((s) => s.status === 'accepted').map((s) => s.educator_id))];
  assert.ok(earners.length >= 3, `the demo has earned credentials (${earners.length} educators)`);
  assert.ok(subs.some((s) => s.status === 'submitted'), 'and evidence waiting for review');
  assert.ok(subs.some((s) => s.status === 'returned'), 'and evidence returned with feedback');
  let checked = 0;
  for (const id of earners) {
    for (const c of await api(`/educators/${id}/credentials`)) {
      const good = await verify(c);
      assert.equal(good.verified, true, `${c.name}: ${good.error}`);
      assert.match(c.issuer.id, /^did:key:z6Mk/);
      const bad = await verify(tampered(c));
      assert.equal(bad.verified, false, `a changed copy of ${c.name} must fail`);
      checked += 1;
    }
  }
  assert.equal(checked, subs.filter((s) => s.status === 'accepted').length, 'one credential per accepted submission');
});

test('a novice sends evidence, the leader scores and accepts it, the credential verifies', async () => {
  const novice = server.accounts['Core-team member'];
  const leader = server.accounts['School leader'];
  const volunteer = server.accounts['Volunteer'];

  // The novice: the catalog, their credentials, and evidence for family partnership.
  const nctx = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const np = await nctx.newPage();
  const nproblems = watch(np, { refusals: [422] });
  await signIn(np, server.base, novice, server.password);
  await Promise.all([np.waitForNavigation(), np.click('nav >> text=Credentials')]);
  assert.equal(new URL(np.url()).pathname, '/credentials');
  assert.ok(await np.locator('section[id^="mc-"]').count() >= 7, 'the catalog');
  assert.doesNotMatch(await np.content(), /data_meeting_lead|family_partnership_3|micro_credential/, 'no codes on the page');
  await audit(np, nproblems);
  await np.screenshot({ path: join(SHOTS, 'credentials-educator.png'), fullPage: true });
  const family = np.locator('section[id^="mc-"]', { hasText: 'Partnering with families' });
  await family.locator('summary', { hasText: 'Submit evidence' }).click();
  await family.locator('textarea[name=evidence]').fill('I reached every family in their language in September, planned goals with two families at conferences, and followed up each agreement.');
  await family.locator('textarea[name=links]').fill('www.example.org/family-log');
  await Promise.all([np.waitForNavigation(), family.locator('button[type=submit]').click()]);
  assert.match(await np.locator('#form-error').textContent(), /is not a web address .*Nothing was saved/);
  const again = np.locator('section[id^="mc-"]', { hasText: 'Partnering with families' });
  await again.locator('summary', { hasText: 'Submit evidence' }).click();
  await again.locator('textarea[name=evidence]').fill('I reached every family in their language in September, planned goals with two families at conferences, and followed up each agreement.');
  await again.locator('textarea[name=links]').fill('https://drive.example.org/family-log');
  // A double click sends it once: the second click finds the button disabled.
  await Promise.all([np.waitForNavigation(), again.locator('button[type=submit]').dblclick()]);
  assert.match(await np.locator('#msg').textContent(), /Your evidence for “Partnering with families” is sent/);
  assert.equal(await np.locator('#mine li', { hasText: 'Partnering with families' }).count(), 1, 'sent once');
  assert.match(await np.locator('section[id^="mc-"]', { hasText: 'Partnering with families' }).textContent(), /Waiting for review/);
  const submissionUrl = await np.locator('#mine li a', { hasText: 'Partnering with families' }).getAttribute('href');

  // The leader: the queue, the rubric, two wrong turns, then acceptance.
  const lctx = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const lp = await lctx.newPage();
  const lproblems = watch(lp, { refusals: [422] });
  await signIn(lp, server.base, leader, server.password);
  await lp.goto(`${server.base}/credentials`);
  await Promise.all([lp.waitForNavigation(), lp.click('#to-review a')]);
  assert.equal(new URL(lp.url()).pathname, '/credentials/review');
  await audit(lp, lproblems);
  await Promise.all([lp.waitForNavigation(), lp.click(`#waiting a[href="${submissionUrl}"]`)]);
  assert.match(await lp.locator('#evidence').textContent(), /reached every family/);
  await audit(lp, lproblems);
  await lp.screenshot({ path: join(SHOTS, 'credentials-assess.png'), fullPage: true });
  const score = async (values) => {
    for (const [i, v] of values.entries()) await lp.check(`input[name=score_${i}][value="${v}"]`);
  };
  await score([3, 3, 3]);
  await Promise.all([lp.waitForNavigation(), lp.click('#return')]);
  assert.match(await lp.locator('#form-error').textContent(), /needs feedback/);
  await score([3, 2, 3]);
  await Promise.all([lp.waitForNavigation(), lp.click('#accept')]);
  assert.match(await lp.locator('#form-error').textContent(), /Two-way \(developing\) fall short of proficient/);
  await score([4, 3, 3]);
  await Promise.all([lp.waitForNavigation(), lp.click('#accept')]);
  assert.match(await lp.locator('#msg').textContent(), /has earned “Partnering with families”, and their family communication now stands at proficient/);
  assert.equal(await lp.locator('#decide-form').count(), 0, 'decided: no form any more');
  assert.equal(await lp.locator('#status').textContent(), 'Earned');

  // The novice's page shows it; the downloaded file verifies.
  await np.goto(`${server.base}/`);
  await np.goto(`${server.base}/credentials`);
  const link = np.locator('#earned li', { hasText: 'Partnering with families' }).locator('a');
  const href = await link.getAttribute('href');
  const educatorPage = href.replace(/\/credentials\/\d+$/, '');
  await np.goto(`${server.base}${educatorPage}`);
  assert.ok(await np.locator('#credentials li', { hasText: 'Partnering with families' }).count() === 1, 'on their page');
  await audit(np, nproblems);
  const file = await np.request.get(`${server.base}${href}`);
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-disposition'], /attachment; filename="credential-\d+\.json"/);
  const credential = await file.json();
  assert.equal((await verify(credential)).verified, true);
  assert.equal((await verify(tampered(credential))).verified, false);

  // A volunteer finds the submission missing, as a missing one.
  const vctx = await chrome.browser.newContext();
  const vp = await vctx.newPage();
  const vproblems = watch(vp, { expected404: [submissionUrl, '/submissions/999999'] });
  await signIn(vp, server.base, volunteer, server.password);
  const seen = await vp.goto(`${server.base}${submissionUrl}`);
  const missing = await vp.goto(`${server.base}/submissions/999999`);
  assert.equal(seen.status(), 404);
  assert.equal(missing.status(), 404);

  // The novice's page shows where they stand; the leader's pathways chart counts the district.
  await np.goto(`${server.base}${educatorPage}`);
  assert.equal(await np.locator('#pathways ol.ladder li.here').textContent(), 'Certified teacher');
  assert.match(await np.locator('#pathways').textContent(), /Next: Teacher-leader, usually after 36 months/);
  await np.locator('#pathways').screenshot({ path: join(SHOTS, 'pathway-educator.png') });
  await Promise.all([lp.waitForNavigation(), lp.click('nav >> text=Pathways')]);
  assert.equal(new URL(lp.url()).pathname, '/pathways');
  assert.ok(await lp.locator('svg.chart rect').count() >= 8, 'stacked bars for the ladder');
  assert.match(await lp.locator('tr.moved').textContent(), /Moved up a step that year/);
  await audit(lp, lproblems);
  await lp.screenshot({ path: join(SHOTS, 'pathways-district.png'), fullPage: true });

  // The novice's team page: the team's goals with their progress, and a new one set.
  const me = await (await fetch(`${server.base}/api/v1/me`, { headers: { authorization: `Bearer ${server.token(novice)}` } })).json();
  await np.goto(`${server.base}/teams/${me.core_team_ids[0]}`);
  assert.ok(await np.locator('#goals svg.goal-chart polyline').count() >= 1, 'a progress line per goal');
  assert.match(await np.locator('#goals .goal-status').first().textContent(), /Now \d+ % of the students/);
  await np.locator('#goals summary', { hasText: 'Set a goal' }).click();
  await np.selectOption('#goal-form select[name=skill]', 'science.ecosystems');
  await np.fill('#goal-form input[name=percent]', '60');
  await np.fill('#goal-form input[name=by]', '2027-06-01');
  await Promise.all([np.waitForNavigation(), np.click('#goal-form button[type=submit]')]);
  assert.match(await np.locator('.flash.good').textContent(), /The team's goal is set: 60 % of the team's students at mastery 3 \(proficient\) on Ecosystems/);
  await audit(np, nproblems);
  await np.locator('#goals').screenshot({ path: join(SHOTS, 'team-goals.png') });

  assert.deepEqual([...nproblems, ...lproblems, ...vproblems], []);
  await nctx.close();
  await lctx.close();
  await vctx.close();
});
