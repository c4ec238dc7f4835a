import { useEffect, useState } from 'react';

const NAVIGATED = 'corch:navigate';

/** Where the page is: the home (runs and the form) or one run, named by its stream id in the URL. */
export type Route = { page: 'home' } | { page: 'run'; streamId: string };

/** `/runs/<id>` is a run's shareable URL; anything else is the home. */
export function routeOf(pathname: string): Route {
  const match = /^\/runs\/([A-Za-z0-9_-]{1,128})\/?$/.exec(pathname);
  return match?.[1] ? { page: 'run', streamId: match[1] } : { page: 'home' };
}

/** Goes to `path` without reloading the page. */
export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

/** The current route, following the back and forward buttons. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/** A click on an in-page link: handled here unless the user asked for a new tab or window. */
export function onLinkClick(event: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; preventDefault(): void }, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
