import { useEffect, useRef, useState } from 'react';

/** Asks for the server's API key; it is kept in this tab's sessionStorage and sent as a header. */
export function KeyPrompt({ hadKey, onKey }: { hadKey: boolean; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <main className="narrow">
      <form
        className="card key-prompt"
        aria-labelledby="key-title"
        onSubmit={(event) => {
          event.preventDefault();
          const key = value.trim();
          if (key === '') {
            setError('Enter the key the server was started with (--api-key or CORCH_API_KEY).');
            return;
          }
          onKey(key);
        }}
      >
        <h1 id="key-title">API key</h1>
        <p role="alert">
          {hadKey ? 'The server refused this key. ' : 'This corch server needs an API key. '}
          It is kept for this tab only and sent as a header.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          ref={input}
          type="password"
          autoComplete="off"
          value={value}
          aria-invalid={error !== null}
          aria-describedby={error ? 'api-key-error' : undefined}
          onChange={(event) => setValue((event.target as HTMLInputElement).value)}
        />
        <p id="api-key-error" className="field-error">
          {error ?? ''}
        </p>
        <button type="submit">Use key</button>
      </form>
    </main>
  );
}
