// A core-team member signs in, opens their team's shared roster, and is refused a student of
// another team — on the page and in the API — and the school leader sees both the reads and
// the refusal in the audit log.
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

async function api(path, token) {
  const r = await fetch(`${server.base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

test('a team member sees their roster and is refused another team\'s student', async () => {
  const member = server.accounts['Core-team member'];
  assert.ok(member, `the demo printed a core-team member account: ${JSON.stringify(server.accounts)}`);
  const leaderToken = server.token(server.accounts['School leader']);
  const memberToken = server.token(member);

  // Which team is the member's, and a student of another team (asked as the school leader).
  const me = await api('/api/v1/me', memberToken);
  assert.equal(me.status, 200);
  const myTeam = me.body.core_team_ids[0];
  const teams = await api('/api/v1/teams', leaderToken);
  const other = teams.body.find((t) => t.kind === 'core' && t.id !== myTeam);
  const otherRoster = await api(`/api/v1/teams/${other.id}/roster`, leaderToken);
  const stranger = otherRoster.body.students[0];

  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  const problems = watch(page, { expected404: [`/students/${stranger.id}`, '/students/999999'] });
  await signIn(page, server.base, member, server.password);
  assert.match(await page.title(), /Desert Willow/);

  // From the school overview to the team page.
  const myTeamName = teams.body.find((t) => t.id === myTeam).name;
  await Promise.all([page.waitForNavigation(), page.click(`#core-teams a:text-is("${myTeamName}")`)]);
  assert.equal(new URL(page.url()).pathname, `/teams/${myTeam}`);
  const rows = await page.locator('#roster tbody tr').count();
  const expected = teams.body.find((t) => t.id === myTeam).roster_size;
  assert.equal(rows, expected, 'the whole shared roster is listed');
  assert.ok(await page.locator('#roster th:text-is("Plans")').count(), 'a core-team member sees plan flags');
  await page.screenshot({ path: join(SHOTS, 'team-roster.png'), fullPage: false });

  // Open one of the team's students: sensitive fields are there for a core-team member.
  await Promise.all([page.waitForNavigation(), page.locator('#roster tbody a').first().click()]);
  assert.equal(await page.locator('#sensitive').count(), 1);

  // Another team's student, by address: refused, without saying whether the student exists.
  const resp = await page.goto(`${server.base}/students/${stranger.id}`);
  assert.equal(resp.status(), 404);
  const message = await page.locator('#error-message').textContent();
  assert.match(message, /that you may see/);
  assert.ok(!(await page.content()).includes(stranger.family_name), 'no trace of the student on the page');
  await page.screenshot({ path: join(SHOTS, 'refused.png') });
  const missing = await page.goto(`${server.base}/students/999999`);
  assert.equal(missing.status(), 404);
  assert.equal((await page.locator('#error-message').textContent()).replace(/\d+/g, 'N'), message.replace(/\d+/g, 'N'),
    'a missing student and a forbidden one answer alike');

  // The other team's roster is refused on its page too.
  await page.goto(`${server.base}/teams/${other.id}`);
  assert.equal(await page.locator('#roster').count(), 0);
  assert.match(await page.locator('#roster-refused').textContent(), /Only the members/);
  assert.deepEqual(problems, [], 'no console errors or CSP violations');

  // And in the API.
  const apiRefusal = await api(`/api/v1/students/${stranger.id}`, memberToken);
  assert.equal(apiRefusal.status, 404);
  assert.equal(apiRefusal.body.error.code, 'not_found');
  const apiRoster = await api(`/api/v1/teams/${myTeam}/roster`, memberToken);
  assert.equal(apiRoster.status, 200);
  assert.equal(apiRoster.body.students.length, expected);

  // The school leader sees the reads and the refusals in the audit log.
  const leaderPage = await (await chrome.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const leaderProblems = watch(leaderPage);
  await signIn(leaderPage, server.base, server.accounts['School leader'], server.password);
  await leaderPage.goto(`${server.base}/audit`);
  const refusal = leaderPage.locator('#audit tbody tr', { hasText: `${stranger.given_name} ${stranger.family_name}` }).filter({ hasText: 'refused' });
  assert.ok(await refusal.count() >= 1, 'the refusal is in the log');
  const read = leaderPage.locator('#audit tbody tr', { hasText: myTeamName }).filter({ hasText: "read a team's roster" });
  assert.ok(await read.count() >= 1, 'the roster read is in the log');
  await leaderPage.screenshot({ path: join(SHOTS, 'audit.png') });
  assert.deepEqual(leaderProblems, [], 'no console errors on the audit page');
  await context.close();
});

test('a bad sign-in is refused and the form survives', async () => {
  const page = await (await chrome.browser.newContext()).newPage();
  await page.goto(`${server.base}/login`);
  await page.fill('input[name=email]', server.accounts['School leader']);
  await page.fill('input[name=password]', 'not the password');
  const [resp] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(resp.status(), 401);
  assert.match(await page.locator('[role=alert]').textContent(), /do not match/);
  assert.equal(await page.inputValue('input[name=email]'), server.accounts['School leader']);
});

test('removing a student asks first, naming the student and the team', async () => {
  const leader = server.accounts['School leader'];
  const token = server.token(leader);
  const teams = await api('/api/v1/teams', token);
  const team = teams.body.find((t) => t.kind === 'core');
  const context = await chrome.browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, leader, server.password);
  await page.goto(`${server.base}/teams/${team.id}`);
  const row = page.locator('#roster tbody tr').first();
  const name = (await row.locator('a').first().textContent()).split(', ').reverse().join(' ');
  const button = row.locator('button:text-is("Remove")');
  assert.equal(await button.getAttribute('aria-label'), `Remove ${name} from ${team.name}`, 'the button says whom and from where');
  const before = await page.locator('#roster tbody tr').count();
  // Cancel: nothing happens.
  await button.click();
  assert.equal(await page.locator('#confirm-question').textContent(), `Remove ${name} from ${team.name}?`);
  await page.screenshot({ path: join(SHOTS, 'remove-confirm.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#roster tbody tr').count(), before);
  // Confirm: the student leaves the roster, and the message names them.
  await button.click();
  await Promise.all([page.waitForNavigation(), page.click('#confirm-yes')]);
  assert.equal(await page.locator('#roster tbody tr').count(), before - 1);
  assert.equal(await page.locator('.flash.good').textContent(), `Removed ${name} from ${team.name}.`);
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});
