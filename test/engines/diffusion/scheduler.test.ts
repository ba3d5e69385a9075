/**
 * The LCM scheduler against values computed independently (Python, float64) from the published
 * formulas of diffusers' scheduling_lcm.py (LCMScheduler.__init__, set_timesteps,
 * get_scalings_for_boundary_condition_discrete, step, add_noise) and
 * pipeline_latent_consistency_text2img.py (get_guidance_scale_embedding).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addNoise, alphasCumprod, boundaryScalings, guidanceEmbedding, lcmStep, lcmTimesteps } from '../../../src/engines/diffusion/scheduler.js';

const close = (got: number, want: number, what: string, rel = 1e-9) => assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got} ≠ ${want}`);

describe('LCM scheduler (SD 1.5 config: scaled_linear 0.00085…0.012, 1000 steps, distilled on 50)', () => {
  const alphas = alphasCumprod();

  test('ᾱ of the scaled-linear schedule', () => {
    assert.equal(alphas.length, 1000);
    close(alphas[0], 0.99915, 'ᾱ0');
    close(alphas[259], 0.658975526890813, 'ᾱ259');
    close(alphas[499], 0.27766965045646763, 'ᾱ499');
    close(alphas[759], 0.05221292829431003, 'ᾱ759');
    close(alphas[999], 0.004660098513077234, 'ᾱ999');
  });

  test('inference timesteps for 1, 2, 4 and 8 steps, and part-way strengths', () => {
    assert.deepEqual(lcmTimesteps(1), [999]);
    assert.deepEqual(lcmTimesteps(2), [999, 499]);
    assert.deepEqual(lcmTimesteps(4), [999, 759, 499, 259]);
    assert.deepEqual(lcmTimesteps(8), [999, 879, 759, 639, 499, 379, 259, 139]);
    assert.deepEqual(lcmTimesteps(4, 0.5), [499, 379, 259, 139]);
    assert.deepEqual(lcmTimesteps(4, 0.08), [79, 59, 39, 19]);
    assert.throws(() => lcmTimesteps(4, 0.06), RangeError, 'fewer distillation steps than inference steps');
    assert.throws(() => lcmTimesteps(51), RangeError);
  });

  test('boundary-condition scalings c_skip, c_out', () => {
    const at999 = boundaryScalings(999);
    close(at999.cSkip, 2.5050075037374525e-9, 'c_skip(999)', 1e-6);
    close(at999.cOut, 0.9999999987474963, 'c_out(999)');
    const at19 = boundaryScalings(19);
    close(at19.cSkip, 6.92515979806234e-6, 'c_skip(19)', 1e-6);
    close(at19.cOut, 0.9999965374141062, 'c_out(19)');
    assert.deepEqual(boundaryScalings(0), { cSkip: 1, cOut: 0 });
  });

  test('one step before the last: x̂0, denoised and the re-noised sample', () => {
    const ts = [999, 759, 499, 259];
    const r = lcmStep(Float32Array.of(0.5, 0.1), 759, Float32Array.of(1, -2), ts, 1, Float32Array.of(0.3, -0.7), alphas);
    close(r.denoised[0], 2.24606076162995, 'denoised[0]', 1e-6);
    close(r.denoised[1], -9.178734050485682, 'denoised[1]', 1e-6);
    close(r.prev[0], 1.4385176014162249, 'prev[0]', 1e-6);
    close(r.prev[1], -5.431606112724644, 'prev[1]', 1e-6);
  });

  test('the last step returns the denoised sample and reads no noise', () => {
    const r = lcmStep(Float32Array.of(0.5, 0.1), 259, Float32Array.of(1, -2), [999, 759, 499, 259], 3, undefined, alphas);
    close(r.prev[0], 0.8721815670165284, 'last[0]', 1e-6);
    close(r.prev[1], -2.535680701623967, 'last[1]', 1e-6);
    assert.equal(r.prev, r.denoised);
    assert.throws(() => lcmStep(Float32Array.of(0), 759, Float32Array.of(0), [999, 759, 499], 1, undefined, alphas), RangeError);
  });

  test('forward noising to a timestep', () => {
    const x = addNoise(Float32Array.of(1, -2), Float32Array.of(0.3, -0.7), 499, alphas);
    close(x[0], 0.781913748053094, 'x[0]', 1e-6);
    close(x[1], -1.6488175160816847, 'x[1]', 1e-6);
  });

  test('guidance-scale embedding (w = 8.5 − 1, 256 wide)', () => {
    const e = guidanceEmbedding(8.5, 256);
    assert.equal(e.length, 256);
    close(e[0], -0.8512358993460261, 'sin f0', 1e-5);
    close(e[1], 0.8422281421293536, 'sin f1', 1e-5);
    close(e[127], 0.6816387600233337, 'sin f127', 1e-5);
    close(e[128], -0.524783234930921, 'cos f0', 1e-5);
    close(e[255], 0.7316888688738213, 'cos f127', 1e-5);
    assert.equal(guidanceEmbedding(8.5, 255)[254], 0, 'odd widths are zero-padded');
  });
});
