// The console's few pages, on the History API under /console/ (the gateway answers index.html for each).
import { useSyncExternalStore } from "react";

export const BASE = "/console";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  return () => window.removeEventListener("popstate", onChange);
}

/** the page path below /console ("/", "/audit", "/graphiql") */
function current(): string {
  const path = window.location.pathname;
  const rest = path.startsWith(BASE) ? path.slice(BASE.length) : path;
  return rest === "" ? "/" : rest.replace(/\/+$/, "") || "/";
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, current);
}

export function navigate(href: string): void {
  window.history.pushState(null, "", href);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
