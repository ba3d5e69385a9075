export { MODELS, fileUrl, modelSpec, type ChecksumOrigin, type ModelFile, type ModelRole, type ModelSignature, type ModelSpec } from './catalog.js';
export { LOCAL_CATALOG, allModels, findSpec, localModels } from './local-catalog.js';
export {
  ChecksumError, RECORDED_SUMS, findModel, modelDir, packageDir, requireModel, sha256File, verifyModel, type ModelLookup, type ResolvedModel,
} from './resolve.js';
export { createOnnxSession, inputType, sessionFor, type ModelRef, type OnnxOptions } from './onnx.js';
export { LicenceNotAcceptedError, pullModel, pullableNames, type PullOptions, type PullProgress, type PullResult } from './pull.js';
export { listModels, modelsListRows, type ModelStatus, type ModelsListRow } from './list.js';
export { bestModel, catalogModels, presentModels } from './select.js';
