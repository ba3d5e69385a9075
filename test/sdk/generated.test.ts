/** The SDK's feature table is generated from the contract: a stale copy fails here (run `npm run gen:sdk`). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED_PATH, sdkFeaturesSource } from '../../scripts/gen-sdk-features.js';

test('sdk/src/features.generated.ts is what scripts/gen-sdk-features.ts writes from src/features', () => {
  assert.equal(readFileSync(GENERATED_PATH, 'utf8'), sdkFeaturesSource(), 'stale: run `npm run gen:sdk`');
});
