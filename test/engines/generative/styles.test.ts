import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import { renderStyleThumbnails } from '../../../src/cli/style-thumbnails.js';
import { startFakeA1111 } from './fake-engines.js';
import { FEATURES } from '../../../src/features/table.js';
import { loadCatalogs } from '../../../src/styles/catalog.js';
import { renderPrompt } from '../../../src/engines/generative/prompt.js';
import { StyleCatalogError, StylesCatalog } from '../../../src/styles/service.js';
import { statusOf } from '../../../src/api/errors.js';

const catalog = new StylesCatalog();

const code = (c: string) => (e: unknown) => e instanceof StyleCatalogError && e.code === c && statusOf(e) === 400;

describe('style catalogs', () => {
  it('cover exactly the features the table marks as styled', () => {
    assert.deepEqual(catalog.featuresWithStyles().sort(), FEATURES.filter((f) => f.styles).map((f) => f.id).sort());
  });

  it('use unique safe-integer ids and give every style a prompt and a size within the limit', () => {
    const ids = new Set<number>();
    for (const c of loadCatalogs().values()) {
      for (const g of c.groups) {
        assert.ok(Number.isSafeInteger(g.id) && !ids.has(g.id));
        ids.add(g.id);
        for (const s of g.styles) {
          assert.ok(Number.isSafeInteger(s.id) && !ids.has(s.id), `style id ${s.id}`);
          ids.add(s.id);
          assert.ok(s.promptTemplate.length > 10);
          assert.ok(Math.max(s.width, s.height) <= 1024);
        }
      }
    }
    assert.ok(catalog.allStyles('text-to-image').length >= 12);
    assert.deepEqual(catalog.listStyleGroups('hair-style').groups.map((g) => g.info.title), ['Female', 'Male']);
  });

  it('pages groups and styles with next_token', () => {
    const first = catalog.listStyles('hair-style', 2001, { pageSize: 3 });
    assert.equal(first.styles.length, 3);
    assert.ok(first.next_token);
    const seen = [...first.styles];
    let token: string | undefined = first.next_token;
    while (token) {
      const page = catalog.listStyles('hair-style', '2001', { pageSize: '3', startingToken: token });
      seen.push(...page.styles);
      token = page.next_token;
    }
    assert.deepEqual(seen.map((s) => s.id), catalog.allStyles('hair-style').filter((s) => s.groupId === 2001).map((s) => s.id));
    assert.equal(catalog.listStyles('hair-style', 2001).next_token, undefined, 'default page of 20 holds the group');
    const groups = catalog.listStyleGroups('text-to-image', { pageSize: 2 });
    assert.equal(groups.groups.length, 2);
    assert.equal(catalog.listStyleGroups('text-to-image', { pageSize: 2, startingToken: groups.next_token }).groups.length, 1);
  });

  it('gives thumbnail URLs under /static/styles, prefixed by the base URL', () => {
    const s = catalog.listStyles('text-to-image', 1001, { baseUrl: 'https://dr.example.com/' }).styles[0];
    assert.equal(s.info.thumb, `https://dr.example.com/static/styles/${s.id}.png`);
    assert.equal(typeof s.info.title, 'string');
  });

  it('rejects unknown groups, styles, features and bad paging with typed errors', () => {
    assert.throws(() => catalog.listStyles('hair-style', 999), code('InvalidStyleGroup'));
    assert.throws(() => catalog.listStyles('hair-style', 1001), code('InvalidStyleGroup'), 'a text-to-image group is not a hair-style group');
    assert.throws(() => catalog.listStyleGroups('enhance'), code('InvalidStyleGroup'));
    assert.throws(() => catalog.getStyle('hair-bang', 200101), code('InvalidStyle'));
    assert.throws(() => catalog.listStyleGroups('hair-style', { pageSize: 21 }), code('InvalidParameters'));
    assert.throws(() => catalog.listStyleGroups('hair-style', { pageSize: 0 }), code('InvalidParameters'));
    assert.throws(() => catalog.listStyleGroups('hair-style', { startingToken: '42' }), code('InvalidParameters'));
  });

  it('resolves task params: one style id that belongs to the group, as number or string', () => {
    assert.equal(catalog.resolveStyleParams('hair-style', { style_group_id: '2002', style_ids: ['200201'] }).title, 'Buzz Cut');
    assert.throws(() => catalog.resolveStyleParams('hair-style', { style_group_id: 2001, style_ids: [200201] }), code('InvalidStyle'));
    assert.throws(() => catalog.resolveStyleParams('hair-style', { style_group_id: 2001, style_ids: [200101, 200102] }), code('InvalidStyle'));
    assert.throws(() => catalog.resolveStyleParams('hair-style', { style_ids: [200101] }), code('InvalidStyleGroup'));
  });

  it('renders the client prompt into a style template', () => {
    const s = catalog.getStyle('text-to-image', 100102);
    assert.equal(renderPrompt(s, ' a lighthouse '), 'a lighthouse, cinematic film still, dramatic lighting, shallow depth of field, anamorphic, color graded');
    assert.match(renderPrompt(catalog.getStyle('hair-bang', 400101)), /blunt/);
  });
});

describe('style thumbnails', () => {
  it('renders each style through the backend once and keeps existing files', async () => {
    const fake = await startFakeA1111();
    try {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-thumbs-'));
      const config = loadConfig({ dataDir, diffusion: { a1111: [fake.url] } }, {});
      const log = pino({ level: 'silent' });
      const first = await renderStyleThumbnails({ config, log, feature: 'hair-style' });
      const ids = catalog.allStyles('hair-style').map((s) => s.id);
      assert.deepEqual(first.rendered, ids);
      const file = path.join(dataDir, 'styles', 'thumbnails', `${ids[0]}.png`);
      assert.ok(existsSync(file));
      const meta = await sharp(file).metadata();
      assert.equal(meta.width, 256);
      assert.match(String(fake.txt2img[0].prompt), /a woman with long soft wavy hair/);
      assert.match(String(fake.txt2img.at(-1)!.prompt), /a man with/);
      const again = await renderStyleThumbnails({ config, log, feature: 'hair-style' });
      assert.deepEqual(again.skipped, ids);
      assert.equal(fake.txt2img.length, ids.length);
      await assert.rejects(renderStyleThumbnails({ config: loadConfig({ dataDir }, {}), log }), /DARKROOM_A1111_URLS/);
    } finally {
      await fake.close();
    }
  });
});
