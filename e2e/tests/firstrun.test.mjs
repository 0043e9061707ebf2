// A school's first day without the demo: a fresh install opens on the set-up page, the first
// district leader creates their account and the district, uploads the student information
// system's OneRoster bundle with a progress bar, reads the review (a bundle with one bad
// enrollment is refused naming the file, line and column, and nothing is written), imports it,
// and a school leader's view of the proposed core teams becomes a team with its roster.
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

  // The school's proposed core teams: confirm one, and it is a team with its roster.
  await page.click('#school-links a:text("Proposed core teams") >> nth=0');
  await page.waitForSelector('h1');
  assert.match(await page.locator('h1').textContent(), /Proposed core teams · Mesa Verde Middle School/);
  assert.equal(await page.locator('section.card[id^=proposal-]').count(), 2);
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'proposals.png'), fullPage: true });
  // Merge with one chosen is refused in words.
  await page.locator('input[name=proposal]').first().check();
  await Promise.all([page.waitForNavigation(), page.click('#merge')]);
  assert.match(await page.content(), /Choose two or more proposals to merge/);
  await page.goBack();
  const first = page.locator('section.card[id^=proposal-]').first();
  await first.locator('input.team-name').fill('Saguaro House');
  await Promise.all([page.waitForNavigation(), first.locator('button:text("Confirm this core team")').click()]);
  assert.match(await page.locator('#flash').textContent(), /Saguaro House is a core team now, with 24 students on its roster/);
  assert.equal(await page.locator('section.card[id^=proposal-]').count(), 1);
  await page.goto(`${server.base}/`);
  await page.click('a:text("Mesa Verde Middle School")');
  await page.waitForSelector('h1');
  await Promise.all([page.waitForNavigation(), page.click('a:text("Saguaro House")')]);
  assert.match(await page.content(), /Grace Okafor/);
  assert.ok(await page.locator('table tbody tr').count() >= 24, 'the roster is there');
  await audit(page, problems);

  // The set-up page is gone for good: signed in, it looks missing.
  const setup = await page.goto(`${server.base}/setup`);
  assert.equal(setup.status(), 404);
  // The two refused uploads answered 422 to the page's upload request, on purpose.
  const unexpected = problems.filter((p) => !/\/setup: .*404/.test(p) && !/\/imports answered 422$/.test(p));
  assert.equal(problems.length - unexpected.length <= 3, true, problems.join('\n'));
  assert.deepEqual(unexpected, []);
  await context.close();
});
