// Every demo role walks through every page it may use — district landing, overview, team,
// student, educator, my students, audit, staffing and its catalog, the grouping board,
// micro-credentials, the evidence to review and the district's pathways — on a
// wide screen and on a 390 px phone. On every page: no console error, no CSP violation, no
// failed request, no serious or critical axe-core violation, nothing wider than the screen;
// the skip link is the first stop of the keyboard and "Sign out" is on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startBrowser, signIn, watch, audit, SHOTS } from './harness.mjs';

let server;
let chrome;
let ids;

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
  const leader = server.token(server.accounts['School leader']);
  const get = async (path, token = leader) => (await fetch(`${server.base}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const teams = await get('/api/v1/teams');
  const core = teams.filter((t) => t.kind === 'core');
  const extended = teams.find((t) => t.kind === 'extended');
  const me = await get('/api/v1/me', server.token(server.accounts['Core-team member']));
  const mine = core.find((t) => t.id === me.core_team_ids[0]);
  const roster = await get(`/api/v1/teams/${mine.id}/roster`);
  const specialist = await get('/api/v1/me', server.token(server.accounts['Extended team: specialist']));
  const served = await get('/api/v1/my-students', server.token(server.accounts['Extended team: specialist']));
  ids = {
    school: mine.school_id,
    team: mine.id,
    extended: extended.id,
    student: roster.students[0].id,
    educator: me.educator_id,
    specialist: specialist.educator_id,
    served: served.students[0]?.id,
  };
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

/** The pages each role uses. */
function pages(role) {
  const { school, team, extended, student, educator, specialist, served } = ids;
  const everyone = [`/schools/${school}`, `/teams/${team}`, `/teams/${extended}`, `/educators/${educator}`, '/my-students', '/credentials'];
  switch (role) {
    case 'System (district) leader':
      return ['/', `/schools/${school}`, `/teams/${team}`, `/students/${student}`, `/educators/${educator}`, '/audit',
        `/schools/${school}/staffing`, `/schools/${school}/staffing/settings`, `/teams/${team}/grouping`, '/credentials', '/credentials/review', '/pathways'];
    case 'School leader':
      return [`/schools/${school}`, `/teams/${team}`, `/students/${student}`, `/educators/${educator}`, '/audit',
        `/schools/${school}/staffing`, `/schools/${school}/staffing/settings`, `/teams/${team}/grouping`, '/credentials', '/credentials/review', '/pathways'];
    case 'Core-team lead':
    case 'Core-team member':
      return [...everyone, `/students/${student}`, `/teams/${team}/grouping`];
    case 'Extended team: specialist':
      return [...everyone, `/educators/${specialist}`, `/students/${served}`];
    default:
      return everyone;
  }
}

const ROLES = ['System (district) leader', 'School leader', 'Core-team lead', 'Core-team member',
  'Extended team: specialist', 'Extended team: paraeducator', 'Community educator', 'Volunteer'];

for (const width of [1280, 390]) {
  test(`every role's pages work and read well at ${width} px`, async () => {
    const problems = [];
    for (const role of ROLES) {
      const context = await chrome.browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const seen = watch(page);
      await signIn(page, server.base, server.accounts[role], server.password);
      for (const path of pages(role)) {
        const r = await page.goto(`${server.base}${path}`);
        assert.equal(r.status(), 200, `${role} opens ${path}`);
        await audit(page, problems);
        // Sign out is on screen, whatever the width.
        const box = await page.locator('header.top button:text-is("Sign out")').boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${role}: "Sign out" is on screen at ${path}`);
        if (width === 390 && ['/', `/schools/${ids.school}`, '/my-students'].includes(path)) {
          await page.screenshot({ path: join(SHOTS, `tour-${width}-${role.replace(/\W+/g, '-')}-${path.replace(/\W+/g, '-')}.png`) });
        }
      }
      // The keyboard's first stop is the skip link, and it leads to the content.
      await page.goto(`${server.base}${pages(role)[0]}`);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip', `${role}: the skip link comes first`);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', `${role}: the skip link moves to the content`);
      problems.push(...seen.map((p) => `${role}: ${p}`));
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}

test('an error page keeps the navigation, and its way back goes back', async () => {
  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  const problems = watch(page, { expected404: ['/students/999999'] });
  await signIn(page, server.base, server.accounts['Core-team member'], server.password);
  await page.goto(`${server.base}/teams/${ids.team}`);
  await Promise.all([page.waitForNavigation(), page.evaluate(() => { window.location.href = '/students/999999'; })]);
  assert.equal(await page.locator('#error-message').count(), 1);
  assert.ok(await page.locator('header.top nav a:text-is("My students")').count(), 'the navigation is there');
  await audit(page, problems);
  await Promise.all([page.waitForNavigation(), page.click('#error-back')]);
  assert.equal(new URL(page.url()).pathname, `/teams/${ids.team}`, '"Go back" goes back');
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});
