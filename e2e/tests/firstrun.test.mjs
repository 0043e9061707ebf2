// A school's first day without the demo: a fresh install opens on the set-up page, the first
// district leader creates their account and the district, uploads the student information
// system's OneRoster bundle with a progress bar, reads the review (a bundle with one bad
// enrollment is refused naming the file, line and column, and nothing is written), imports it,
// makes a sign-in link for the school's principal, who chooses her password with it, and her
// view of the proposed core teams becomes a team with its roster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startBrowser, watch, audit, SHOTS } from './harness.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crates', 'oneroster', 'tests', 'data');

let server;
let chrome;

before(async () => {
  server = await startServer({ demo: false });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test('a fresh install reaches a working school from a OneRoster bundle', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page, { refusals: [422], expected404: [] });

  // Nobody to sign in yet: the sign-in page sends the first visitor to the set-up.
  await page.goto(`${server.base}/`);
  assert.equal(new URL(page.url()).pathname, '/setup');
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'setup.png') });

  // The wrong thing first: passwords that differ are refused naming the field; what was typed stays.
  await page.fill('input[name=name]', 'Ruth Calder');
  await page.fill('input[name=email]', 'ruth.calder@lincoln.example');
  await page.fill('input[name=password]', 'correct horse battery');
  await page.fill('input[name=password2]', 'correct horse battery staple');
  await page.fill('input[name=district]', 'Lincoln Unified School District');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(await page.locator('#setup-error').textContent(), /Password again: the two passwords differ/);
  assert.equal(await page.locator('input[name=district]').inputValue(), 'Lincoln Unified School District');
  await page.fill('input[name=password]', 'correct horse battery');
  await page.fill('input[name=password2]', 'correct horse battery');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/imports');
  assert.match(await page.locator('#flash').textContent(), /Lincoln Unified School District is set up/);
  assert.match(await page.locator('#no-uploads').textContent(), /None yet/);
  await audit(page, problems);

  // A bundle with one bad enrollment: refused, every problem named, nothing written.
  await page.setInputFiles('#bundle', join(DATA, 'lincoln-bad-enrollment.zip'));
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('#upload-button')]);
  await page.waitForSelector('#problems');
  assert.match(await page.locator('#refused').textContent(), /nothing was written/);
  assert.match(await page.locator('#problems').textContent(), /enrollments\.csv line \d+, column userSourcedId \("s-1O30"\): no user has this sourcedId/);
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'import-refused.png'), fullPage: true });

  // Not a zip at all.
  await page.goto(`${server.base}/imports`);
  await page.setInputFiles('#bundle', join(DATA, 'lincoln', 'users.csv'));
  await page.click('#upload-button');
  await page.waitForSelector('#problems');
  assert.match(await page.locator('#problems').textContent(), /neither a folder nor a zip file/);

  // The good bundle: uploaded with progress, reviewed, imported once (a second click does nothing).
  await page.goto(`${server.base}/imports`);
  await page.setInputFiles('#bundle', join(DATA, 'lincoln.zip'));
  await page.click('#upload-button');
  await page.waitForURL(/\/imports\/\d+$/);
  assert.match(await page.locator('#state').textContent(), /Nothing is written yet/);
  const tally = await page.locator('#tally').textContent();
  assert.match(tally, /Students\s*68\s*0\s*0/);
  assert.match(tally, /Enrollments\s*149/);
  assert.match(await page.locator('#proposals-note').textContent(), /3 core teams will be proposed/);
  assert.match(await page.locator('#warnings').textContent(), /gradebook and resource files are not used/);
  assert.doesNotMatch(await page.content(), /org-mesa|s-1001|cls-/, 'no sourcedIds on the review');
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'import-review.png'), fullPage: true });
  await page.dblclick('#apply');
  await page.waitForSelector('#flash');
  assert.match(await page.locator('#flash').textContent(), /Imported: .*students 68 new/);
  assert.match(await page.locator('#state').textContent(), /Imported/);
  await audit(page, problems);
  await page.goto(`${server.base}/imports`);
  assert.equal(await page.locator('#uploads tbody tr').count(), 1, 'one upload, imported once');
  assert.match(await page.locator('#uploads').textContent(), /Imported/);

  // Mesa Verde's principal came in with the bundle, without a password: the district leader
  // makes a sign-in link for her.
  await page.goto(`${server.base}/`);
  await Promise.all([page.waitForNavigation(), page.click('a:text("Mesa Verde Middle School")')]);
  await Promise.all([page.waitForNavigation(), page.click('#accounts-link')]);
  assert.match(await page.locator('h1').textContent(), /Accounts · Mesa Verde Middle School/);
  const accountsUrl = page.url();
  const joan = page.locator('#accounts tr', { hasText: 'Joan Wallace' });
  assert.match(await joan.textContent(), /School leader.*No password yet/s);
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'accounts.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), joan.locator('button').click()]);
  const link = await page.locator('#sign-in-link').inputValue();
  assert.match(link, new RegExp(`^${server.base}/welcome/[0-9a-f]{64}$`));
  assert.match(await page.locator('#flash').textContent(), /Give this link to Joan Wallace/);
  await audit(page, problems);

  // As the principal, in her own browser: the link, a typo first, then her password.
  const hers = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const leader = await hers.newPage();
  const leaderProblems = watch(leader, { refusals: [422], expected404: ['/welcome/'] });
  await leader.goto(link);
  assert.match(await leader.locator('h1').textContent(), /Welcome, Joan Wallace/);
  await audit(leader, leaderProblems);
  await leader.screenshot({ path: join(SHOTS, 'welcome.png') });
  await leader.fill('input[name=password]', 'saguaro sunrise 42');
  await leader.fill('input[name=password2]', 'saguaro sunrise 24');
  await Promise.all([leader.waitForNavigation(), leader.click('button[type=submit]')]);
  assert.match(await leader.locator('#welcome-error').textContent(), /Password again: the two passwords differ/);
  await leader.fill('input[name=password]', 'saguaro sunrise 42');
  await leader.fill('input[name=password2]', 'saguaro sunrise 42');
  await Promise.all([leader.waitForNavigation(), leader.click('button[type=submit]')]);
  assert.match(new URL(leader.url()).pathname, /^\/schools\/\d+$/, 'a school leader lands on her school');
  assert.match(await leader.locator('h1').textContent(), /Mesa Verde Middle School/);
  await audit(leader, leaderProblems);

  // The school's proposed core teams: confirm one, and it is a team with its roster.
  await Promise.all([leader.waitForNavigation(), leader.click('#proposals-link')]);
  assert.match(await leader.locator('h1').textContent(), /Proposed core teams · Mesa Verde Middle School/);
  assert.equal(await leader.locator('section.card[id^=proposal-]').count(), 2);
  await audit(leader, leaderProblems);
  await leader.screenshot({ path: join(SHOTS, 'proposals.png'), fullPage: true });
  // Merge with one chosen is refused in words.
  await leader.locator('input[name=proposal]').first().check();
  await Promise.all([leader.waitForNavigation(), leader.click('#merge')]);
  assert.match(await leader.content(), /Choose two or more proposals to merge/);
  await leader.goBack();
  const first = leader.locator('section.card[id^=proposal-]').first();
  await first.locator('input.team-name').fill('Saguaro House');
  await Promise.all([leader.waitForNavigation(), first.locator('button:text("Confirm this core team")').click()]);
  assert.match(await leader.locator('#flash').textContent(), /Saguaro House is a core team now, with 24 students on its roster/);
  assert.equal(await leader.locator('section.card[id^=proposal-]').count(), 1);
  await leader.goto(`${server.base}/`);
  await Promise.all([leader.waitForNavigation(), leader.click('a:text("Saguaro House")')]);
  assert.match(await leader.content(), /Grace Okafor/);
  assert.ok(await leader.locator('table tbody tr').count() >= 24, 'the roster is there');
  await audit(leader, leaderProblems);
  // Another school's pages look missing to her.
  const otherSchool = await leader.goto(`${server.base}/schools/987654/accounts`);
  assert.equal(otherSchool.status(), 404);
  // The link worked once.
  const used = await leader.goto(link);
  assert.equal(used.status(), 404);
  assert.match(await leader.content(), /This sign-in link does not work/);
  assert.deepEqual(leaderProblems.filter((p) => !/ 404/.test(p)), []);
  await hers.close();

  // The district leader sees that she signs in with a password now.
  await page.goto(accountsUrl);
  assert.match(await page.locator('#accounts tr', { hasText: 'Joan Wallace' }).textContent(), /Signs in with a password/);

  // The set-up page is gone for good: signed in, it looks missing.
  const setup = await page.goto(`${server.base}/setup`);
  assert.equal(setup.status(), 404);
  // The two refused uploads answered 422 to the page's upload request, on purpose.
  const unexpected = problems.filter((p) => !/\/setup: .*404/.test(p) && !/\/imports answered 422$/.test(p));
  assert.equal(problems.length - unexpected.length <= 3, true, problems.join('\n'));
  assert.deepEqual(unexpected, []);
  await context.close();
});
