// The school's generated week, as its users meet it: a leader reviews the published schedule
// by team, educator, space and student, builds a new draft and publishes it; a core-team lead
// records a teammate's absence, reads the re-plan beside the substitute-only baseline and
// approves it; the absent member finds their calendar link and the feed answers.
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

test('a leader reviews the week, builds a draft and publishes it', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page, { refusals: [422] });
  await signIn(page, server.base, server.accounts['School leader'], server.password);
  await Promise.all([page.waitForNavigation(), page.click('header.top nav a:text-is("Schedule")')]);
  assert.match(await page.locator('#versions').textContent(), /Published/);
  assert.match(await page.locator('#findings').textContent(), /every rule met/);
  assert.match(await page.locator('#summary').textContent(), /plans at/);
  assert.ok(await page.locator('table.schedule td.slot-plan').count() >= 5, 'planning shows every day');
  assert.doesNotMatch(await page.content(), /team_block|pull_out|special_education|null/, 'no codes on the page');
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'schedule-team.png'), fullPage: false });
  for (const view of ['educator', 'space', 'student']) {
    await page.selectOption('#view', view);
    await Promise.all([page.waitForNavigation(), page.click('#show')]);
    assert.equal(await page.locator(`#grid-${view}`).count(), 1, view);
    await audit(page, problems);
  }
  // A typo in the school's settings is refused naming the field, and what was typed stays.
  await page.click('#settings summary');
  await page.fill('#time-zone', 'America/Phonix');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').textContent(), /Time zone: “America\/Phonix” is not a time zone/);
  assert.equal(await page.locator('#time-zone').inputValue(), 'America/Phonix');
  await audit(page, problems);
  await page.fill('#time-zone', 'America/Phoenix');
  await page.fill('#planning-minutes', '50');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#msg').textContent(), /50 minutes of team planning a day/);
  // A new draft, then published after the question.
  await Promise.all([page.waitForNavigation(), page.click('#build-schedule')]);
  assert.match(await page.locator('#msg').textContent(), /every rule is met/);
  await page.click('#publish');
  assert.ok(await page.locator('#confirm-dialog').isVisible(), 'publishing asks first');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-yes')]);
  assert.match(await page.locator('#msg').textContent(), /Published the schedule/);
  assert.match(await page.locator('#versions').textContent(), /Replaced by a later version/);
  await audit(page, problems);
  await context.close();
});

test('a lead records a teammate\'s absence, approves the re-plan, and the calendar follows', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, server.accounts['Core-team lead'], server.password);
  await Promise.all([page.waitForNavigation(), page.click('header.top nav a:text-is("Absences")')]);
  assert.ok(await page.locator('#absences tbody tr').count() >= 0);
  await audit(page, problems);
  // The lead may record for their team: the teammate is in the list.
  const options = await page.locator('#absence-educator option').allTextContents();
  assert.ok(options.length >= 2, `the lead and their teammates: ${options}`);
  const mate = options.find((o) => o.startsWith('Luis Brown'));
  assert.ok(mate, `Luis Brown is on the lead's team: ${options}`);
  await page.selectOption('#absence-educator', { label: mate });
  await page.fill('#absence-date', '2026-12-10');
  await page.selectOption('#absence-reason', 'illness');
  await Promise.all([page.waitForNavigation(), page.click('#record-absence')]);
  assert.match(await page.locator('#msg').textContent(), /re-planned the day inside the team/);
  assert.match(await page.locator('#findings').textContent(), /keeps every rule/);
  const heads = await page.locator('#figures thead th').allTextContents();
  assert.deepEqual(heads.slice(1), ['This re-plan', 'A substitute taking every session as it stands']);
  assert.ok(await page.locator('#changes tbody tr').count() > 0, 'the sessions that change');
  assert.doesNotMatch(await page.locator('main').textContent(), /Illness/, 'the reason is for leaders only');
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'absence-replan.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#approve')]);
  assert.match(await page.locator('#absence-status').textContent(), /Re-plan approved by/);
  await audit(page, problems);
  await context.close();

  // The absent teammate makes a calendar link on their own page; the feed answers.
  const member = await chrome.browser.newContext({ viewport: { width: 390, height: 844 } });
  const p2 = await member.newPage();
  const problems2 = watch(p2);
  await signIn(p2, server.base, server.accounts['Core-team member'], server.password);
  const token = server.token(server.accounts['Core-team member']);
  const me = await (await fetch(`${server.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  await p2.goto(`${server.base}/educators/${me.educator_id}`);
  assert.match(await p2.locator('#week-source').textContent(), /published schedule/);
  assert.doesNotMatch(await p2.title(), /[<>{]/, 'the title is plain words');
  assert.match(await p2.locator('#changed-days').textContent(), /Away: the team covers these sessions/);
  await Promise.all([p2.waitForNavigation(), p2.click('#calendar-make button')]);
  const msg = await p2.locator('#msg').textContent();
  const path = msg.match(/\/calendar\/[0-9a-f]{64}\.ics/)?.[0];
  assert.ok(path, `the link is shown once: ${msg}`);
  const feed = await p2.request.get(`${server.base}${path}`);
  assert.equal(feed.status(), 200);
  const text = await feed.text();
  assert.match(text, /^BEGIN:VCALENDAR\r\n/);
  assert.match(text, /EXDATE;TZID=America\/Phoenix:20261210T/, 'the approved absence takes the day out');
  assert.equal(await p2.locator('#calendar-feeds li').count(), 1);
  await audit(p2, problems2);
  await member.close();
});
