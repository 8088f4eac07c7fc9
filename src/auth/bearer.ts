/**
 * The credential in an `Authorization: Bearer …` header, and which kind of credential it looks like, so
 * that a request is handed to the one authenticator that can vouch for it.
 */
import { unauthenticated } from "../errors";
import { TOKEN_PREFIX } from "./tokens";

const BEARER = /^Bearer ([^\s]+)$/i;

/** base64url header and payload; the signature part is empty for `alg: none`, which is then refused */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The bearer credential, or undefined when the header is missing or not `Bearer <credential>`. */
export function parseBearer(authorizationHeader: string | undefined): string | undefined {
  if (!authorizationHeader) return undefined;
  return BEARER.exec(authorizationHeader.trim())?.[1];
}

/** The bearer credential; UNAUTHENTICATED when the header is missing or not `Bearer <credential>`. */
export function bearerCredential(authorizationHeader: string | undefined): string {
  if (!authorizationHeader) throw unauthenticated();
  const credential = parseBearer(authorizationHeader);
  if (credential === undefined)
    throw unauthenticated("Malformed Authorization header: expected 'Bearer <token>'");
  return credential;
}

/** One of our API tokens: never a JWT, since its alphabet has no dot. */
export function looksLikeApiToken(credential: string): boolean {
  return credential.startsWith(TOKEN_PREFIX);
}

/** Three dot-separated base64url parts (JWS compact serialization). */
export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential);
}
