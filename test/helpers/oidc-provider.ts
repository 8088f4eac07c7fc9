/**
 * A minimal OpenID Connect provider on 127.0.0.1 for sign-in tests: a discovery document, a JWKS
 * endpoint with one RS256 key, and helpers that mint good tokens and the usual forgeries. For browser
 * sign-in it also plays the authorization code flow with PKCE: `/authorize` signs `signInAs` in at once
 * (no login page) and returns a code in the redirect's fragment; `/token` checks the code verifier and
 * answers an id token whose `aud` is the client id.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  SignJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWTPayload,
  type KeyLike,
  type JWTHeaderParameters,
} from "jose";

export interface TestIdentityProvider {
  issuer: string;
  jwksUrl: string;
  /** the audience tokens carry unless told otherwise */
  audience: string;
  kid: string;
  /** requests served, by path */
  requests: string[];
  /** a token signed with the provider's key; `claims` override iss, aud, iat and exp (5 min) */
  sign(claims: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /** a token signed with a key the provider never published */
  signWithUnknownKey(claims: JWTPayload, kid?: string): Promise<string>;
  /** an unsigned token (`alg: none`) */
  unsigned(claims: JWTPayload): string;
  /** HS256 with the provider's public key (PEM) as the shared secret: the classic key-confusion forgery */
  signHs256WithPublicKey(claims: JWTPayload): Promise<string>;
  stop(): Promise<void>;
}

export async function startIdentityProvider(
  opts: { audience?: string; signInAs?: string } = {},
): Promise<TestIdentityProvider> {
  // Both up front: RSA key generation is the slowest step of a sign-in test.
  const [{ publicKey, privateKey }, unknown] = await Promise.all([
    generateKeyPair("RS256"),
    generateKeyPair("RS256"),
  ]);
  const kid = "test-key-1";
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const requests: string[] = [];
  let issuer = "";

  /** issued codes: what the token endpoint must see with them */
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string }>();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const send = (body: unknown, status = 200) => {
      // browsers read discovery and the token endpoint cross-origin
      res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://provider");
    if (req.url === "/.well-known/openid-configuration")
      send({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
      });
    else if (req.url === "/jwks") send({ keys: [jwk] });
    else if (url.pathname === "/authorize" && req.method === "GET") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      const code = randomBytes(16).toString("base64url");
      codes.set(code, {
        clientId: q.get("client_id") ?? "",
        redirectUri,
        challenge: q.get("code_challenge_method") === "S256" ? (q.get("code_challenge") ?? "") : "",
      });
      const back = new URLSearchParams({ code, state: q.get("state") ?? "" });
      res.writeHead(302, { location: `${redirectUri}#${back.toString()}` });
      res.end();
    } else if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        const issued = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const ok =
          issued !== undefined &&
          issued.challenge !== "" &&
          createHash("sha256").update(verifier).digest("base64url") === issued.challenge &&
          form.get("client_id") === issued.clientId &&
          form.get("redirect_uri") === issued.redirectUri &&
          form.get("grant_type") === "authorization_code";
        if (!ok || issued === undefined) return send({ error: "invalid_grant" }, 400);
        void signWith(
          privateKey,
          { sub: opts.signInAs ?? "alice", aud: issued.clientId },
          { alg: "RS256", kid, typ: "JWT" },
        ).then((idToken) => send({ id_token: idToken, token_type: "Bearer" }));
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = opts.audience ?? "mmp-gateway";

  const payload = (claims: JWTPayload): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: audience, iat: now, exp: now + 300, ...claims };
  };
  const signWith = (key: KeyLike | Uint8Array, claims: JWTPayload, header: JWTHeaderParameters) =>
    new SignJWT(payload(claims)).setProtectedHeader(header).sign(key);

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    audience,
    kid,
    requests,
    sign: (claims, header = {}) => signWith(privateKey, claims, { alg: "RS256", kid, typ: "JWT", ...header }),
    signWithUnknownKey: (claims, unknownKid = kid) =>
      signWith(unknown.privateKey, claims, { alg: "RS256", kid: unknownKid }),
    unsigned(claims) {
      const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
      return `${part({ alg: "none", typ: "JWT" })}.${part(payload(claims))}.`;
    },
    async signHs256WithPublicKey(claims) {
      const pem = await exportSPKI(publicKey);
      return signWith(new TextEncoder().encode(pem), claims, { alg: "HS256", kid });
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
