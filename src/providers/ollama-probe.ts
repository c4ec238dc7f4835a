import { isRecord } from './wire-json.js';

/** How long auto-selection waits for a local Ollama before moving on: it must not slow a first run. */
export const OLLAMA_PROBE_TIMEOUT_MS = 300;

/** What the probe found. */
export type OllamaProbe = { running: true; models: string[] } | { running: false; why: string };

/**
 * Asks `GET {root}/api/tags` whether an Ollama server answers, and which models it has. Any failure —
 * refused, slow, not JSON — counts as "not running"; the probe never throws.
 */
export async function probeOllama(root: string, fetchImpl: typeof fetch, timeoutMs = OLLAMA_PROBE_TIMEOUT_MS): Promise<OllamaProbe> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  timer.unref?.();
  try {
    const response = await fetchImpl(`${root}/api/tags`, { signal: controller.signal });
    if (!response.ok) {
      await response.body?.cancel();
      return { running: false, why: `answered ${response.status}` };
    }
    const body: unknown = await response.json();
    const list = isRecord(body) && Array.isArray(body.models) ? body.models : [];
    const models = list
      .map((m) => (isRecord(m) && typeof m.name === 'string' ? m.name : null))
      .filter((name): name is string => name !== null);
    return { running: true, models };
  } catch {
    return { running: false, why: controller.signal.aborted ? `no answer within ${timeoutMs} ms` : 'not reachable' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Picks the model to use from what Ollama has installed: the wanted one if present (with or without its
 * `:latest` tag), otherwise the first installed model, so that a first run works without `ollama pull`.
 */
export function pickOllamaModel(installed: string[], wanted: string): string | undefined {
  const base = (name: string): string => name.replace(/:latest$/, '');
  return installed.find((name) => base(name) === base(wanted)) !== undefined ? wanted : installed[0];
}
