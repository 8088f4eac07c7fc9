/** Which authenticator a bearer credential goes to, by its shape. */
import type { Authenticator } from "../../src/auth/auth.types";
import { CompositeAuthenticator, type JwtAuthenticator } from "../../src/auth/composite-authenticator";
import type { Principal } from "../../src/domain";

const principal = (userName: string): Principal => ({
  userId: `u_${userName}`,
  userName,
  admin: false,
  roles: new Map(),
  tokenId: "t",
});

const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
const API_TOKEN = "mgw_" + "A".repeat(43);

function setup(withJwt = true) {
  const tokens = { authenticate: jest.fn<Promise<Principal>, [string | undefined]>() };
  tokens.authenticate.mockResolvedValue(principal("token-user"));
  const jwt = { authenticateJwt: jest.fn<Promise<Principal>, [string]>() };
  jwt.authenticateJwt.mockResolvedValue(principal("jwt-user"));
  const auth = new CompositeAuthenticator(
    tokens as Authenticator,
    withJwt ? (jwt as JwtAuthenticator) : undefined,
  );
  return { auth, tokens, jwt };
}

describe("CompositeAuthenticator", () => {
  it("sends API tokens to the token authenticator, with the header as it came", async () => {
    const { auth, tokens, jwt } = setup();
    await expect(auth.authenticate(`Bearer ${API_TOKEN}`)).resolves.toMatchObject({ userName: "token-user" });
    expect(tokens.authenticate).toHaveBeenCalledWith(`Bearer ${API_TOKEN}`);
    expect(jwt.authenticateJwt).not.toHaveBeenCalled();
  });

  it("sends JWTs, unsigned ones included, to the OIDC authenticator without the 'Bearer' prefix", async () => {
    const { auth, tokens, jwt } = setup();
    await expect(auth.authenticate(`bearer ${JWT}`)).resolves.toMatchObject({ userName: "jwt-user" });
    await auth.authenticate("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.");
    expect(jwt.authenticateJwt.mock.calls).toEqual([[JWT], ["eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."]]);
    expect(tokens.authenticate).not.toHaveBeenCalled();
  });

  it("answers UNAUTHENTICATED for a JWT when OIDC sign-in is not configured", async () => {
    const { auth, tokens } = setup(false);
    await expect(auth.authenticate(`Bearer ${JWT}`)).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
      message: expect.stringContaining("OIDC"),
    });
    expect(tokens.authenticate).not.toHaveBeenCalled();
  });

  it.each([
    ["no header", undefined],
    ["a malformed header", "Basic abc"],
    ["a credential of neither shape", "Bearer not-a-token"],
    ["four dot-separated parts", "Bearer a.b.c.d"],
  ])("leaves %s to the token authenticator's answer", async (_name, header) => {
    const { auth, tokens, jwt } = setup();
    await auth.authenticate(header);
    expect(tokens.authenticate).toHaveBeenCalledWith(header);
    expect(jwt.authenticateJwt).not.toHaveBeenCalled();
  });
});
