// "Sign in with <provider>": OpenID Connect authorization code flow with PKCE (S256), for a public client.
// The code comes back in the URL fragment (response_mode=fragment), so it is never sent to the gateway;
// the verifier and state wait in sessionStorage for the one round trip. The id token is the API token.
export interface OidcSettings {
  issuer: string;
  clientId: string;
  providerName: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const PENDING = "mmp-console.oidc";

export async function loadSettings(): Promise<OidcSettings | null> {
  try {
    const res = await fetch(new URL("/console/config.json", window.location.href));
    if (!res.ok) return null;
    const body = (await res.json()) as { oidc?: OidcSettings | null };
    return body.oidc ?? null;
  } catch {
    return null;
  }
}

function redirectUri(): string {
  return new URL("/console/", window.location.href).href;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the provider's discovery document answered ${res.status}`);
  return (await res.json()) as Discovery;
}

/** leaves for the provider's sign-in page */
export async function startSignIn(settings: OidcSettings): Promise<void> {
  const discovery = await discover(settings.issuer);
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    response_mode: "fragment",
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    scope: "openid profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.href);
}

/**
 * On the way back from the provider (a `code` in the fragment): exchanges it for the id token. Null when
 * this page load is not such a return; throws when the return is not valid.
 */
export async function finishSignIn(settings: OidcSettings): Promise<string | null> {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const code = fragment.get("code");
  const error = fragment.get("error");
  if (code === null && error === null) return null;
  window.history.replaceState(null, "", window.location.pathname);
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (error !== null) throw new Error(`the provider refused the sign-in (${error})`);
  const saved = pending ? (JSON.parse(pending) as { verifier: string; state: string }) : null;
  if (!saved || saved.state !== fragment.get("state"))
    throw new Error("the sign-in answer did not match this tab");
  const discovery = await discover(settings.issuer);
  const res = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: code!,
      redirect_uri: redirectUri(),
      client_id: settings.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`the provider's token endpoint answered ${res.status}`);
  const tokens = (await res.json()) as { id_token?: string };
  if (!tokens.id_token) throw new Error("the provider returned no id token");
  return tokens.id_token;
}
