// A school leader builds a staffing plan for the demo school from its stored staff, sees the
// teams, the coverage heat-map, the hiring profiles and the budget next to the traditional
// plan, edits an assignment into an unready one and sees the validator flag it at once.
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
  assert.equal(await page.locator('#build-term option:checked').textContent(), 'Spring 2027', 'plans are for next term by default');
  await audit(page, problems);
  await Promise.all([page.waitForNavigation(), page.click('#build-plan')]);
  assert.match(page.url(), /\?plan=\d+/);
  assert.match(await page.locator('#msg').textContent(), /Built plan \d+ for Spring 2027/);
  assert.match(await page.locator('#summary').textContent(), /^Draft\. Meets every rule( except .+)?[.;]/, 'the plan in a sentence');
  assert.doesNotMatch(await page.content(), /objective|lower bound|gap \d/, 'no solver jargon');
  await audit(page, problems);

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
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});

test('a leader reviews every change, gives the reason the open problems need, applies the plan to next term and compares plans', async () => {
  const leader = server.accounts['School leader'];
  const context = await chrome.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = watch(page);
  await signIn(page, server.base, leader, server.password);
  await page.click('#staffing-link');
  await page.waitForURL(/staffing$/);
  await Promise.all([page.waitForNavigation(), page.click('#build-plan')]);
  const plan = new URL(page.url()).searchParams.get('plan');

  // The review: every team with its grades, roster and lead, every educator who moves.
  await Promise.all([page.waitForNavigation(), page.click('#review-link')]);
  assert.match(await page.locator('h1').textContent(), new RegExp(`Apply plan ${plan} to Spring 2027\\?`));
  const teams = await page.locator('#team-changes tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.ok(teams.length >= 5, `the review lists the teams: ${JSON.stringify(teams)}`);
  for (const [name, grades, roster] of teams.filter((t) => /^\d/.test(t[0]))) {
    // A team named for a grade keeps that grade's students and its roster.
    assert.equal(grades, `Grade ${name.split(' ')[0]}`, `${name} keeps its grade band`);
    assert.match(roster, /students, kept from this term/, `${name} keeps its roster`);
  }
  assert.ok(await page.locator('#moves tbody tr').count() >= 1, 'who moves is listed');
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'staffing-review.png'), fullPage: false });

  // Open problems need a reason: the form will not go without one.
  assert.ok(await page.locator('#problems li').count() >= 1, 'the demo plan has open problems (service shortfalls)');
  const reason = page.locator('#reason');
  assert.equal(await reason.getAttribute('required'), '', 'the reason is required');
  await page.click('#apply');
  assert.ok(!(await page.locator('#confirm-dialog').isVisible()), 'no confirmation without a reason');
  await reason.fill('We hire for the service shortfalls in January.');
  await page.click('#apply');
  assert.equal(await page.locator('#confirm-question').textContent(), `Apply plan ${plan} to Spring 2027?`);
  await Promise.all([page.waitForNavigation(), page.click('#confirm-yes')]);
  assert.match(await page.locator('#msg').textContent(), /Applied plan \d+ to Spring 2027: \d+ teams changed, \d+ educators moved, every roster kept\./);
  const status = page.locator(`#plans tr[data-plan="${plan}"]`);
  assert.match(await status.textContent(), /Applied by Rosa Delgado despite open problems: “We hire for the service shortfalls in January\.”/);
  await audit(page, problems);
  // The overview shows the teams set for Spring.
  const staffingUrl = page.url();
  await page.click('header.top nav a:text-is("School")');
  await page.waitForURL(/\/schools\/\d+$/);
  assert.match(await page.locator('#later-1').textContent(), /Teams set for Spring 2027[\s\S]*6 Saguaro/);
  await audit(page, problems);
  await page.goto(staffingUrl);

  // A second plan, then the two side by side.
  await Promise.all([page.waitForNavigation(), page.click('#build-plan')]);
  const second = new URL(page.url()).searchParams.get('plan');
  await page.goto(`${server.base}${new URL(page.url()).pathname}`);
  await page.check(`input[name=a][value="${plan}"]`);
  await page.check(`input[name=b][value="${second}"]`);
  await Promise.all([page.waitForNavigation(), page.click('#compare')]);
  const heads = await page.locator('#compare thead th').allTextContents();
  assert.deepEqual(heads.slice(1).map((h) => h.split(' ·')[0]), [`Plan ${plan}`, `Plan ${second}`]);
  assert.match(await page.locator('#compare tbody tr').first().textContent(), /Applied.*Draft/s);
  await audit(page, problems);
  await page.screenshot({ path: join(SHOTS, 'staffing-compare.png'), fullPage: false });
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});

test('the district leader edits the catalog through forms; a typo keeps what was typed', async () => {
  const admin = server.accounts['System (district) leader'];
  const context = await chrome.browser.newContext({ viewport: { width: 1300, height: 1000 } });
  const page = await context.newPage();
  const problems = watch(page, { refusals: [422] });
  await signIn(page, server.base, admin, server.password);
  await page.goto(`${server.base}/`);
  await Promise.all([page.waitForNavigation(), page.locator('a:text-is("Staffing")').first().click()]);
  await Promise.all([page.waitForNavigation(), page.click('#settings-link')]);
  await audit(page, problems);
  const para = page.getByLabel('Largest group Paraeducator leads');
  assert.equal(await para.inputValue(), '6');
  await para.fill('five');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').textContent(), /Largest group Paraeducator leads: “five” is not a whole number/);
  assert.equal(await page.getByLabel('Largest group Paraeducator leads').inputValue(), 'five', 'what was typed stays');
  await page.getByLabel('Largest group Paraeducator leads').fill('5');
  await Promise.all([page.waitForNavigation(), page.click('#save-settings')]);
  assert.match(await page.locator('#msg').textContent(), /Saved/);
  assert.equal(await page.getByLabel('Largest group Paraeducator leads').inputValue(), '5');
  // The JSON view names the line of a typo and keeps the text.
  await page.click('#expert summary');
  const text = await page.inputValue('#settings');
  await page.fill('#settings', text.replace('"roster": [', '"roster": [,'));
  await Promise.all([page.waitForNavigation(), page.click('#save-json')]);
  assert.match(await page.locator('#settings-error').textContent(), /line \d+, column \d+/);
  assert.ok((await page.inputValue('#settings')).includes('"roster": [,'), 'the text is kept');
  await audit(page, problems);
  assert.deepEqual(problems, [], problems.join('\n'));
  await context.close();
});
