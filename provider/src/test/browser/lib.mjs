// Shared by the browser tests: Debian's Chromium under playwright-core (never a downloaded browser), screenshots,
// and the one line of JSON each script prints on stdout for BrowserIT to assert on (everything else goes to stderr).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set (BrowserIT sets it)`);
  }
  return value;
}

export function log(...args) {
  console.error('[browser]', ...args);
}

/** A fresh headless Chromium with a throw-away profile; close() removes the profile again. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run .ci/install-test-deps (as root) to install Debian's chromium`);
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'keycloak-dpop-chromium-'));
  // launchPersistentContext passes userDataDir as --user-data-dir (launch() refuses that flag in args).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  const problems = new Set();
  context.on('console', (message) => {
    if (message.type() === 'error') {
      problems.add(`console error: ${message.text()}`);
    }
    log(`console.${message.type()}: ${message.text()}`);
  });
  context.on('weberror', (error) => {
    problems.add(`page error: ${error.error().message}`);
    log('page error:', error.error());
  });
  return {
    context,
    /** Console errors and uncaught page errors so far, each once (a CORS refusal shows up here). */
    problems: () => [...problems],
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Numbered full-page screenshots, <dir>/<prefix>-NN-<step>.png; list() gives the paths written. */
export async function screenshots(dir, prefix) {
  await mkdir(dir, { recursive: true });
  const paths = [];
  return {
    async take(page, step) {
      const path = join(dir, `${prefix}-${String(paths.length + 1).padStart(2, '0')}-${step}.png`);
      await page.screenshot({ path, fullPage: true });
      paths.push(path);
      log('screenshot', path);
    },
    list: () => [...paths],
  };
}

/** Runs main, prints its result as one JSON line; on failure prints {error, screenshots} and exits 1. */
export async function run(main) {
  try {
    const result = await main();
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (error) {
    log(error);
    process.stdout.write(JSON.stringify({ error: String(error?.stack || error), screenshots: error?.screenshots ?? [] }) + '\n');
    process.exitCode = 1;
  }
}
