import type { DashboardState } from './dashboard-state.js';

export interface LayoutOptions {
  /** Terminal columns (falls back to 80 when not finite). */
  width: number;
  /** Terminal rows available to the dashboard. */
  height: number;
  color: boolean;
  /** Clock in ms since the epoch: elapsed times and the spinner frame. */
  now: number;
}

/** The dashboard screen: a pure function of the state and the terminal; every line fits `width`. */
export function renderDashboard(state: DashboardState, options: LayoutOptions): string {
  return `${state.task ?? ''} ${options.width}`;
}
