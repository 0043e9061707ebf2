// A school leader builds a staffing plan for the demo school from its stored staff, sees the
// teams, the coverage heat-map, the hiring profiles and the budget next to the traditional
// plan, edits an assignment into an unready one and sees the validator flag it at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startBrowser, signIn, watch, SHOTS } from './harness.mjs';

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

test('a leader builds a plan, makes an unready assignment and the check flags it', async () => {
  const leader = server.accounts['School leader'];
  assert.ok(leader, `the demo printed a school leader account: ${JSON.stringify(server.accounts)}`);
  const context = await chrome.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, leader, server.password);

  // From the school overview to the staffing page, then build a plan.
  await Promise.all([page.waitForNavigation(), page.click('#staffing-link')]);
  assert.match(new URL(page.url()).pathname, /^\/schools\/\d+\/staffing$/);
  await Promise.all([page.waitForNavigation(), page.click('#build-plan')]);
  assert.match(page.url(), /\?plan=\d+/);

  // The proposed teams with their coverage heat-maps, the gaps and the budget side by side.
  const maps = await page.locator('table.heatmap').count();
  assert.ok(maps >= 2, `one heat-map per core team (${maps})`);
  assert.ok(await page.locator('#heatmap-0 td.holds').count() > 0, 'holders are marked');
  assert.ok(await page.locator('#hiring tbody tr').count() > 0, 'hiring profiles are listed');
  const budgetHeads = await page.locator('#budget thead th').allTextContents();
  assert.deepEqual(budgetHeads.slice(1), ['Team-based plan', 'Traditional: one teacher per classroom']);
  const before = await page.locator('#violations li').count();
  assert.equal(await page.locator('#violations li:has-text("Holder not ready")').count(), 0, 'the designer placed no one unready');
  await page.screenshot({ path: join(SHOTS, 'staffing-plan.png'), fullPage: false });

  // Pick, in the first team's heat-map, a responsibility and a member who is not ready for it.
  const pick = await page.evaluate(() => {
    const table = document.querySelector('#heatmap-0');
    const heads = [...table.querySelectorAll('thead th[data-educator]')];
    for (const row of table.querySelectorAll('tbody tr')) {
      const cells = [...row.querySelectorAll('td')].slice(1, 1 + heads.length);
      const i = cells.findIndex((c) => c.classList.contains('cell-no'));
      if (i >= 0) return { responsibility: row.dataset.responsibility, educator: heads[i].dataset.educator, name: heads[i].textContent };
    }
    return null;
  });
  assert.ok(pick, 'some member is not ready for some responsibility');
  const row = page.locator(`#heatmap-0 tr[data-responsibility="${pick.responsibility}"]`);
  await row.locator('select[name=holder]').selectOption(pick.educator);
  await row.locator('select[name=coach]').selectOption('');
  await Promise.all([page.waitForNavigation(), row.locator('button[type=submit]').click()]);

  // The validator re-checked: the new holder is flagged, and the heat-map shows the change.
  const flagged = page.locator('#violations li:has-text("Holder not ready")');
  assert.equal(await flagged.count(), 1, 'the unready holder is flagged');
  assert.match(await flagged.textContent(), new RegExp(pick.name));
  assert.ok(await page.locator('#violations li').count() >= before + 1);
  const edited = page.locator(`#heatmap-0 tr[data-responsibility="${pick.responsibility}"] td.cell-no.holds`);
  assert.equal(await edited.count(), 1, 'the edited cell is marked as held by someone not ready');
  await page.locator('#heatmap-0').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'staffing-flagged.png'), fullPage: false });
  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  await context.close();
});
