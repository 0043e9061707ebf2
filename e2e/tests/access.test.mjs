// Student data on need-to-know, as people meet it: the special-education specialist sees the
// IEP flags and accommodations of the students they serve and nothing else sensitive; a deep
// link survives the sign-in; the school leader filters the audit log down to refusals and to
// one student, and downloads it as CSV — every page without console errors.
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

test('the specialist sees the plans of the students they serve, not their demographics', async () => {
  const specialist = server.accounts['Extended team: specialist'];
  const context = await chrome.browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, specialist, server.password);
  await page.goto(`${server.base}/my-students`);
  const rows = page.locator('#served tbody tr');
  assert.ok(await rows.count() > 10, 'the specialist serves students');
  assert.ok(await page.locator('#served tbody .tag:text-is("IEP")').count() > 0, 'IEP flags of the students they serve');
  await page.screenshot({ path: join(SHOTS, 'specialist-students.png') });
  // A student with an IEP: the plan and accommodations, no demographics or health.
  const withIep = rows.filter({ has: page.locator('.tag:text-is("IEP")') }).first();
  await Promise.all([page.waitForNavigation(), withIep.locator('a').first().click()]);
  assert.equal(await page.locator('#iep').count(), 1);
  assert.match(await page.locator('#iep').textContent(), /IEP: yes/);
  assert.equal(await page.locator('#accommodations').count(), 1);
  assert.equal(await page.locator('#demographics').count(), 0, 'no demographics');
  assert.equal(await page.locator('#health').count(), 0, 'no health notes');
  assert.match(await page.locator('#access').textContent(), /IEP and 504 plans, accommodations/);
  await page.screenshot({ path: join(SHOTS, 'specialist-student.png') });
  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  await context.close();
});

test('a deep link survives the sign-in', async () => {
  const lead = server.accounts['Core-team lead'];
  const token = server.token(lead);
  const me = await (await fetch(`${server.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const team = me.core_team_ids[0];
  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/teams/${team}/grouping`);
  assert.equal(new URL(page.url()).pathname, '/login', 'signed out: the sign-in form');
  await page.fill('input[name=email]', lead);
  await page.fill('input[name=password]', server.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, `/teams/${team}/grouping`, 'back where they were going');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the leader filters the audit log to refusals and to one student, and downloads it', async () => {
  const leader = server.accounts['School leader'];
  const member = server.accounts['Core-team member'];
  // A member reaches for another team's student: refused, and logged.
  const lt = server.token(leader);
  const mt = server.token(member);
  const api = async (path, token) => (await fetch(`${server.base}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const me = await api('/api/v1/me', mt);
  const teams = await api('/api/v1/teams', lt);
  const other = teams.find((t) => t.kind === 'core' && t.id !== me.core_team_ids[0] && t.school_id === me.school_id);
  const stranger = (await api(`/api/v1/teams/${other.id}/roster`, lt)).students[0];
  assert.equal((await fetch(`${server.base}/api/v1/students/${stranger.id}`, { headers: { Authorization: `Bearer ${mt}` } })).status, 404);

  const context = await chrome.browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, leader, server.password);
  await page.goto(`${server.base}/audit`);
  await page.selectOption('select[name=outcome]', 'denied');
  await Promise.all([page.waitForNavigation(), page.click('#audit-filters button[type=submit]')]);
  const rows = page.locator('#audit tbody tr');
  assert.ok(await rows.count() >= 1);
  assert.equal(await page.locator('#audit tbody tr.outcome-allowed').count(), 0, 'only refusals');
  const name = `${stranger.given_name} ${stranger.family_name}`;
  assert.ok(await page.locator('#audit tbody tr', { hasText: name }).count() >= 1, 'the student, by name');
  // Times are shown in the reader's own time zone, with the exact time on hover.
  const time = page.locator('#audit tbody time').first();
  assert.ok((await time.getAttribute('title')).endsWith('Z'));
  assert.doesNotMatch(await time.textContent(), /UTC/, 'the script turned it into a local time');
  await page.screenshot({ path: join(SHOTS, 'audit-refusals.png') });
  // One student: who read them (roster reads name them too) and who was refused.
  await page.selectOption('select[name=outcome]', '');
  await page.fill('input[name=student]', stranger.sourced_id);
  await Promise.all([page.waitForNavigation(), page.click('#audit-filters button[type=submit]')]);
  assert.ok(await page.locator('#audit tbody tr', { hasText: "read a team's roster" }).count() >= 1);
  assert.ok(await page.locator('#audit tbody tr', { hasText: 'refused' }).count() >= 1);
  await page.screenshot({ path: join(SHOTS, 'audit-student.png') });
  // A typo in the filter says so and loses nothing typed.
  await page.fill('input[name=student]', 'no-such-student');
  await Promise.all([page.waitForNavigation(), page.click('#audit-filters button[type=submit]')]);
  assert.match(await page.locator('[role=alert]').textContent(), /no student/);
  assert.equal(await page.inputValue('input[name=student]'), 'no-such-student');
  // CSV.
  await page.fill('input[name=student]', '');
  await page.selectOption('select[name=outcome]', 'denied');
  await Promise.all([page.waitForNavigation(), page.click('#audit-filters button[type=submit]')]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#audit-csv')]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const csv = readFileSync(path, 'utf8').trim().split('\n');
  assert.match(csv[0], /^id,time_utc,user_id,person,account/);
  assert.ok(csv.length >= 2 && csv.slice(1).every((l) => l.includes(',denied,')), csv.join('\n'));
  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  await context.close();
});
