import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

interface Service { profiles?: string[]; environment?: Record<string, string>; volumes?: string[]; command?: string[]; depends_on?: Record<string, unknown> }
const compose = parse(readFileSync('deploy/compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const svc = (name: string) => {
  const s = compose.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};

/** The folder under ComfyUI/models each loader input reads from. */
const LOADER_FOLDERS: Record<string, string> = {
  ckpt_name: 'checkpoints', lora_name: 'loras', vae_name: 'vae', control_net_name: 'controlnet', unet_name: 'unet', clip_name: 'clip', upscale_model: 'upscale_models',
};

/** Every model file a workflow loads: [folder, file], `{{checkpoint}}` resolved to the workers' default. */
function workflowFiles(defaultCheckpoint: string): { workflow: string; folder: string; file: string }[] {
  const dir = 'workflows/comfyui';
  const out: { workflow: string; folder: string; file: string }[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const graph = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    for (const node of Object.values(graph)) {
      if (!/Loader/.test(node.class_type)) continue;
      for (const [key, value] of Object.entries(node.inputs)) {
        const folder = LOADER_FOLDERS[key];
        if (!folder || typeof value !== 'string') continue;
        out.push({ workflow: name, folder, file: value === '{{checkpoint}}' ? defaultCheckpoint : value });
      }
    }
  }
  return out;
}

/** Checkpoints the style catalogs name (any "checkpoint" field). */
function styleCheckpoints(): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'checkpoint' && typeof x === 'string' ? found.push(x) : walk(x));
  };
  const dir = 'src/styles/catalog';
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) walk(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  return found;
}

describe('deploy/compose.yaml gpu profile', () => {
  const fetched = (svc('comfyui-models').environment?.FILES ?? '').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [folder, file, sha256, url] = l.split(/\s+/);
    return { folder, file, sha256, url };
  });

  test('ComfyUI, its model fetcher and GPU workers exist only in the gpu profile', () => {
    for (const name of ['comfyui', 'comfyui-models', 'worker-gpu']) assert.deepEqual(svc(name).profiles, ['gpu'], name);
    assert.equal(svc('worker').profiles, undefined, 'the CPU workers run without a profile');
    assert.ok(svc('models-pull').profiles?.includes('gpu'));
    const env = svc('worker-gpu').environment ?? {};
    assert.equal(env.DARKROOM_COMFYUI_URLS, 'http://comfyui:8188');
    assert.ok(svc('worker-gpu').depends_on && 'comfyui' in svc('worker-gpu').depends_on!);
  });

  test('every fetched file has a sha256 and an https source, into the volume ComfyUI reads', () => {
    assert.ok(fetched.length > 0);
    for (const f of fetched) {
      assert.match(f.sha256, /^[0-9a-f]{64}$/, f.file);
      assert.match(f.url, /^https:\/\//, f.file);
      assert.ok(f.url.endsWith(`/${f.file}`), `${f.url} fetches ${f.file}`);
    }
    const volumeOf = (s: Service, mount: string) => s.volumes?.find((v) => v.endsWith(`:${mount}`))?.split(':')[0];
    assert.equal(volumeOf(svc('comfyui-models'), '/models'), volumeOf(svc('comfyui'), '/root/ComfyUI/models'));
  });

  test('every checkpoint a shipped workflow or style names is fetched by the init service', () => {
    const def = svc('worker-gpu').environment?.DARKROOM_DIFFUSION_CHECKPOINT;
    assert.ok(def, 'the GPU workers name their default checkpoint');
    const needed = [...workflowFiles(def), ...styleCheckpoints().map((file) => ({ workflow: 'styles', folder: 'checkpoints', file }))];
    assert.ok(needed.length >= 5, 'each workflow loads a checkpoint');
    for (const n of needed) assert.ok(fetched.some((f) => f.folder === n.folder && f.file === n.file), `${n.workflow} loads ${n.folder}/${n.file}, which comfyui-models does not fetch`);
  });

  test('the ONNX models are pulled into the volume the workers load from', () => {
    const pull = svc('models-pull');
    assert.deepEqual(pull.command, ['models', 'pull', '--all']);
    for (const name of ['worker', 'worker-gpu', 'models-pull']) {
      const s = svc(name);
      assert.equal(s.environment?.DARKROOM_MODELS_DIR, '/models', name);
      assert.ok(s.volumes?.includes('models:/models'), name);
    }
    assert.ok('models' in compose.volumes && 'comfy-models' in compose.volumes);
  });
});
