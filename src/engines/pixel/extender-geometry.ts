import { outPaintCropProblem, type OutPaintParams } from '../../features/params.js';
import { paramsFor, type EngineJob } from '../engine.js';
import { EngineError } from '../errors.js';

/**
 * An out-paint job's geometry. The contract checked every rule at task creation except the one that
 * needs the decoded source: the crop lies inside it.
 */
export function extenderGeometry(job: EngineJob, srcWidth: number, srcHeight: number): OutPaintParams {
  const g = paramsFor('out-paint', job);
  const crop = outPaintCropProblem(g, srcWidth, srcHeight);
  if (crop) throw new EngineError('invalid_parameter', crop.message);
  return g;
}
