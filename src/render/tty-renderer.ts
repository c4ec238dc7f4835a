/** The dashboard is redrawn at most this often, however fast tokens arrive. */
export const MAX_REDRAWS_PER_SECOND = 25;
/** Minimum time between two redraws. */
export const REDRAW_INTERVAL_MS = Math.ceil(1000 / MAX_REDRAWS_PER_SECOND);
/** The spinner and the elapsed time tick this often while an agent works. */
export const SPINNER_INTERVAL_MS = 100;
