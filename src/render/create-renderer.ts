import type { ProgressMode, Renderer, RendererDeps } from './types.js';

/**
 * Resolves `--progress auto`: `tty` when progress goes to an interactive terminal and not under CI, else `plain`.
 * `isTTY` is the progress stream's (stderr's).
 */
export function resolveProgressMode(
  requested: ProgressMode | 'auto',
  context: { env: Record<string, string | undefined>; isTTY: boolean },
): ProgressMode {
  if (requested !== 'auto') return requested;
  const ci = context.env.CI !== undefined && context.env.CI !== '' && context.env.CI !== 'false';
  return context.isTTY && !ci && context.env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** Creates the renderer for `mode`; under GitHub Actions `plain` groups stages and writes a step summary. */
export function createRenderer(mode: ProgressMode, deps: RendererDeps): Renderer {
  throw new Error(`not implemented yet: ${mode} ${Object.keys(deps).length}`);
}
