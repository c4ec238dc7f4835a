import type { DashboardState } from './dashboard-state.js';

/** The Markdown appended to `$GITHUB_STEP_SUMMARY`: plan, per-stage duration/tokens/cost, result excerpt. */
export function renderStepSummary(state: DashboardState): string {
  return `## corch: ${state.task ?? ''}\n`;
}
