import { useMemo } from 'react';
import { createPageApi } from './api.js';
import { useApiKey } from './api-key.js';
import { KeyPrompt } from './key-prompt.js';
import { onLinkClick, useRoute } from './router.js';
import { RunView } from './run-view.js';
import { RunsList } from './runs-list.js';
import { StartForm } from './start-form.js';

/** The page: a header, then the home (form and runs) or one run. Asks for the API key when a request needs one. */
export function App() {
  const route = useRoute();
  const { key: apiKey, asking, onUnauthorized, setKey } = useApiKey();
  const api = useMemo(() => createPageApi(apiKey), [apiKey]);

  return (
    <>
      <header className="top">
        <a className="brand" href="/" onClick={(event) => onLinkClick(event, '/')}>
          corch
        </a>
        <span className="tagline">a team of LLM agents, live</span>
      </header>
      {asking ? (
        <KeyPrompt hadKey={apiKey !== undefined} onKey={setKey} />
      ) : route.page === 'run' ? (
        <RunView key={`${route.streamId}:${apiKey ?? ''}`} streamId={route.streamId} apiKey={apiKey} onUnauthorized={onUnauthorized} />
      ) : (
        <main className="home">
          <StartForm api={api} onUnauthorized={onUnauthorized} />
          <RunsList api={api} onUnauthorized={onUnauthorized} />
        </main>
      )}
    </>
  );
}
