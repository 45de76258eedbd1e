// SPA test: alice logs in to the demo realm's public client `wallet` (code + PKCE + DPoP, server nonces) in a real
// Chromium; the page (spa/app.js, oauth4webapi) refreshes and calls userinfo, then shows what it saw as JSON.
// Env: KEYCLOAK_URL, REALM, SPA_PORT, SCREENSHOT_DIR. Prints one JSON line: the page's result plus screenshots.
import { env, launchChromium, log, run, screenshots } from './lib.mjs';
import { startSpaServer } from './spa-server.mjs';

await run(async () => {
  const port = Number(env('SPA_PORT'));
  const origin = `http://localhost:${port}`;
  const closeServer = await startSpaServer(port, {
    issuer: new URL(`realms/${env('REALM')}`, env('KEYCLOAK_URL')).href,
    client_id: 'wallet',
    redirect_uri: `${origin}/`,
  });
  const browser = await launchChromium();
  const shots = await screenshots(env('SCREENSHOT_DIR'), 'spa');
  const page = await browser.context.newPage();
  try {
    await page.goto(origin);
    await page.locator('#login').waitFor({ state: 'visible' });
    await shots.take(page, 'start');

    await page.locator('#login').click();
    await page.locator('#username').waitFor();
    await page.locator('#username').fill('alice');
    await page.locator('#password').fill('alice');
    await shots.take(page, 'keycloak-login');
    await page.locator('#kc-login').click();

    await page.locator('body[data-state="done"], body[data-state="error"]').waitFor();
    await shots.take(page, 'result');
    const state = await page.locator('body').getAttribute('data-state');
    const result = JSON.parse(await page.locator('#result').textContent());
    log('page state', state, 'url', page.url());
    return { state, url: page.url(), result, console_problems: browser.problems(), screenshots: shots.list() };
  } catch (error) {
    await shots.take(page, 'failure').catch(() => {});
    error.screenshots = shots.list();
    error.message += `\nat ${page.url()}\nconsole: ${JSON.stringify(browser.problems())}`;
    throw error;
  } finally {
    await browser.close();
    await closeServer();
  }
});
