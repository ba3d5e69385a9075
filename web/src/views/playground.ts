import { announce, append, clear, field, formatDuration, h } from '../dom.ts';
import type { AdminFeature, AdminKey } from '../admin-api.ts';
import { admin, baseUrl, knownSecrets, rememberSecret, secretFor } from '../session.ts';
import { createPublicClient, PlaygroundError, toPlaygroundError, type PublicClient, type RunInput, type RunProgress } from '../public-client.ts';
import { errorBox } from '../widgets/error-box.ts';
import { dropzone } from '../widgets/dropzone.ts';
import { maskPainter, type MaskPainter } from '../widgets/mask-painter.ts';
import { beforeAfter, type Placement } from '../widgets/before-after.ts';
import { extenderFrame, type ExtenderFrame } from '../widgets/extender-frame.ts';
import { stylePicker, type StylePicker } from '../widgets/style-picker.ts';
import { paramFields } from '../widgets/param-fields.ts';

const PASTE = '__paste__';
/** One SDK client per key, so its access token is reused across runs like a real client would. */
const clients = new Map<string, PublicClient>();

function clientFor(clientId: string, clientSecret: string): PublicClient {
  const cacheKey = `${clientId}\n${clientSecret}`;
  let c = clients.get(cacheKey);
  if (!c) {
    c = createPublicClient(baseUrl, clientId, clientSecret);
    clients.set(cacheKey, c);
  }
  return c;
}

const ACCEPT: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', heic: 'image/heic,.heic', mp4: 'video/mp4', mov: 'video/quicktime,.mov', m4v: 'video/x-m4v,.m4v' };

/** Per-feature controls that need more than a photo. */
interface FeatureInputs {
  el: HTMLElement;
  collect(): Promise<RunInput>;
}

export function renderPlayground(root: HTMLElement): () => void {
  let abort: AbortController | null = null;
  const keyArea = h('section', { class: 'card', 'aria-labelledby': 'pg-key' }, h('h2', { id: 'pg-key' }, '1. Run as key'), h('p', { class: 'muted' }, 'Loading keys…'));
  const featureArea = h('section', { class: 'card', 'aria-labelledby': 'pg-feature' }, h('h2', { id: 'pg-feature' }, '2. Feature and inputs'), h('p', { class: 'muted' }, 'Loading features…'));
  const resultArea = h('section', { class: 'card', 'aria-labelledby': 'pg-result', 'aria-busy': 'false' }, h('h2', { id: 'pg-result' }, '3. Result'), h('p', { class: 'muted' }, 'Run a task to see its result here.'));

  append(root, [
    h('h1', {}, 'Playground'),
    h('p', { class: 'muted' }, 'Runs features through the public API from this browser, exactly like a client: id_token → access token → upload → task → poll.'),
    h('div', { class: 'pg-grid' }, h('div', { class: 'pg-col' }, keyArea, featureArea), h('div', { class: 'pg-col' }, resultArea)),
  ]);

  // ---- key selection ----
  const keySel = h('select', { name: 'run_as' });
  const pasteId = h('input', { type: 'text', name: 'client_id', autocomplete: 'off', spellcheck: false });
  const pasteSecret = h('textarea', { name: 'client_secret', rows: 3, autocomplete: 'off', spellcheck: false });
  const pasteBox = h('div', { class: 'paste-box', hidden: true }, field('client_id', pasteId), field('client_secret', pasteSecret, 'The base64 public key shown when the key was created.'));
  const balanceOut = h('div', { class: 'balance-out', 'aria-live': 'polite' });
  const checkBalance = h('button', { type: 'button', class: 'ghost' }, 'Check balance as this key');

  const currentCreds = (): { clientId: string; clientSecret: string } | null => {
    if (keySel.value === PASTE) {
      const clientId = pasteId.value.trim();
      const clientSecret = pasteSecret.value.replace(/\s+/g, '');
      return clientId && clientSecret ? { clientId, clientSecret } : null;
    }
    const s = secretFor(keySel.value);
    return s ? { clientId: s.clientId, clientSecret: s.clientSecret } : null;
  };

  const fillKeys = (keys: AdminKey[]): void => {
    const usable = knownSecrets();
    const names = new Map(keys.map((k) => [k.client_id, k]));
    clear(
      keySel,
      usable.map((s) => h('option', { value: s.clientId }, `${s.name} (${s.clientId.slice(0, 12)}…)${names.get(s.clientId)?.revoked_at ? ' — revoked' : ''}`)),
      h('option', { value: PASTE }, 'Paste a client_id and secret…'),
    );
    pasteBox.hidden = keySel.value !== PASTE;
  };
  keySel.addEventListener('change', () => {
    pasteBox.hidden = keySel.value !== PASTE;
    clear(balanceOut);
    // Style catalogs are read through the chosen key, so reload them for the new one.
    if (currentFeature()?.styles) showFeature();
  });
  checkBalance.addEventListener('click', async () => {
    const creds = currentCreds();
    if (!creds) return void clear(balanceOut, h('p', { class: 'error' }, 'Choose a key or paste its credentials first.'));
    clear(balanceOut, h('p', { class: 'muted' }, 'Signing in as the key…'));
    try {
      if (keySel.value === PASTE) rememberSecret({ ...creds, name: 'pasted key' });
      const b = await clientFor(creds.clientId, creds.clientSecret).credits();
      clear(balanceOut, h('p', { 'data-testid': 'key-balance' }, `This key has ${b.total} credits in ${b.lots.length} lot(s).`));
    } catch (e) {
      clear(balanceOut, errorBox(toPlaygroundError(e)));
    }
  });

  void admin
    .keys()
    .then(({ keys }) => {
      fillKeys(keys);
      clear(
        keyArea,
        h('h2', { id: 'pg-key' }, '1. Run as key'),
        field('Key', keySel, 'Keys created in this tab keep their secret in memory; for others, paste the credentials.'),
        pasteBox,
        checkBalance,
        balanceOut,
      );
    })
    .catch((e) => clear(keyArea, h('h2', { id: 'pg-key' }, '1. Run as key'), errorBox(e)));

  // ---- feature selection and inputs ----
  const featSel = h('select', { name: 'feature' });
  const featInfo = h('p', { class: 'muted' });
  const inputsBox = h('div', { class: 'inputs' });
  const runBtn = h('button', { type: 'submit', class: 'primary' }, 'Run');
  const cancelBtn = h('button', { type: 'button', class: 'ghost', hidden: true }, 'Cancel');
  const outputExt = h('select', { name: 'output_ext' }, h('option', { value: '' }, 'Default'), h('option', { value: 'jpg' }, 'JPG'), h('option', { value: 'png' }, 'PNG'));
  let features: AdminFeature[] = [];
  let inputs: FeatureInputs | null = null;
  let srcPreview: string | null = null;

  const currentFeature = (): AdminFeature | undefined => features.find((f) => f.id === featSel.value);

  const showFeature = (): void => {
    const f = currentFeature();
    if (!f) return;
    clear(
      featInfo,
      `${f.price} credit${f.price === 1 ? '' : 's'} per successful task`,
      f.available ? null : h('strong', { class: 'error' }, ` — unavailable: ${f.reason ?? 'engine not loaded'}`),
      f.implementation ? h('small', { class: 'engine' }, `Engine: ${f.implementation}`) : null,
      f.upgrade ? h('small', { class: 'engine' }, ` Upgrade: ${f.upgrade}`) : null,
      f.upgrading ? h('small', { class: 'engine' }, ` Upgrading: ${f.upgrading}`) : null,
    );
    runBtn.disabled = !f.available;
    inputs = buildInputs(f, () => currentCreds(), (url) => (srcPreview = url));
    clear(inputsBox, inputs.el);
    if (!abort) showResult(h('p', { class: 'muted' }, 'Run a task to see its result here.'));
  };
  featSel.addEventListener('change', showFeature);

  const form = h('form', { class: 'run-form', 'aria-label': 'Run a feature' }, field('Feature', featSel), featInfo, inputsBox, field('Output format', outputExt), h('div', { class: 'buttons' }, runBtn, cancelBtn));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = currentFeature();
    const creds = currentCreds();
    if (!f || !inputs) return;
    if (!creds) return void showResult(errorBox(new PlaygroundError(undefined, 'Choose a key whose secret this tab knows, or paste a client_id and secret.')));
    let input: RunInput;
    try {
      input = await inputs.collect();
    } catch (e) {
      return void showResult(errorBox(e));
    }
    if (outputExt.value) input.outputExt = outputExt.value as 'jpg' | 'png';
    abort = new AbortController();
    runBtn.disabled = true;
    cancelBtn.hidden = false;
    const progress = h('progress', { 'aria-label': 'Task progress' });
    const stage = h('p', { 'aria-live': 'polite', 'data-testid': 'progress-stage' }, 'Starting…');
    const started = performance.now();
    resultArea.setAttribute('aria-busy', 'true');
    showResult(h('div', { class: 'progress-box' }, progress, stage));
    try {
      const client = clientFor(creds.clientId, creds.clientSecret);
      const r = await client.run(f.id, input, {
        signal: abort.signal,
        onProgress: (p) => {
          stage.textContent = `${STAGE_LABELS[p.stage]}${p.detail ? ` (${p.detail})` : ''} — ${formatDuration(Math.round(performance.now() - started))}`;
          if (p.fraction !== undefined) progress.value = p.fraction;
          else if (p.stage === 'done') progress.value = 1;
        },
      });
      const took = formatDuration(Math.round(performance.now() - started));
      announce(`${f.title} finished in ${took}`, 'success');
      showResult(resultView(f, r.urls, srcPreview, took, r.taskId, placementOf(input.params)));
    } catch (e) {
      const err = toPlaygroundError(e);
      showResult(h('div', { 'data-testid': 'run-error' }, h('h3', {}, abort.signal.aborted ? 'Cancelled' : 'The task failed'), errorBox(err)));
      announce(abort.signal.aborted ? 'Task cancelled' : `Task failed: ${err.code ?? err.message}`, 'error');
    } finally {
      resultArea.setAttribute('aria-busy', 'false');
      runBtn.disabled = !(currentFeature()?.available ?? false);
      cancelBtn.hidden = true;
      abort = null;
    }
  });
  cancelBtn.addEventListener('click', () => abort?.abort());

  function showResult(content: HTMLElement): void {
    clear(resultArea, h('h2', { id: 'pg-result' }, '3. Result'), content);
  }

  void admin
    .features()
    .then((r) => {
      features = r.features;
      clear(
        featSel,
        features.map((f) => h('option', { value: f.id }, `${f.title}${f.available ? '' : ' (unavailable)'}`)),
      );
      const preferred = features.find((f) => f.id === 'color-correct' && f.available) ?? features.find((f) => f.available) ?? features[0];
      if (preferred) featSel.value = preferred.id;
      clear(featureArea, h('h2', { id: 'pg-feature' }, '2. Feature and inputs'), form);
      showFeature();
    })
    .catch((e) => clear(featureArea, h('h2', { id: 'pg-feature' }, '2. Feature and inputs'), errorBox(e)));

  return () => abort?.abort();
}

/** The image extender's geometry, as the place of the original inside the result. */
function placementOf(params: Record<string, unknown> | undefined): Placement | undefined {
  const p = params as { output_width?: number; output_height?: number; input_x?: number; input_y?: number; input_width?: number; input_height?: number } | undefined;
  if (!p?.output_width || !p.output_height || p.input_x === undefined || p.input_y === undefined || !p.input_width || !p.input_height) return undefined;
  const pct = (v: number, of: number) => (v / of) * 100;
  return { left: pct(p.input_x, p.output_width), top: pct(p.input_y, p.output_height), width: pct(p.input_width, p.output_width), height: pct(p.input_height, p.output_height) };
}

const STAGE_LABELS: Record<RunProgress['stage'], string> = { upload: 'Uploading', created: 'Task created', running: 'Processing', done: 'Done' };

function resultView(f: AdminFeature, urls: string[], before: string | null, took: string, taskId?: string, placement?: Placement): HTMLElement {
  if (urls.length === 0) return h('p', {}, 'The task succeeded but returned no file.');
  const isVideo = f.file_sets.some((s) => s.role === 'video');
  let current = urls[0];
  const stage = h('div', { class: 'result-stage' });
  const show = (url: string): void => {
    current = url;
    clear(
      stage,
      isVideo
        ? h('video', { src: url, controls: true, class: 'result-video', 'data-testid': 'result-video' })
        : before
          ? beforeAfter(before, url, placement)
          : h('img', { src: url, alt: `${f.title} result`, class: 'result-single', 'data-testid': 'result-image' }),
    );
  };
  const download = h('button', { type: 'button', class: 'primary', 'data-testid': 'download' }, 'Download result');
  download.addEventListener('click', async () => {
    // Fetch then save through an object URL: the download attribute is ignored for cross-origin links (S3 storage).
    try {
      const res = await fetch(current);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blob = await res.blob();
      const ext = isVideo ? 'mp4' : blob.type === 'image/png' ? 'png' : 'jpg';
      const obj = URL.createObjectURL(blob);
      const a = h('a', { href: obj, download: `${f.id.replace(/\W+/g, '-')}-${taskId ?? 'result'}.${ext}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(obj), 10_000);
    } catch (e) {
      announce(`Download failed: ${(e as Error).message}`, 'error');
    }
  });
  // Some features return several variants; each can be compared and downloaded.
  const variants =
    urls.length > 1
      ? h(
          'fieldset',
          { class: 'radios variants' },
          h('legend', {}, `${urls.length} results`),
          urls.map((u, i) => {
            const radio = h('input', { type: 'radio', name: 'variant', value: String(i), checked: i === 0 });
            radio.addEventListener('change', () => show(u));
            return h('label', {}, radio, ` ${i + 1}`);
          }),
        )
      : null;
  show(current);
  return h(
    'div',
    { class: 'result', 'data-testid': 'result' },
    h('p', { class: 'success-line' }, h('span', { class: 'badge good' }, 'success'), ` ${f.title} in ${took}`, taskId ? h('small', { class: 'muted task-id' }, ` · task ${taskId}`) : null),
    variants,
    stage,
    h('div', { class: 'buttons' }, download),
  );
}

function buildInputs(f: AdminFeature, creds: () => { clientId: string; clientSecret: string } | null, onSrc: (url: string | null) => void): FeatureInputs {
  const el = h('div', { class: 'feature-inputs' });
  const formats = (f.limits.formats as string[] | undefined) ?? ['jpg', 'png'];
  const accept = formats.map((x) => ACCEPT[x] ?? `.${x}`).join(',');
  const srcSet = f.file_sets.find((s) => s.name === 'src_ids');
  const maskSet = f.file_sets.find((s) => s.role === 'mask');
  const refSet = f.file_sets.find((s) => s.name === 'ref_ids');
  const extras = h('div', { class: 'extras' });
  const srcStage = h('div', { class: 'src-stage' });
  let srcFile: File | null = null;
  let refFiles: File[] = [];
  let mask: MaskPainter | null = null;
  let extender: ExtenderFrame | null = null;
  let styles: StylePicker | null = null;
  const props = f.params_schema?.properties ?? {};
  // A feature with an output canvas (the extender) gets its params from the canvas frame; the style
  // picker sets the style ids; every other param gets a control of its own from the schema.
  const hasGeometry = 'output_width' in props;
  const owned = new Set([...(hasGeometry ? Object.keys(props) : []), ...(f.styles ? ['style_group_id', 'style_ids'] : [])]);
  const simple = paramFields(f.params_schema, owned);

  onSrc(null);
  if (srcSet) {
    const isVideo = srcSet.role === 'video';
    const dz = dropzone({
      label: isVideo ? 'Source video' : 'Photo',
      accept,
      onChange: (files) => {
        srcFile = files[0] ?? null;
        mask = null;
        extender = null;
        clear(srcStage);
        if (!srcFile) return onSrc(null);
        const url = URL.createObjectURL(srcFile);
        onSrc(isVideo ? null : url);
        if (isVideo) return void srcStage.append(h('video', { src: url, controls: true, class: 'src-preview' }));
        const img = h('img', { src: url, alt: 'Chosen photo', class: 'src-preview' });
        img.addEventListener('load', () => {
          if (maskSet) {
            mask = maskPainter(img);
            clear(srcStage, mask.el);
          } else if (hasGeometry) {
            extender = extenderFrame(img);
            clear(srcStage, extender.el);
          }
        });
        img.addEventListener('error', () => clear(srcStage, h('p', { class: 'muted' }, 'This browser cannot preview this file; it is still sent as is.')));
        srcStage.append(img);
      },
    });
    el.append(dz.el, h('p', { class: 'muted limits' }, limitsText(f)), srcStage);
  }
  if (refSet) {
    const dz = dropzone({ label: refSet.label ?? 'Reference photo', accept, multiple: (refSet.max_files ?? 1) > 1, onChange: (files) => (refFiles = files) });
    el.append(dz.el);
  }
  extras.append(simple.el);
  if (f.styles) {
    const c = creds();
    if (c) {
      try {
        styles = stylePicker(clientFor(c.clientId, c.clientSecret), f.id);
        extras.append(styles.el);
      } catch (e) {
        extras.append(errorBox(e));
      }
    } else extras.append(h('p', { class: 'muted' }, 'Choose a key above, then pick this feature again to load its styles.'));
  }
  el.append(extras);

  return {
    el,
    async collect() {
      const params: Record<string, unknown> = {};
      const input: RunInput = { params };
      if (srcSet?.required && !srcFile) throw new PlaygroundError('InvalidParameters', 'Choose a photo first.');
      if (srcFile) input.src = srcFile;
      if (maskSet) {
        if (!mask || !mask.painted()) throw new PlaygroundError('InvalidParameters', 'Paint the area to change on the photo first.');
        input.mask = await mask.toBlob();
      }
      if (refSet) {
        if (refSet.required && refFiles.length === 0) throw new PlaygroundError('InvalidParameters', 'Choose a reference photo.');
        input.ref = refFiles.length > 1 ? refFiles : refFiles[0];
      }
      Object.assign(params, simple.collect());
      if (extender) {
        const p = extender.problem();
        if (p) throw new PlaygroundError('InvalidParameters', p);
        Object.assign(params, extender.params());
      }
      if (styles) {
        const s = styles.selection();
        if (!s) throw new PlaygroundError('InvalidStyle', 'Pick a style.');
        Object.assign(params, s);
      }
      if (Object.keys(params).length === 0) delete input.params;
      return input;
    },
  };
}

function limitsText(f: AdminFeature): string {
  const l = f.limits;
  const bytes = (l.maxBytes ?? l.max_bytes) as number | undefined;
  const side = (l.maxLongSide ?? l.max_long_side) as number | undefined;
  const parts = [l.formats ? `${(l.formats as string[]).join(', ').toUpperCase()}` : null, bytes ? `under ${Math.round(bytes / 1024 / 1024)} MB` : null, side ? `long side ≤ ${side} px` : null].filter(Boolean);
  return parts.length ? `Accepted: ${parts.join(' · ')}` : '';
}
