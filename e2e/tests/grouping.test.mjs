// A core-team lead opens the grouping board for their team, proposes groups from the demo's
// formative data, moves students into a full group and sees the checker's warning, publishes,
// and a team member sees the new groups on their own view.
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

test('a team proposes groups, overfills one and is warned, publishes, and a member sees them', async () => {
  const lead = server.accounts['Core-team lead'];
  const member = server.accounts['Core-team member'];
  assert.ok(lead && member, `the demo printed the team accounts: ${JSON.stringify(server.accounts)}`);
  const context = await chrome.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, lead, server.password);

  // From the lead's team page to its grouping board.
  const me = await fetch(`${server.base}/api/v1/me`, { headers: { Authorization: `Bearer ${server.token(lead)}` } });
  const team = (await me.json()).core_team_ids[0];
  await page.goto(`${server.base}/teams/${team}`);
  await Promise.all([page.waitForNavigation(), page.click('#grouping-link')]);
  const board = new URL(page.url()).pathname;
  assert.match(board, /^\/teams\/\d+\/grouping$/);
  const skills = await page.locator('#focus option').allTextContents();
  assert.ok(skills.includes('math.fractions'), `the demo's formative data offers skills: ${skills}`);
  await page.selectOption('#focus', 'math.fractions');
  await page.selectOption('#strategy', 'need');
  await Promise.all([page.waitForNavigation(), page.click('#propose')]);
  assert.match(page.url(), /\?g=\d+/);
  const groups = await page.locator('.group-grid section.group-card[data-group]').count();
  assert.ok(groups >= 2, `groups were formed (${groups})`);
  assert.ok(await page.locator('svg.mastery rect').count() > 10, 'each group has its mastery chart');
  assert.equal(await page.locator('#warnings li.warn').count(), 0, 'the engine proposes a valid grouping');
  await page.screenshot({ path: join(SHOTS, 'grouping-proposed.png'), fullPage: false });

  // Fill the group with the least room, then move one more student in: the checker warns.
  const target = await page.evaluate(() => {
    let best = null;
    for (const card of document.querySelectorAll('section.group-card[data-group]')) {
      const seats = Number((card.querySelector('p.muted').textContent.match(/\((\d+) seats\)/) || [])[1]);
      const n = card.querySelectorAll('tr[data-student]').length;
      if (seats && (!best || seats - n < best.room)) best = { name: card.dataset.group, room: seats - n };
    }
    return best;
  });
  assert.ok(target, 'a group with a space');
  let moved = '';
  for (let i = 0; i <= target.room; i++) {
    const row = page.locator(`section.group-card:not([data-group="${target.name}"]) tr[data-student]`).first();
    moved = await row.getAttribute('data-student');
    await row.locator('select[name=to]').selectOption(target.name);
    await Promise.all([page.waitForNavigation(), row.locator('button[type=submit]').click()]);
  }
  const warning = page.locator('#warnings li.warn:has-text("Over the space")');
  assert.equal(await warning.count(), 1, 'the over-full group is flagged at once');
  assert.match(await warning.textContent(), new RegExp(target.name.replace(/[()]/g, '\\$&')));
  await page.screenshot({ path: join(SHOTS, 'grouping-warned.png'), fullPage: false });

  // Publish, then a team member sees the new groups, the moved student in the target group.
  await Promise.all([page.waitForNavigation(), page.click('#publish')]);
  await context.close();
  const other = await chrome.browser.newContext();
  const mpage = await other.newPage();
  await signIn(mpage, server.base, member, server.password);
  await mpage.goto(`${server.base}${board}`);
  const published = mpage.locator('#published');
  assert.ok(await published.locator('section.group-card').count() >= 2, 'the member sees the published groups');
  const card = published.locator('section.group-card', { has: mpage.locator(`li[data-student="${moved}"]`) });
  assert.match(await card.locator('h3').textContent(), new RegExp(target.name.split(' (')[0]));
  assert.ok(await mpage.locator('#history tbody tr').count() > 10, 'each student has a group history');
  assert.ok(await mpage.locator('#cycles-chart rect').count() >= 2, 'the chart shows the published cycle\'s groups');
  await mpage.screenshot({ path: join(SHOTS, 'grouping-member.png'), fullPage: false });
  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  await other.close();
});
