/**
 * The SDK's hand-written feature facts (it must not import server code) against the server's feature
 * contract: ids, segments, file sets, parameter names and which are required, style catalogs, the
 * extender's limit, and — at compile time — the parameter types.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sdk from '../../sdk/src/index.js';
import type { FeatureParams as SdkParams, IdInput } from '../../sdk/src/index.js';
import { OUT_PAINT_MAX_SIDE } from '../../src/features/params.js';
import { FEATURES, feature, type FeatureId, type FeatureParams } from '../../src/features/table.js';

/** True when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The SDK takes ids as bigint too and sends them as JSON numbers or strings. */
type OnWire<T> = T extends IdInput ? Exclude<T, bigint> : T extends readonly (infer E)[] ? OnWire<E>[] : T extends object ? { [K in keyof T]: OnWire<T[K]> } : T;
type SameParams = { [F in FeatureId]: Same<OnWire<SdkParams[F]>, FeatureParams[F]> extends true ? true : Same<keyof SdkParams[F], never> };
// A feature whose SDK parameter type drifts from the contract fails typecheck here.
const paramsAgree: { [F in FeatureId]: true } = {} as SameParams;
void paramsAgree;

test('the SDK knows exactly the contract’s features', () => {
  assert.deepEqual([...sdk.FEATURE_IDS].sort(), FEATURES.map((f) => f.id).sort());
});

test('segments, aliases, file sets and style catalogs agree', () => {
  for (const f of FEATURES) {
    const info = sdk.FEATURES[f.id];
    assert.deepEqual([info.segment, ...info.aliases], [...f.segments], f.id);
    assert.deepEqual(Object.values(info.inputs).sort(), f.fileSets.map((s) => s.name).sort(), f.id);
    assert.equal(info.hasStyles, f.styles, f.id);
  }
});

test('parameter names and which are required agree', () => {
  for (const f of FEATURES) {
    const info = sdk.FEATURES[f.id];
    const schema = feature(f.id).params.schema;
    assert.deepEqual([...info.requiredParams].sort(), [...(schema.required ?? [])].sort(), `${f.id} required`);
    assert.deepEqual([...info.requiredParams, ...(info.optionalParams ?? [])].sort(), Object.keys(schema.properties).sort(), `${f.id} names`);
  }
});

test('the enhance scales and the extender limit the console uses are the contract’s', () => {
  assert.deepEqual(feature('enhance').params.schema.properties.scale.anyOf.map((s: { const: number }) => s.const), [...sdk.ENHANCE_SCALES]);
  assert.equal(sdk.OUT_PAINT_MAX_SIDE, OUT_PAINT_MAX_SIDE);
  assert.equal(feature('out-paint').params.schema.properties.output_width.maximum, sdk.OUT_PAINT_MAX_SIDE);
});
