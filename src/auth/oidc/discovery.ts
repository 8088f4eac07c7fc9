/**
 * Where an OpenID Connect provider publishes its signing keys: OIDC_JWKS_URL when given, otherwise the
 * `jwks_uri` of its discovery document (OpenID Connect Discovery 1.0, section 4).
 *
 * The document must name exactly our issuer (section 4.3): a document served for another issuer would
 * otherwise let that issuer's keys sign tokens we accept. Key URLs must be https (http only on the
 * loopback interface), since whoever can alter the key set in transit can mint any token.
 */
import { isLoopbackHost } from "../../config";

export class OidcDiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OidcDiscoveryError";
  }
}

export interface DiscoveryOptions {
  /** default 5000 ms */
  timeoutMs?: number;
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

export async function resolveJwksUrl(
  issuer: string,
  jwksUrl: string | undefined,
  opts: DiscoveryOptions = {},
): Promise<URL> {
  if (jwksUrl !== undefined) return trustedKeyUrl(jwksUrl, "OIDC_JWKS_URL");
  const url = discoveryUrl(issuer);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    });
  } catch (e) {
    throw new OidcDiscoveryError(
      `OIDC discovery at ${url} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  // A redirect must not take us somewhere a network attacker could answer for.
  trustedKeyUrl(res.url || url, "the OIDC discovery document's final URL");
  if (res.status !== 200)
    throw new OidcDiscoveryError(`OIDC discovery at ${url} answered HTTP ${res.status}`);
  let doc: unknown;
  try {
    doc = await res.json();
  } catch {
    throw new OidcDiscoveryError(`OIDC discovery at ${url} did not answer JSON`);
  }
  if (typeof doc !== "object" || doc === null)
    throw new OidcDiscoveryError(`OIDC discovery at ${url} is not an object`);
  const { issuer: named, jwks_uri: jwksUri } = doc as Record<string, unknown>;
  if (named !== issuer) {
    throw new OidcDiscoveryError(
      `OIDC discovery at ${url} names the issuer ${JSON.stringify(named)}, not OIDC_ISSUER ${JSON.stringify(issuer)}`,
    );
  }
  if (typeof jwksUri !== "string") throw new OidcDiscoveryError(`OIDC discovery at ${url} has no jwks_uri`);
  return trustedKeyUrl(jwksUri, "the discovered jwks_uri");
}

function trustedKeyUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new OidcDiscoveryError(`${what} is not a URL`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    throw new OidcDiscoveryError(`${what} (${u.origin}) must be https (http only on localhost)`);
  }
  return u;
}
