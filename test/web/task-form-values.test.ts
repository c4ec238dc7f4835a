import { describe, expect, it } from 'vitest';
import { parseContext, taskRequestFromForm } from '../../src/web/task-form-values.js';

const form = { task: 'a CSV parser', context: '', provider: 'simulated', model: 'simulated' };

describe('the start form', () => {
  it('builds the request body the server takes', () => {
    expect(taskRequestFromForm({ ...form, context: ' {"language": "python"} ' })).toEqual({
      ok: true,
      body: { task: 'a CSV parser', context: { language: 'python' }, provider: 'simulated', model: 'simulated' },
    });
    expect(taskRequestFromForm({ ...form, provider: '', model: ' ' })).toEqual({ ok: true, body: { task: 'a CSV parser' } });
  });

  it('says what is wrong with the Context field and how to fix it', () => {
    const broken = parseContext('{"language": "python"');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.message).toMatch(/^Context is not valid JSON \(.+\)\. Write an object such as \{"language": "python"\}, or leave it empty\.$/);
    const array = parseContext('[1, 2]');
    expect(array).toEqual({ ok: false, message: 'Context: `context` must be a JSON object, got an array, such as {"language": "python"}.' });
    expect(taskRequestFromForm({ ...form, context: '"text"' })).toMatchObject({ ok: false, field: 'context' });
    expect(taskRequestFromForm({ ...form, context: 'null' })).toEqual(taskRequestFromForm(form));
  });

  it('refuses an empty Task', () => {
    expect(taskRequestFromForm({ ...form, task: '   ' })).toEqual({
      ok: false,
      field: 'task',
      message: 'Task must not be empty: say what the agents should build.',
    });
  });
});
