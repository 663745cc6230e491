// Swagger UI, as a person uses it, in a real headless Chromium (Debian's /usr/bin/chromium):
// the page renders, every tag of the OpenAPI document has its section, `GET /api/v1/me` is
// refused without a token, and after a token is given through the "Authorize" dialog the same
// "Try it out" / "Execute" shows 200 with the demo admin's account.
//
// Run it from the repository's root (CI does, in .ci/run), with Chromium installed
// (apt-get install chromium):
//
//   (cd tests/swagger-ui && npm ci) && cargo build && bash tests/swagger-ui/run.sh
//
// run.sh starts a throwaway server with the demo data on a free port, runs
// `node swagger-ui.mjs http://127.0.0.1:PORT` against it and stops it again; this script
// alone works against any running server that has the demo accounts. One line is printed
// per check; the first failing check ends the run (exit 1), with a screenshot in /tmp.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.argv[2] ?? process.env.MATHSHUB_URL ?? '').replace(/\/+$/, '');
if (!base) {
  console.error('usage: node swagger-ui.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEP_MS = 15_000; // per UI step: generous for a slow 2-core CI machine
const ADMIN = { email: 'admin@demo.mathshub.invalid', password: 'maths-hubs-demo' };
const ME = '/api/v1/me';

let openapi; // the OpenAPI document, as the tags check fetched it
let token; // the admin's access token, from the Authorize check for the last one

// The checks, in order; each builds on the ones before it, so the first failure ends the run.
const checks = [];
const check = (name, fn) => checks.push({ name, fn });
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
const oneLine = (text) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

let page; // the browser tab, opened by the runner at the end
// The `GET /api/v1/me` block, whichever tag section it sits in.
const meOperation = () => page
  .locator('.opblock.opblock-get')
  .filter({ has: page.locator(`.opblock-summary-path[data-path="${ME}"]`) })
  .first();

// Presses Execute on the (expanded, "Try it out") /me block and returns the status code and
// body text that Swagger UI shows in its live response table, plus the request it sent.
async function executeMe() {
  const sent = page.waitForRequest((r) => new URL(r.url()).pathname === ME && r.method() === 'GET');
  await meOperation().locator('button.execute').click();
  const request = await sent;
  const status = meOperation().locator('.live-responses-table tbody .response-col_status');
  await status.waitFor();
  const code = (await status.innerText()).trim().split(/\s+/)[0];
  // Only the "Response body" block (not the headers shown below it); rendered with the status.
  const body = (await meOperation()
    .locator('.live-responses-table tbody .response-col_description')
    .locator('xpath=.//div[h5[normalize-space()="Response body"]]')
    .allInnerTexts()).join('\n');
  // Swagger UI's Clear removes the response, so the next Execute is waited for afresh.
  await meOperation().locator('button.btn-clear').click();
  await status.waitFor({ state: 'detached' });
  return { code, body, authorization: request.headers().authorization };
}

check('Swagger UI renders at /swagger-ui/', async () => {
  const response = await page.goto(`${base}/swagger-ui/`);
  assert(response?.ok(), `GET /swagger-ui/ answered ${response?.status()}`);
  const title = page.locator('.swagger-ui .information-container .title');
  await title.waitFor();
  return (await title.innerText()).split('\n')[0].trim();
});

check('every tag of the OpenAPI document has its section', async () => {
  const response = await fetch(`${base}/api-docs/openapi.json`);
  assert(response.ok, `GET /api-docs/openapi.json answered ${response.status}`);
  openapi = await response.json();
  // Tags declared at the top, and any an operation uses without declaring it.
  const tags = new Set((openapi.tags ?? []).map((t) => t.name));
  for (const item of Object.values(openapi.paths ?? {})) {
    for (const operation of Object.values(item)) (operation?.tags ?? []).forEach((t) => tags.add(t));
  }
  assert(tags.size > 0, 'the OpenAPI document declares no tags');
  await page.locator('.opblock-tag').first().waitFor();
  const shown = new Set(await page.locator('.opblock-tag').evaluateAll((els) => els.map((e) => e.dataset.tag)));
  const missing = [...tags].filter((t) => !shown.has(t));
  assert(missing.length === 0, `no section for ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
  return `${tags.size} tags: ${[...tags].join(', ')}`;
});

check(`GET ${ME} without authorisation shows 401`, async () => {
  const operation = openapi.paths?.[ME]?.get;
  assert(operation, `the OpenAPI document has no GET ${ME}`);
  assert(openapi.components?.securitySchemes?.bearer?.scheme?.toLowerCase() === 'bearer',
    'the OpenAPI document has no HTTP bearer security scheme named "bearer"');
  assert((operation.security ?? openapi.security ?? []).some((s) => 'bearer' in s),
    `GET ${ME} does not require the "bearer" scheme`);
  await meOperation().waitFor();
  await meOperation().locator('.opblock-summary-control').click();
  await meOperation().locator('button.try-out__btn').click();
  const { code } = await executeMe();
  assert(code === '401', `the response table shows ${code}`);
});

check('the Authorize dialog takes the admin\'s token from POST /api/v1/auth/login', async () => {
  // The token comes from the API itself, as a person would get it with curl.
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!login.ok) throw new Error(`POST /api/v1/auth/login answered ${login.status}: ${await login.text()}`);
  token = (await login.json()).access_token;
  assert(typeof token === 'string' && token.length > 0, 'the login answer has no access_token');

  await page.locator('.scheme-container button.btn.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.waitFor();
  // The form of the scheme named `bearer` (its heading is "<code>bearer</code> (http, Bearer)"):
  // the dialog lists every scheme (the metrics token too), each with its own Authorize button.
  const bearer = dialog.locator('.auth-container')
    .filter({ has: page.locator('xpath=.//h4[code[normalize-space()="bearer"]]') });
  await bearer.locator('input').fill(token);
  await bearer.locator('button.modal-btn.authorize').click();
  // Once authorised the scheme swaps its Authorize button for Logout.
  await bearer.locator('button[aria-label="Remove authorization"]').waitFor();
  await bearer.locator('button.btn-done').click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.scheme-container button.btn.authorize.locked').waitFor();
});

check(`GET ${ME} after authorising shows 200 and the admin's account`, async () => {
  const { code, body, authorization } = await executeMe();
  assert(authorization === `Bearer ${token}`,
    `the request's Authorization header was ${JSON.stringify(authorization)}`);
  assert(code === '200', `the response table shows ${code}: ${oneLine(body)}`);
  assert(body.includes(ADMIN.email), `the response body lacks ${ADMIN.email}: ${oneLine(body)}`);
});

// Chromium as root needs --no-sandbox; the background-networking flags stop it from dialling
// out to Google services, which on a closed network misbehaves and slows everything down.
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
} catch (error) {
  console.error(`swagger-ui: cannot start Chromium at ${CHROMIUM}: ${error.message}`);
  process.exit(1);
}
page = await browser.newPage();
page.setDefaultTimeout(STEP_MS);
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));

let passed = 0;
let failed = 0;
try {
  for (const { name, fn } of checks) {
    try {
      const detail = await fn();
      passed += 1;
      console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${name}: ${error.message}`);
      if (pageErrors.length) console.log(`page errors: ${pageErrors.join(' | ')}`);
      const shot = join(tmpdir(), 'mathshub-swagger-ui-failure.png');
      await page.screenshot({ path: shot, fullPage: true }).then(() => console.log(`screenshot of the page: ${shot}`), () => {});
      break;
    }
  }
} finally {
  await browser.close();
}
const skipped = checks.length - passed - failed;
console.log(`swagger-ui: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
