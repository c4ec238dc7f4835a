import { useCallback, useState } from 'react';

/** sessionStorage: the key lives as long as the tab, is not shared with other tabs, and never hits a disk cookie. */
const STORAGE_KEY = 'corch.apiKey';

function read(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The tab's API key and a setter that keeps it in sessionStorage. */
export function useApiKey(): [string | undefined, (key: string) => void] {
  const [key, setKey] = useState(read);
  const save = useCallback((next: string) => {
    try {
      sessionStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage may be off (private mode): the key then lasts until the page is closed or reloaded.
    }
    setKey(next);
  }, []);
  return [key, save];
}
