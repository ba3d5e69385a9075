export { MODELS, modelSpec, type ModelFile, type ModelSpec } from './catalog.js';
export { findModel, packageDir, requireModel, sha256File, verifyModel, type ModelLookup, type ResolvedModel } from './resolve.js';
export { createOnnxSession, type OnnxOptions } from './onnx.js';
export { pullModel, type PullOptions, type PullResult } from './pull.js';
export { listModels, modelsListRows, type ModelStatus, type ModelsListRow } from './list.js';
