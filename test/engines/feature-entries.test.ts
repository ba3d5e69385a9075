/**
 * The feature entries (src/engines/features/) are the one routing path: every feature of the contract
 * has exactly one, its options are the preference table, and a feature's engine is chosen from them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { FEATURE_ENTRIES, ENGINE_PREFERENCE } from '../../src/engines/features/index.js';
import { createEngineRegistry } from '../../src/engines/registry.js';
import { routeFeature } from '../../src/engines/routing/preference.js';
import { FEATURES } from '../../src/features/table.js';
import { DEFAULTS } from '../../src/config.js';
import type { WorkerPool } from '../../src/engines/engine.js';

test('every feature of the contract has exactly one entry, with distinct option ids', () => {
  const served = FEATURE_ENTRIES.map((e) => e.feature).sort();
  assert.deepEqual(served, FEATURES.map((f) => f.id).sort());
  for (const e of FEATURE_ENTRIES) {
    const ids = e.routes.map((r) => r.option.id);
    assert.equal(new Set(ids).size, ids.length, `${e.feature} repeats an option`);
    assert.deepEqual(ENGINE_PREFERENCE[e.feature], e.routes.map((r) => r.option));
  }
});

test('with no models and no diffusion backend, each feature is served by its built-in route or says what is missing', () => {
  const config = { engines: { ...DEFAULTS.engines, modelsDir: '/nonexistent-models' }, diffusion: { ...DEFAULTS.diffusion, a1111: [], comfyui: [] } };
  const engines = createEngineRegistry({ config, log: pino({ level: 'silent' }), pool: {} as WorkerPool });
  for (const f of FEATURES) {
    const route = routeFeature(f.id, config)!;
    const builtin = ENGINE_PREFERENCE[f.id]!.find((o) => o.kind === 'builtin');
    assert.equal(route.serving?.id, builtin?.id, f.id);
    const a = engines.get(f.id)!.availability();
    if (!builtin) assert.ok(!a.available && a.reason, `${f.id} says why it cannot run`);
  }
  assert.doesNotMatch(engines.get('face-swap')!.availability().implementation ?? '', /inswapper/, 'face swap falls back to the classical swap');
});
