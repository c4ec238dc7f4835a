import { Chalk } from 'chalk';
import { colorLevel } from './color.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.js';
import { eventLine } from './event-log.js';
import { noticeText } from './notice-text.js';
import { finishCommon } from './plain-renderer.js';
import type { Renderer, RendererDeps } from './types.js';

/**
 * NDJSON on stdout: exactly the events received, one per line, as `{"event", "data"}` (the `--events` format).
 * Notices go to stderr so stdout stays machine-readable; the result is not printed again (it is in the events).
 */
export function createJsonRenderer(deps: RendererDeps): Renderer {
  const c = new Chalk({ level: colorLevel(deps.stderr, deps.env) });
  let state: DashboardState = initialDashboardState();
  const say = (level: 'info' | 'warn' | 'error', text: string) => {
    const styled = level === 'error' ? c.red(text) : level === 'warn' ? c.yellow(text) : text;
    deps.stderr.write(`${c.dim('corch:')} ${styled}\n`);
  };
  return {
    mode: 'json',
    event(event) {
      state = reduceDashboard(state, event);
      deps.stdout.write(eventLine(event));
    },
    notice(notice) {
      state = reduceDashboard(state, notice);
      const text = noticeText(notice);
      // "connecting" and "reconnected, nothing lost" are noise for a machine consumer; problems are not.
      if (text && text.level !== 'info') say(text.level, text.text);
    },
    resize() {},
    async finish(summary = {}) {
      await finishCommon(state, summary, deps, say, false);
    },
    dispose() {},
  };
}
