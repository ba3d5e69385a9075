export { loadCatalogs, renderPrompt, type FeatureCatalog, type Style, type StyleGroup } from './catalog.js';
export {
  allStyles,
  featuresWithStyles,
  getStyle,
  listStyleGroups,
  listStyles,
  MAX_PAGE_SIZE,
  parseId,
  StyleCatalogError,
  thumbnailPath,
  useCatalogs,
  type PageOptions,
  type StyleErrorCode,
  type StyleGroupPage,
  type StylePage,
} from './service.js';
export { defaultThumbnailDir, renderStyleThumbnails, thumbnailPrompt, type ThumbnailReport } from './thumbnails.js';
