import { Chalk } from 'chalk';
import { errorOutcome } from '../protocol/index.js';
import { colorLevel } from './color.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.js';
import { finishCommon } from './plain-renderer.js';
import { sanitize } from './text.js';
import type { Renderer, RendererDeps } from './types.js';

/**
 * `--progress quiet`: only the result, on stdout (or where `--output` saved it). Nothing about progress;
 * on stderr only what went wrong — a failed or cancelled run in one line, a warning worth acting on.
 */
export function createQuietRenderer(deps: RendererDeps): Renderer {
  const c = new Chalk({ level: colorLevel(deps.stderr, deps.env) });
  let state: DashboardState = initialDashboardState();
  const say = (level: 'info' | 'warn' | 'error', text: string) => {
    if (level === 'info') return;
    deps.stderr.write(`${c.dim('corch:')} ${level === 'error' ? c.red(text) : c.yellow(text)}\n`);
  };
  return {
    mode: 'quiet',
    event(event) {
      // Token deltas are the bulk of a run and nothing here shows them.
      if (event.event !== 'token_stream') state = reduceDashboard(state, event);
    },
    notice(notice) {
      state = reduceDashboard(state, notice);
    },
    resize() {},
    async finish(summary = {}) {
      const error = state.error;
      if (error) {
        const word = errorOutcome(error.code) === 'cancelled' ? 'cancelled' : `failed (${error.code})`;
        say('error', `${word}${error.stage ? ` in ${error.stage}` : ''}: ${sanitize(error.message)}`);
      }
      await finishCommon(state, summary, deps, say);
    },
    dispose() {},
  };
}
