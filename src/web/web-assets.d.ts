// The types of `#web-assets` (dist/web-assets.mjs, generated at build time by scripts/embed-web-assets.mjs).
import type { WebAssets } from '../server/web-page.js';

export declare const webAssets: WebAssets;
