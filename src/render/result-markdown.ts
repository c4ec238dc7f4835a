import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { rename, rm, writeFile } from 'node:fs/promises';
import { CorchError, type StageRole, type TaskCompletedData } from '../protocol/index.js';
import type { DashboardState } from './dashboard-state.js';
import { formatCost, formatCount, formatDuration } from './format.js';
import { firstLine } from './text.js';

/** What `--output` is written from: the final dashboard state (preferred: it knows the task) or the completed event. */
export type ResultSource = DashboardState | TaskCompletedData | { event: 'task_completed'; data: TaskCompletedData };

interface Parts {
  task: string | null;
  simulated: boolean;
  notice: string | null;
  completed: TaskCompletedData | null;
  outputs: Partial<Record<StageRole, string>>;
  error: DashboardState['error'];
}

function parts(source: ResultSource): Parts {
  if ('phase' in source) {
    return {
      task: source.task,
      simulated: source.simulated,
      notice: source.providerNotice,
      completed: source.completed,
      outputs: source.outputs,
      error: source.error,
    };
  }
  const data = 'event' in source ? source.data : source;
  return { task: null, simulated: false, notice: null, completed: data, outputs: data.outputs ?? {}, error: null };
}

/** The deliverable as Markdown: design, code, review and docs under headings (stage outputs are Markdown already). */
export function renderResultMarkdown(source: ResultSource): string {
  const p = parts(source);
  const out: string[] = [`# ${p.task ? firstLine(p.task) : 'corch result'}`, ''];
  if (p.simulated) {
    out.push(`> **${p.notice ?? SIMULATED_LABEL}**: this text was produced offline by corch's simulated provider, not by a model.`, '');
  }
  if (p.error) out.push(`> **The run did not complete** (\`${p.error.code}\`): ${p.error.message}`, '');
  // The final code is the run's result; before the refiner ran, the coder's output is the code.
  const code = p.completed?.result || p.outputs.refiner || p.outputs.coder;
  const sections: Array<[string, string | undefined]> = [
    ['Design', p.outputs.architect],
    ['Code', code],
    ['Review', p.outputs.reviewer],
    ['Documentation', p.outputs.documenter],
  ];
  for (const [title, body] of sections) {
    if (body === undefined || body.trim() === '') continue;
    out.push(`## ${title}`, '', body.trim(), '');
  }
  if (p.completed) {
    const m = p.completed.metrics;
    out.push(
      '---',
      '',
      `_${formatDuration(p.completed.duration_ms)} · ${m.chunks_completed} chunks · ${m.refine_rounds} refine round(s) · ` +
        `${formatCount(p.completed.usage.input_tokens)} input / ${formatCount(p.completed.usage.output_tokens)} output tokens · ` +
        `cost ${formatCost(p.completed.cost)}_`,
      '',
    );
  }
  return out.join('\n');
}

/**
 * Writes {@link renderResultMarkdown} to `path` via a temporary file and a rename, so no reader sees half of
 * it; when either step fails the temporary file is removed, and the error says which file and why.
 */
export async function writeResultMarkdown(path: string, source: ResultSource): Promise<void> {
  const temporary = `${path}.${Date.now().toString(36)}.tmp`;
  try {
    await writeFile(temporary, renderResultMarkdown(source), 'utf8');
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true }).catch(() => {});
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CorchError('E_IO', `cannot write ${path}${code ? ` (${code})` : ''}`, { cause });
  }
}
