import { useCallback, useRef, useState } from 'react';

/** sessionStorage: the key lives as long as the tab, is not shared with other tabs, and never hits a disk cookie. */
const STORAGE_KEY = 'corch.apiKey';

function readStoredKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The tab's API key, and what the page does with a 401. */
export interface ApiKeyState {
  key: string | undefined;
  /** Whether the page should ask for the key (the server refused the request, and the tab had no other key). */
  asking: boolean;
  /** A request was refused with 401. */
  onUnauthorized: () => void;
  /** The user gave a key: kept in sessionStorage, used from now on. */
  setKey: (key: string) => void;
}

/**
 * The tab's API key. sessionStorage is read only once a request was refused: most servers are local and
 * keyless, and the first touch of storage costs a browser tens of milliseconds that the page would otherwise
 * spend drawing the run.
 */
export function useApiKey(): ApiKeyState {
  const [key, setKeyState] = useState<string | undefined>(undefined);
  const [asking, setAsking] = useState(false);
  const storageRead = useRef(false);
  const onUnauthorized = useCallback(() => {
    if (!storageRead.current) {
      storageRead.current = true;
      const stored = readStoredKey();
      if (stored !== undefined) {
        setKeyState(stored);
        return;
      }
    }
    setAsking(true);
  }, []);
  const setKey = useCallback((next: string) => {
    storageRead.current = true;
    try {
      sessionStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage may be off (private mode): the key then lasts until the page is closed or reloaded.
    }
    setKeyState(next);
    setAsking(false);
  }, []);
  return { key, asking, onUnauthorized, setKey };
}
