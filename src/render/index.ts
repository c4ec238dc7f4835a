// Renderers and output files: only re-exports.
export { createRenderer, resolveProgressMode } from './create-renderer.js';
export { colorLevel } from './color.js';
export {
  type DashboardInput,
  type DashboardState,
  initialDashboardState,
  reduceDashboard,
  type StageRow,
  type StageStatus,
} from './dashboard-state.js';
export { type LayoutOptions, renderDashboard } from './dashboard-layout.js';
export { MAX_REDRAWS_PER_SECOND, REDRAW_INTERVAL_MS, SPINNER_INTERVAL_MS } from './tty-renderer.js';
export { renderStepSummary } from './github-summary.js';
export { renderResultMarkdown, type ResultSource, writeResultMarkdown } from './result-markdown.js';
export { createEventLog, type EventLog, type EventLogContents, parseEventLog, readEventLog } from './event-log.js';
export type {
  CliNotice,
  FinishSummary,
  OutputStreamLike,
  ProgressMode,
  RenderNotice,
  Renderer,
  RendererDeps,
} from './types.js';
