// Starts a real Ensemble server on the demo school (a fresh SQLite file, a free port) and a
// real headless Chromium (Debian's, driven by playwright-core).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
/** axe-core's source, evaluated in pages through the DevTools protocol (which the pages' CSP
 * does not govern, unlike a script tag). */
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.ENSEMBLE_BIN || join(here, '..', '..', 'target', 'release', 'ensemble');
export const SHOTS = join(here, '..', 'test-results');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `ensemble serve --demo` (or, with `{ demo: false }`, a fresh install with nothing in
 * it); resolves once it listens, with the printed demo accounts. */
export async function startServer({ demo = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ensemble-e2e-'));
  const port = await freePort();
  const database = `sqlite://${join(dir, 'e2e.db')}`;
  const args = ['serve', ...(demo ? ['--demo'] : []), '--addr', `127.0.0.1:${port}`, '--database', database];
  const proc = spawn(BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ENSEMBLE_LOG: 'warn' },
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 60_000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ensemble is serving on')) { clearTimeout(timer); resolve(); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}\n${err}`)); });
  });
  const accounts = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^\s{2}(.+?)\s{2,}(\S+@demo\.example)\s/);
    if (m) accounts[m[1].trim()] = m[2];
  }
  const password = (out.match(/password: (\S+)\)/) || [])[1];
  return {
    base: `http://127.0.0.1:${port}`,
    accounts,
    password,
    database,
    token(email) {
      return execFileSync(BIN, ['token', 'create', '--email', email, '--database', database]).toString().trim();
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => { if (proc.exitCode !== null) r(); else proc.on('exit', r); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'ensemble-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form, as a person would. */
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

/**
 * Collects what a page reports as wrong: console errors (CSP violations among them) and
 * uncaught exceptions, failed requests. Call before navigating; read `problems` at the end.
 * `expected404` lists the paths the test opens to see them refused; `refusals` the statuses
 * of forms the test sends wrong on purpose.
 */
export function watch(page, { expected404 = [], refusals = [] } = {}) {
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    // A page the test opens to see it refused answers 404 on purpose; a form the test sends
    // wrong on purpose answers with one of `refusals` (422: the page with what is wrong).
    const expected = (/status of 404/.test(text) && expected404.some((p) => new URL(page.url()).pathname === p))
      || refusals.some((code) => text.includes(`status of ${code}`));
    if (!expected && (msg.type() === 'error' || /Content Security Policy|Refused to/.test(text))) {
      problems.push(`${page.url()}: ${text}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
  // A request that fails (not one cut short by the next navigation), or a file the page needs
  // that answers with an error.
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(why)) problems.push(`${page.url()}: request failed ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'document' && r.status() >= 400) {
      problems.push(`${page.url()}: ${r.url()} answered ${r.status()}`);
    }
  });
  return problems;
}

/**
 * Runs axe-core on the page as it stands and returns its serious and critical violations as
 * lines ("rule: what, at which element").
 */
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${new URL(page.url()).pathname}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * The page as its readers meet it: axe finds no serious or critical violation, at 390 px
 * nothing but the tables' own scroll areas is wider than the screen, and its title is words.
 */
export async function audit(page, problems) {
  problems.push(...await axeViolations(page));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) problems.push(`${page.url()}: the page is ${overflow}px wider than the window`);
  const title = await page.title();
  if (!title.trim() || /[<>{}]/.test(title)) problems.push(`${page.url()}: the title is not plain words: ${title.slice(0, 80)}`);
}
