/**
 * The label the simulated provider carries wherever it is used: `task_started.notice`, the provider message,
 * every text it writes, the dashboard, the plain log, the result file and the step summary.
 */
export const SIMULATED_LABEL = 'simulated — no model was called';
