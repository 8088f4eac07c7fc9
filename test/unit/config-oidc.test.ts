/** The OIDC and master key rotation settings of the environment. */
import { ConfigError, loadConfig } from "../../src/config";

const ISSUER = "https://login.example.com/realms/desk";

describe("OIDC configuration", () => {
  it("is off unless OIDC_ISSUER is set", () => {
    expect(loadConfig({}).oidc).toBeUndefined();
  });

  it("has documented defaults: user from `sub`, no groups, no auto-created users, keys by discovery", () => {
    expect(loadConfig({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "mmp-gateway" }).oidc).toEqual({
      issuer: ISSUER,
      audience: ["mmp-gateway"],
      jwksUrl: undefined,
      userClaim: "sub",
      groupsClaim: undefined,
      autoCreateUsers: false,
      maxTokenLifetimeSeconds: 12 * 3600,
      allowedGroups: undefined,
    });
  });

  it("reads every setting, audiences as a comma-separated list", () => {
    const oidc = loadConfig({
      OIDC_ISSUER: `${ISSUER}/`,
      OIDC_AUDIENCE: "mmp-gateway, account ",
      OIDC_JWKS_URL: "https://login.example.com/keys",
      OIDC_USER_CLAIM: "preferred_username",
      OIDC_GROUPS_CLAIM: "https://example.com/groups",
      OIDC_AUTO_CREATE_USERS: "true",
      OIDC_MAX_TOKEN_LIFETIME: "30m",
      OIDC_ALLOWED_GROUPS: "desk-a, desk-b",
    }).oidc;
    expect(oidc).toEqual({
      issuer: `${ISSUER}/`,
      audience: ["mmp-gateway", "account"],
      jwksUrl: "https://login.example.com/keys",
      userClaim: "preferred_username",
      groupsClaim: "https://example.com/groups",
      autoCreateUsers: true,
      maxTokenLifetimeSeconds: 1800,
      allowedGroups: ["desk-a", "desk-b"],
    });
  });

  it.each(["0", "59", "8d", "12 h", "-1h", "1.5h", "8000000h"])(
    "refuses OIDC_MAX_TOKEN_LIFETIME=%p, naming it",
    (value) => {
      expect(() =>
        loadConfig({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "a", OIDC_MAX_TOKEN_LIFETIME: value }),
      ).toThrow(/OIDC_MAX_TOKEN_LIFETIME must be a duration/);
    },
  );

  it("accepts plain seconds for OIDC_MAX_TOKEN_LIFETIME", () => {
    expect(
      loadConfig({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "a", OIDC_MAX_TOKEN_LIFETIME: "600" }).oidc
        ?.maxTokenLifetimeSeconds,
    ).toBe(600);
  });

  it("accepts plain http only for a provider on the loopback interface", () => {
    for (const issuer of ["http://127.0.0.1:8080", "http://localhost:8080/realms/x", "http://[::1]:9000"]) {
      expect(loadConfig({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: "a" }).oidc?.issuer).toBe(issuer);
    }
    expect(() => loadConfig({ OIDC_ISSUER: "http://login.example.com", OIDC_AUDIENCE: "a" })).toThrow(
      /^OIDC_ISSUER must be an https URL/,
    );
    expect(() =>
      loadConfig({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "a", OIDC_JWKS_URL: "http://keys.example.com/jwks" }),
    ).toThrow(/^OIDC_JWKS_URL must be an https URL/);
  });

  it.each([
    [{ OIDC_ISSUER: ISSUER }, /^OIDC_AUDIENCE is required when OIDC_ISSUER is set$/],
    [{ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: " , " }, /^OIDC_AUDIENCE is required/],
    [{ OIDC_AUDIENCE: "mmp-gateway" }, /^OIDC_AUDIENCE is set but OIDC_ISSUER is not$/],
    [{ OIDC_AUTO_CREATE_USERS: "true" }, /^OIDC_AUTO_CREATE_USERS is set but OIDC_ISSUER is not$/],
    [{ OIDC_ISSUER: "not a url", OIDC_AUDIENCE: "a" }, /^OIDC_ISSUER must be/],
    [
      { OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "a", OIDC_AUTO_CREATE_USERS: "yes" },
      /^OIDC_AUTO_CREATE_USERS must be/,
    ],
    [{ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: "a", OIDC_USER_CLAIM: "two words" }, /^OIDC_USER_CLAIM must be/],
  ])("stops start-up with one line naming the variable: %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("GATEWAY_MASTER_KEY_PREVIOUS", () => {
  it("is a comma-separated list, empty by default", () => {
    expect(loadConfig({}).previousMasterKeys).toEqual([]);
    expect(loadConfig({ GATEWAY_MASTER_KEY_PREVIOUS: " a= ,b=,, " }).previousMasterKeys).toEqual([
      "a=",
      "b=",
    ]);
  });
});
