/**
 * Functions the pixel engines run inside pool worker threads (see `WorkerPool.run`): everything
 * that loops over every pixel.
 */
import { dilateMask, fillHole, type FillRequest } from './hole-fill.js';
import { relight, type RelightRequest } from './relight.js';
import { liftFaces, type FaceLiftRequest } from './face-light.js';

export function fillHoleKernel(req: FillRequest): Uint8Array {
  return fillHole(req);
}

export function growMaskKernel(req: { hole: Uint8Array; width: number; height: number; dilate: number }): { grown: Uint8Array; alpha: Float32Array } {
  const { grown, distToHole } = dilateMask(req.hole, req.width, req.height, req.dilate);
  const alpha = new Float32Array(grown.length);
  for (let i = 0; i < grown.length; i++) alpha[i] = req.hole[i] ? 1 : grown[i] ? 1 - distToHole[i] / (req.dilate + 1) : 0;
  return { grown, alpha };
}

export function relightKernel(req: RelightRequest): Uint8Array {
  return relight(req);
}

export function liftFacesKernel(req: FaceLiftRequest): Uint8Array {
  return liftFaces(req);
}
