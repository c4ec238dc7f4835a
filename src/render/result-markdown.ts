import type { TaskCompletedData } from '../protocol/index.js';
import type { DashboardState } from './dashboard-state.js';

/** What `--output` is written from: the final dashboard state (preferred: it knows the task) or the completed event. */
export type ResultSource = DashboardState | TaskCompletedData | { event: 'task_completed'; data: TaskCompletedData };

/** The deliverable as Markdown: design, code, review and docs under headings. */
export function renderResultMarkdown(source: ResultSource): string {
  return JSON.stringify(source);
}

/** Writes {@link renderResultMarkdown} to `path` (via a temporary file, so a reader never sees half of it). */
export async function writeResultMarkdown(path: string, source: ResultSource): Promise<void> {
  throw new Error(`not implemented yet: ${path} ${renderResultMarkdown(source).length}`);
}
