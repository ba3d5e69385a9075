import type { StylePreset } from '../engines/engine.js';
import { EngineError } from '../engines/errors.js';
import { feature, type FeatureId } from '../features/table.js';
import { StyleCatalogError, type StylesCatalog } from '../styles/service.js';

/**
 * The style a styled feature's task names (`style_group_id` + `style_ids`), resolved on the task
 * path so engines receive a preset and never read the catalogs. A bad reference fails the task
 * with `invalid_parameter` before any engine work.
 */
export function styleOfTask(styles: StylesCatalog, id: FeatureId, params: Record<string, unknown>): StylePreset | undefined {
  if (!feature(id).styles) return undefined;
  try {
    return styles.resolveStyleParams(id, params);
  } catch (e) {
    if (e instanceof StyleCatalogError) throw new EngineError('invalid_parameter', e.message);
    throw e;
  }
}
