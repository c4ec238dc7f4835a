import { isCorchError } from '../protocol/index.js';
import { validateTaskRequest } from '../protocol/validate-task-request.js';

/** What the form holds. */
export interface TaskFormValues {
  task: string;
  context: string;
  provider: string;
  model: string;
}

/** The request body, or the message for the field that is wrong (the server's own rules, checked here first). */
export type TaskFormResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; field: 'task' | 'context'; message: string };

/** Reads the Context field: empty is "no context"; otherwise a JSON object, with a message saying what is wrong. */
export function parseContext(text: string): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `Context is not valid JSON (${detail}). Write an object such as {"language": "python"}, or leave it empty.` };
  }
  try {
    validateTaskRequest({ task: 'x', context: value });
  } catch (error) {
    if (isCorchError(error)) return { ok: false, message: `Context: ${error.message}, such as {"language": "python"}.` };
    throw error;
  }
  // `null` means "no context" to the server too.
  return { ok: true, value: value === null ? undefined : (value as Record<string, unknown>) };
}

/** Checks the form the way the server will and builds the `POST /api/stream/task` body. */
export function taskRequestFromForm(values: TaskFormValues): TaskFormResult {
  if (values.task.trim() === '') return { ok: false, field: 'task', message: 'Task must not be empty: say what the agents should build.' };
  const context = parseContext(values.context);
  if (!context.ok) return { ok: false, field: 'context', message: context.message };
  const body: Record<string, unknown> = { task: values.task };
  if (context.value !== undefined) body.context = context.value;
  if (values.provider !== '') body.provider = values.provider;
  if (values.model.trim() !== '') body.model = values.model.trim();
  return { ok: true, body };
}
