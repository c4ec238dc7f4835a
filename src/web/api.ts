import { errorFromResponse } from '../client/http-errors.js';
import { CorchError, type CreatedStream, type StreamState } from '../protocol/index.js';
import type { ProviderOffer } from '../providers/provider-offer.js';

/** The JSON routes the page uses, on its own origin, with the tab's API key when it has one. */
export interface PageApi {
  listStreams(limit: number): Promise<StreamState[]>;
  providers(): Promise<ProviderOffer>;
  createTask(body: Record<string, unknown>): Promise<CreatedStream>;
}

export function createPageApi(apiKey: string | undefined): PageApi {
  const request = async <T,>(path: string, init: RequestInit = {}): Promise<T> => {
    const headers = new Headers(init.headers);
    if (apiKey) headers.set('Authorization', `Bearer ${apiKey}`);
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (error) {
      throw new CorchError('E_UNREACHABLE', `the corch server did not answer (${String(error)}); is \`corch serve\` still running?`, {
        retryable: true,
      });
    }
    if (!response.ok) throw await errorFromResponse(response, { baseUrl: location.origin, what: path, apiKeySent: Boolean(apiKey) });
    return (await response.json()) as T;
  };
  return {
    listStreams: async (limit) => (await request<{ streams: StreamState[] }>(`/api/streams?limit=${limit}`)).streams,
    providers: () => request<ProviderOffer>('/api/providers'),
    createTask: (body) =>
      request<CreatedStream>('/api/stream/task', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

/** Whether an error means "this server wants a (different) key". */
export function needsKey(error: unknown): boolean {
  return error instanceof CorchError && error.code === 'E_UNAUTHORIZED' && error.status === 401;
}
