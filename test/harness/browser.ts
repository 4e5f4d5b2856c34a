import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './bb.js';

/** Debian's chromium (scripts/install-test-deps.sh installs it); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.BB_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots of the pages go (git-ignored), kept after the run as test artifacts. */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: Chromium refuses to run its sandbox as root, which is how the tests run here.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A fresh page that records console errors (CSP violations show there) and any dialog (an alert means script ran). */
export async function openPage(browser: Browser, opts: { colorScheme?: 'light' | 'dark'; width?: number; javaScript?: boolean } = {}): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const ctx = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: { width: opts.width ?? 1280, height: 900 }, javaScriptEnabled: opts.javaScript ?? true });
  const page = await ctx.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, errors, dialogs };
}

/** Where the README's screenshots are; `BB_WEB_DOCS=1` makes the browser test write them again. */
export const DOCS = join(ROOT, 'docs');

/** A full-page screenshot kept in the artifacts; with `docs` and BB_WEB_DOCS=1 also as `docs/<docs>.png` (the README's). */
export async function screenshot(page: Page, name: string, docs?: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (docs && process.env.BB_WEB_DOCS === '1') await page.screenshot({ path: join(DOCS, `${docs}.png`), fullPage: true });
  return path;
}
