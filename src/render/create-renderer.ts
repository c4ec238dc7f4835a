import { createJsonRenderer } from './json-renderer.js';
import { createPlainRenderer } from './plain-renderer.js';
import { createQuietRenderer } from './quiet-renderer.js';
import { createTtyRenderer } from './tty-renderer.js';
import type { ProgressMode, Renderer, RendererDeps } from './types.js';

/**
 * Resolves `--progress auto` like docker buildx: `tty` on an interactive terminal, not under CI and not with
 * `TERM=dumb`, else `plain`. `isTTY` is the caller's to decide; the CLI passes whether stderr, where the
 * dashboard is drawn, is a terminal (stdout may be piped to a file: the result goes there).
 */
export function resolveProgressMode(
  requested: ProgressMode | 'auto',
  context: { env: Record<string, string | undefined>; isTTY: boolean },
): ProgressMode {
  if (requested !== 'auto') return requested;
  const ci = context.env.CI !== undefined && context.env.CI !== '' && context.env.CI !== 'false';
  return context.isTTY && !ci && context.env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/**
 * Creates the renderer for `mode`. Under GitHub Actions (`GITHUB_ACTIONS=true`) plain output groups each stage
 * and every mode appends a step summary to `$GITHUB_STEP_SUMMARY` when it finishes.
 */
export function createRenderer(mode: ProgressMode, deps: RendererDeps): Renderer {
  switch (mode) {
    case 'tty':
      return createTtyRenderer(deps);
    case 'plain':
      return createPlainRenderer(deps);
    case 'json':
      return createJsonRenderer(deps);
    case 'quiet':
      return createQuietRenderer(deps);
  }
}
