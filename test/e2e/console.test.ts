/**
 * The web console in a real browser against a real server: sign in, create a key, grant credits,
 * run color correction through the playground (the public API, via @darkroom/sdk in the page),
 * see the result and the before/after view, see the charge, revoke the key and see it refused.
 * Screenshots of each step go to artifacts/web/; with DARKROOM_DOC_IMAGES=1 the README ones are
 * also written to docs/images/console-*.png.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startTestServer, TESTDATA, type TestServer } from '../helpers/harness.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { buildConsole, REPO } from './support/build-console.js';

const PASSWORD = 'e2e-console-password';
const ARTIFACTS = path.join(REPO, 'artifacts/web');
const DOC_IMAGES = path.join(REPO, 'docs/images');
const PHOTO = path.join(TESTDATA, 'coffee.png');
/** The same photo with a blue cast (written in before()), so the colour correction has something to correct. */
const CAST_PHOTO = path.join(REPO, 'artifacts/web/coffee-blue-cast.png');

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let shot = 0;

async function snap(name: string, docName?: string, target: Page = page): Promise<void> {
  shot += 1;
  const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await target.screenshot({ path: file, fullPage: true });
  if (docName && process.env.DARKROOM_DOC_IMAGES === '1') {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(file, path.join(DOC_IMAGES, `console-${docName}.png`));
  }
}

/** Mean absolute difference per channel between two images, compared at the same size. */
async function meanDiff(a: Buffer, b: Buffer): Promise<number> {
  const meta = await sharp(a).metadata();
  const raw = (img: Buffer) => sharp(img).removeAlpha().resize(meta.width, meta.height, { fit: 'fill' }).raw().toBuffer();
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await sharp(PHOTO).linear([0.8, 0.9, 1.25], [0, 0, 10]).png().toFile(CAST_PHOTO);
  buildConsole();
  server = await startTestServer({ admin: { password: PASSWORD } });
  browser = await launchBrowser();
  page = browser.page;
  page.on('dialog', (d) => void d.accept());
});

after(async () => {
  if (page && !page.isClosed()) await page.screenshot({ path: path.join(ARTIFACTS, 'last-state.png'), fullPage: true }).catch(() => {});
  await browser?.close();
  await server?.close();
});

test('operator signs in, manages a key and credits, runs a feature in the playground, and revokes the key', { timeout: 240_000 }, async (t) => {
  let clientId = '';
  let resultUrl = '';

  await t.test('sign in: a wrong password is refused, the right one opens the console', async () => {
    await page.goto(`${server.baseUrl}/`);
    const password = page.getByLabel('Admin password');
    await password.fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
    await snap('login', 'login');
    // Keyboard only: the field keeps focus after the error, Enter submits.
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
  });

  await t.test('create a key: client_id and secret are shown once, with a warning', async () => {
    await page.getByLabel('Key name').fill('e2e-mobile-app');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-client-secret').textContent()) ?? '';
    clientId = (await page.getByTestId('new-client-id').textContent()) ?? '';
    assert.match(clientId, /^\S{8,}$/);
    // The secret is the base64 DER of an RSA public key (SubjectPublicKeyInfo starts 0x30 0x8x → "MI").
    assert.match(secret, /^MI[A-Za-z0-9+/=]{100,}$/);
    await page.getByText('It is shown only once').waitFor();
    const row = page.locator(`tr[data-client-id="${clientId}"]`);
    await row.getByText('active').waitFor();
    const keys = await fetch(`${server.baseUrl}/admin/v1/keys`, { headers: { authorization: `Bearer ${await adminToken()}` } }).then((r) => r.json());
    assert.ok(keys.result.keys.some((k: { client_id: string; name: string }) => k.client_id === clientId && k.name === 'e2e-mobile-app'), 'the key exists on the server');
    await snap('keys', 'keys');
  });

  await t.test('grant credits: the balance shows the new lot', async () => {
    await page.locator(`tr[data-client-id="${clientId}"]`).getByRole('link', { name: 'Credits' }).click();
    await page.getByRole('heading', { name: 'Grant credits' }).waitFor();
    await page.getByLabel('Amount').fill('10');
    await page.getByLabel('Type').selectOption('PaygToken');
    await page.getByRole('button', { name: 'Grant credits' }).click();
    await page.getByTestId('balance').filter({ hasText: /^10$/ }).waitFor();
    await page.getByRole('cell', { name: 'Pay as you go' }).waitFor();
  });

  await t.test('playground: color correction runs through the public API and shows before/after', async (st) => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Feature', { exact: true }).selectOption('color-correct');
    const key = page.getByLabel('Key', { exact: true });
    assert.equal(await key.inputValue(), clientId, 'the key created in this tab is preselected');
    await page.locator('input[type=file]').first().setInputFiles(CAST_PHOTO);
    await page.getByRole('img', { name: 'Chosen photo' }).waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByTestId('result-image');
    await result.waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="result-image"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    resultUrl = (await result.getAttribute('src')) ?? '';
    assert.match(resultUrl, /^https?:\/\//);

    // The before/after split follows the keyboard.
    const frame = page.getByTestId('before-after');
    const split = page.getByRole('slider', { name: /Before and after split/ });
    await split.focus();
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
    assert.equal(await frame.evaluate((el) => (el as HTMLElement).style.getPropertyValue('--split')), '30%');
    await snap('playground', 'playground');

    // The result is a real photo of the same scene, corrected towards the photo before its cast.
    const original = readFileSync(PHOTO);
    const cast = readFileSync(CAST_PHOTO);
    const out = Buffer.from(await (await fetch(resultUrl)).arrayBuffer());
    const [a, b] = await Promise.all([sharp(cast).metadata(), sharp(out).metadata()]);
    assert.equal(b.width, a.width);
    assert.equal(b.height, a.height);
    const changed = await meanDiff(cast, out);
    const castDistance = await meanDiff(original, cast);
    const correctedDistance = await meanDiff(original, out);
    st.diagnostic(`color correction: changed ${changed.toFixed(2)}, distance to the uncast photo ${castDistance.toFixed(2)} -> ${correctedDistance.toFixed(2)}`);
    assert.ok(changed > 1, `color correction changed the photo (mean diff ${changed.toFixed(2)})`);
    assert.ok(correctedDistance < castDistance * 0.85, `the result is nearer the uncast photo (${castDistance.toFixed(2)} -> ${correctedDistance.toFixed(2)})`);

    // Download hands over the same bytes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    const saved = path.join(ARTIFACTS, 'download-' + download.suggestedFilename());
    await download.saveAs(saved);
    assert.deepEqual(readFileSync(saved), out);
  });

  await t.test('playground: object removal uses the mask painted on the photo', async (st) => {
    const photo = path.join(TESTDATA, 'messi5.jpg');
    await page.getByLabel('Feature', { exact: true }).selectOption('obj-removal');
    await page.locator('input[type=file]').first().setInputFiles(photo);
    const canvas = page.locator('canvas.mask-canvas');
    await canvas.waitFor();
    // Paint a filled box over part of the photo, in photo fractions so the check below knows where it is.
    const box = { x0: 0.62, x1: 0.78, y0: 0.2, y1: 0.45 };
    const r = (await canvas.boundingBox())!;
    await page.getByLabel('Brush size').fill('30');
    for (let y = box.y0; y <= box.y1; y += 0.04) {
      await page.mouse.move(r.x + r.width * box.x0, r.y + r.height * y);
      await page.mouse.down();
      await page.mouse.move(r.x + r.width * box.x1, r.y + r.height * y, { steps: 8 });
      await page.mouse.up();
    }
    await snap('mask', 'mask');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByTestId('result-image');
    await result.waitFor({ timeout: 180_000 });
    await snap('mask-result', 'mask-result');
    const out = Buffer.from(await (await fetch((await result.getAttribute('src'))!)).arrayBuffer());
    const original = readFileSync(photo);
    const { width = 0, height = 0 } = await sharp(original).metadata();
    const region = (img: Buffer, fx0: number, fx1: number, fy0: number, fy1: number) =>
      sharp(img).extract({ left: Math.round(width * fx0), top: Math.round(height * fy0), width: Math.round(width * (fx1 - fx0)), height: Math.round(height * (fy1 - fy0)) }).png().toBuffer();
    const inside = await meanDiff(await region(original, box.x0 + 0.02, box.x1 - 0.02, box.y0 + 0.02, box.y1 - 0.02), await region(out, box.x0 + 0.02, box.x1 - 0.02, box.y0 + 0.02, box.y1 - 0.02));
    const outside = await meanDiff(await region(original, 0.05, 0.4, 0.6, 0.95), await region(out, 0.05, 0.4, 0.6, 0.95));
    st.diagnostic(`object removal mean diff: inside the mask ${inside.toFixed(2)}, outside ${outside.toFixed(2)}`);
    assert.ok(inside > 8, `the painted area was filled in (mean diff ${inside.toFixed(2)})`);
    assert.ok(outside < inside / 4, `the rest of the photo is kept (outside ${outside.toFixed(2)} vs inside ${inside.toFixed(2)})`);
  });

  await t.test('playground: extender geometry is previewed, checked, and sent as the output size', async () => {
    const photo = path.join(TESTDATA, 'messi5.jpg');
    await page.getByLabel('Feature', { exact: true }).selectOption('out-paint');
    await page.locator('input[type=file]').first().setInputFiles(photo);
    await page.getByLabel('Layout').selectOption('tall');
    const outW = Number(await page.getByLabel('Output width').inputValue());
    const outH = Number(await page.getByLabel('Output height').inputValue());
    assert.equal(outW, 548);
    assert.equal(outH, Math.round((548 * 16) / 9));
    // A photo that does not fit is refused before anything is sent.
    await page.getByLabel('Photo top (input_y)').fill(String(outH));
    await page.getByRole('alert').filter({ hasText: 'must fit inside the output canvas' }).waitFor();
    await page.getByLabel('Layout').selectOption('wide');
    const wide = { w: Number(await page.getByLabel('Output width').inputValue()), h: Number(await page.getByLabel('Output height').inputValue()) };
    assert.deepEqual(wide, { w: Math.round((342 * 16) / 9), h: 342 });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByTestId('result-image');
    await result.waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => document.querySelector<HTMLImageElement>('[data-testid="result-image"]')?.naturalWidth);
    await snap('extender', 'extender');
    const out = Buffer.from(await (await fetch((await result.getAttribute('src'))!)).arrayBuffer());
    const meta = await sharp(out).metadata();
    assert.deepEqual({ w: meta.width, h: meta.height }, wide, 'the result has the output size chosen in the console');
  });

  await t.test('playground: parameter controls come from the feature contract', async () => {
    const feature = page.getByLabel('Feature', { exact: true });
    await feature.selectOption('enhance');
    const scales = page.locator('input[type=radio][name=scale]');
    await snap('params-enhance');
    assert.deepEqual(await scales.evaluateAll((els) => els.map((e) => [(e as HTMLInputElement).value, (e as HTMLInputElement).checked])), [['1', false], ['2', true], ['4', false]]);
    await feature.selectOption('bg-blur');
    const strength = page.getByLabel('Blur strength');
    assert.deepEqual([await strength.getAttribute('type'), await strength.getAttribute('min'), await strength.getAttribute('max')], ['number', '1', '100']);
    await feature.selectOption('obj-replace');
    assert.equal(await page.getByLabel('Prompt').evaluate((e) => e.tagName), 'TEXTAREA');
    await snap('params-obj-replace');
    await feature.selectOption('face-swap');
    const refs = page.getByLabel(/^Reference face photo\(s\)/);
    await snap('params-face-swap');
    assert.equal(await refs.getAttribute('multiple'), '', 'face swap takes several references, as its file set says');
    await feature.selectOption('mu-trans-rec');
    assert.equal(await page.getByLabel(/^Reference photo \(the makeup to copy\)/).getAttribute('multiple'), null, 'the reference label and count come from the contract’s file set');
    await feature.selectOption('color-correct');
    assert.equal(await page.locator('.param-fields').evaluate((e) => e.childElementCount), 0, 'a feature without params gets no controls');
  });

  await t.test('credits: the charge is in the history and the balance dropped by the price', async () => {
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.getByLabel('Key', { exact: true }).selectOption(clientId);
    const charge = page.getByTestId('credit-history').locator('tr[data-action="api_color_correction"]');
    await charge.waitFor();
    assert.equal((await charge.locator('td.num').textContent())?.trim(), '-1');
    // 10 granted − color correction (1) − object removal (1) − extender (2).
    await page.getByTestId('balance').filter({ hasText: /^6$/ }).waitFor();
    await snap('credits', 'credits');
  });

  await t.test('tasks: the run is listed with its status, duration and cost', async () => {
    await page.getByRole('link', { name: 'Tasks' }).click();
    for (const feature of ['obj-removal', 'out-paint']) await page.getByTestId('tasks-table').locator('tr', { hasText: feature }).getByText('success').waitFor();
    const row = page.getByTestId('tasks-table').locator('tr', { hasText: 'color-correct' }).first();
    await row.waitFor();
    await row.getByText('success').waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[4].trim(), '1', 'cost column');
    assert.match(cells[3], /\d+(\.\d)? (ms|s)/, 'duration column');
    await snap('tasks', 'tasks');
  });

  await t.test('revoke: the key is marked revoked and its token is refused', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    const row = page.locator(`tr[data-client-id="${clientId}"]`);
    await row.getByRole('button', { name: /Revoke key/ }).click();
    await row.getByText(/^revoked/).waitFor();

    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Key', { exact: true }).selectOption(clientId);
    // The page's SDK client still holds the access token it got before the revocation.
    const answers: { path: string; status: number; code?: string }[] = [];
    const onResponse = async (res: import('playwright-core').Response) => {
      const u = new URL(res.url());
      if (!u.pathname.startsWith('/s2s/')) return;
      const body = await res.json().catch(() => ({}));
      answers.push({ path: u.pathname, status: res.status(), code: body.error_code });
    };
    page.on('response', onResponse);
    await page.getByRole('button', { name: 'Check balance as this key' }).click();
    const code = page.getByTestId('error-code');
    await code.waitFor();
    page.off('response', onResponse);
    assert.deepEqual(answers[0], { path: '/s2s/v1.0/client/credit', status: 401, code: 'InvalidAccessToken' }, 'the old access token is refused');
    assert.ok(answers.some((a) => a.path === '/s2s/v1.0/client/auth' && a.status === 401), 'signing in again with the revoked key is refused');
    assert.match((await code.textContent()) ?? '', /^(InvalidAccessToken|InvalidIdToken)$/);
    await snap('revoked');
  });

  await t.test('phone width: the playground fits without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Feature', { exact: true }).selectOption('color-correct');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await snap('phone', 'phone');
  });

  assert.deepEqual(browser.pageErrors.filter((e) => !/status of 40[13]/.test(e)), [], 'no script errors in the page');
});

/** The admin token the page holds, so the test can cross-check the server directly. */
async function adminToken(): Promise<string> {
  return page.evaluate(() => sessionStorage.getItem('darkroom.adminToken') ?? '');
}
