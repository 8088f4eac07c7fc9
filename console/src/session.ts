// The signed-in API token: in memory, mirrored to sessionStorage so a reload of this tab keeps it.
// Never localStorage, never a cookie, never in a URL: closing the tab (or "Sign out") forgets it.
const KEY = "mmp-console.token";

let token: string | null = read();

function read(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value === null) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, value);
  } catch {
    // storage refused (private mode): the token stays in memory for this page only
  }
}
