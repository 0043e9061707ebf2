// A core-team lead opens the grouping board for their team, proposes groups from the demo's
// formative data, moves students into a full group and sees the checker's warning, publishes,
// and a team member sees the new groups on their own view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startBrowser, signIn, watch, audit, SHOTS } from './harness.mjs';

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
  assert.ok(skills.includes('Fractions (Math)'), `the skills are named in words: ${skills}`);
  await page.selectOption('#focus', 'math.fractions');
  await page.selectOption('#strategy', 'need');
  await page.selectOption('#slot', { label: 'Tuesday · Block 2' });
  await audit(page, problems);
  // A double click sends the form once: the button is disabled and the status shows.
  const token = server.token(lead);
  const count = async () => (await (await fetch(`${server.base}/api/v1/teams/${team}/groupings`, { headers: { Authorization: `Bearer ${token}` } })).json()).length;
  const before = await count();
  await Promise.all([page.waitForNavigation(), page.dblclick('#propose')]);
  assert.match(page.url(), /\?g=\d+/);
  assert.equal(await count(), before + 1, 'one proposal for a double click');
  const groups = await page.locator('.group-grid section.group-card[data-group]').count();
  assert.ok(groups >= 3, `groups were formed (${groups})`);
  assert.ok(await page.locator('svg.mastery rect').count() > 10, 'each group has its mastery chart');
  assert.equal(await page.locator('#warnings li.warn').count(), 0, 'the engine proposes a valid grouping');
  // Every teacher of the team leads a group; no group is empty; each student has a reason.
  const teachers = await page.evaluate(async (t) => {
    const r = await fetch(`/teams/${t}`);
    const html = new DOMParser().parseFromString(await r.text(), 'text/html');
    return [...html.querySelectorAll('#members tbody tr')]
      .filter((tr) => /Teacher-leader|Experienced|Novice/.test(tr.textContent))
      .map((tr) => tr.querySelector('a').textContent);
  }, team);
  const leaders = await page.locator('section.group-card[data-group] p.muted:first-of-type').allTextContents();
  for (const t of teachers) assert.ok(leaders.some((l) => l.startsWith(t)), `${t} leads a group: ${leaders}`);
  for (const n of await page.locator('section.group-card[data-group]').evaluateAll((cards) => cards.map((c) => c.querySelectorAll('tr[data-student]').length))) {
    assert.ok(n > 0, 'no empty group is shown');
  }
  const reasons = await page.locator('tr[data-student] .why').allTextContents();
  assert.equal(reasons.length, await page.locator('tr[data-student]').count(), 'every student has an explanation');
  assert.ok(reasons.every((r) => /mastery|no data yet/.test(r)), 'each explanation starts from the data');
  await audit(page, problems);
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

  // Publish: the page asks first, naming the team; "Cancel" publishes nothing.
  const teamName = (await page.locator('h1 a').textContent()).trim();
  await page.click('#publish');
  const dialog = page.locator('#confirm-dialog');
  assert.ok(await dialog.isVisible(), 'a confirmation is asked');
  assert.equal(await page.locator('#confirm-question').textContent(), `Publish these groups to ${teamName}?`);
  assert.equal(await page.locator('#confirm-yes').textContent(), `Publish to ${teamName}`);
  await audit(page, problems);
  await page.click('#confirm-no');
  assert.ok(!(await dialog.isVisible()));
  assert.equal(await page.locator('#publish').count(), 1, 'still a draft');
  await page.click('#publish');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-yes')]);
  assert.match(await page.locator('#msg').textContent(), /Published/);
  assert.equal(await page.locator('#publish').count(), 0, 'published');
  await context.close();

  // A member sees the groups on the board, and in the team's week on Tuesday's Block 2.
  const other = await chrome.browser.newContext();
  const mpage = await other.newPage();
  const memberProblems = watch(mpage);
  await signIn(mpage, server.base, member, server.password);
  await mpage.goto(`${server.base}/teams/${team}`);
  const cell = await mpage.evaluate(() => {
    const table = document.querySelector('#schedule');
    const day = [...table.querySelectorAll('thead th')].findIndex((th) => th.textContent === 'Tuesday');
    const row = [...table.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('th').textContent.startsWith('Block 2'));
    return row.children[day].textContent;
  });
  assert.match(cell, /^Groups/, `the week shows the groups on Tuesday, Block 2: ${cell}`);
  await audit(mpage, memberProblems);
  await mpage.goto(`${server.base}${board}`);
  const published = mpage.locator('#published');
  assert.ok(await published.locator('section.group-card').count() >= 2, 'the member sees the published groups');
  const card = published.locator('section.group-card', { has: mpage.locator(`li[data-student="${moved}"]`) });
  assert.match(await card.locator('h3').textContent(), new RegExp(target.name.split(' (')[0]));
  assert.ok(await mpage.locator('#history tbody tr').count() > 10, 'each student has a group history');
  assert.ok(await mpage.locator('#cycles-chart rect').count() >= 2, 'the chart shows the published cycle\'s groups');
  await mpage.screenshot({ path: join(SHOTS, 'grouping-member.png'), fullPage: false });
  await audit(mpage, memberProblems);
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.deepEqual(memberProblems, [], memberProblems.join('\n'));
  await other.close();
});
