export { createDiffusionClient, type DiffusionClient } from './backends/client.js';
export { sharedDiffusionClient } from './shared.js';
