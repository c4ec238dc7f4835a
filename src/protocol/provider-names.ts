/** Provider names, as given to `--provider` and in task requests (DESIGN §4). */
export type ProviderName = 'openai' | 'openrouter' | 'ollama' | 'anthropic' | 'simulated';

/** Every {@link ProviderName}, in the order help texts and error messages list them. */
export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'openrouter', 'ollama', 'anthropic', 'simulated'];

/** Whether `name` is one of {@link PROVIDER_NAMES}. */
export function isProviderName(name: unknown): name is ProviderName {
  return (PROVIDER_NAMES as readonly unknown[]).includes(name);
}
