import { useEffect, useState } from 'react';
import type { ProviderOffer } from '../providers/provider-offer.js';
import { needsKey, type PageApi } from './api.js';
import { navigate } from './router.js';
import { parseContext, type TaskFormValues, taskRequestFromForm } from './task-form-values.js';

/** The form that starts a run: Task, Context (JSON, checked as it is typed), provider and model, Run. */
export function StartForm({ api, onUnauthorized }: { api: PageApi; onUnauthorized: () => void }) {
  const [values, setValues] = useState<TaskFormValues>({ task: '', context: '', provider: '', model: '' });
  const [offer, setOffer] = useState<ProviderOffer | null>(null);
  const [errors, setErrors] = useState<{ task?: string; context?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api.providers().then(
      (answer) => {
        if (!live) return;
        setOffer(answer);
        const first = answer.providers[0];
        if (first) setValues((v) => (v.provider === '' ? { ...v, provider: first.name, model: first.default_model } : v));
      },
      (error: unknown) => {
        if (live && needsKey(error)) onUnauthorized();
      },
    );
    return () => {
      live = false;
    };
  }, [api, onUnauthorized]);

  const set = (field: keyof TaskFormValues) => (event: { target: EventTarget | null }) => {
    const value = (event.target as HTMLInputElement).value;
    setValues((v) => {
      const next = { ...v, [field]: value };
      if (field === 'provider') next.model = offer?.providers.find((p) => p.name === value)?.default_model ?? '';
      return next;
    });
    if (field === 'context') {
      const parsed = parseContext(value);
      setErrors((e) => ({ ...e, context: parsed.ok ? undefined : parsed.message }));
    }
    if (field === 'task' && value.trim() !== '') setErrors((e) => ({ ...e, task: undefined }));
  };
  const models = offer?.providers.find((p) => p.name === values.provider)?.models ?? [];

  return (
    <form
      className="card start-form"
      aria-labelledby="start-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const checked = taskRequestFromForm(values);
        if (!checked.ok) {
          setErrors({ [checked.field]: checked.message });
          document.getElementById(`field-${checked.field}`)?.focus();
          return;
        }
        setBusy(true);
        setErrors({});
        api.createTask(checked.body).then(
          (created) => navigate(`/runs/${created.stream_id}`),
          (error: unknown) => {
            setBusy(false);
            if (needsKey(error)) onUnauthorized();
            else setErrors({ form: error instanceof Error ? error.message : String(error) });
          },
        );
      }}
    >
      <h2 id="start-title">Start a run</h2>
      <label htmlFor="field-task">Task</label>
      <textarea
        id="field-task"
        rows={3}
        value={values.task}
        placeholder="A CLI that converts CSV to JSON"
        aria-invalid={errors.task !== undefined}
        aria-describedby="field-task-error"
        onChange={set('task')}
      />
      <p id="field-task-error" className="field-error">
        {errors.task ?? ''}
      </p>
      <label htmlFor="field-context">Context</label>
      <textarea
        id="field-context"
        rows={2}
        className="mono"
        value={values.context}
        placeholder='{"language": "python"}'
        spellCheck={false}
        aria-invalid={errors.context !== undefined}
        aria-describedby="field-context-hint field-context-error"
        onChange={set('context')}
      />
      <p id="field-context-hint" className="hint">
        Optional: a JSON object handed to every agent.
      </p>
      <p id="field-context-error" className="field-error">
        {errors.context ?? ''}
      </p>
      <div className="row-fields">
        <div>
          <label htmlFor="field-provider">Provider</label>
          <select id="field-provider" value={values.provider} onChange={set('provider')}>
            {offer === null || offer.providers.length === 0 ? <option value="">server default</option> : null}
            {offer?.providers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name === 'simulated' ? 'simulated (offline, no model)' : p.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="field-model">Model</label>
          <input id="field-model" list="field-model-choices" value={values.model} onChange={set('model')} spellCheck={false} />
          <datalist id="field-model-choices">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
      </div>
      <p className="field-error" role="alert">
        {errors.form ?? ''}
      </p>
      <button type="submit" disabled={busy}>
        Run
      </button>
    </form>
  );
}
