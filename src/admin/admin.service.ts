/**
 * Administration rules: exchange accounts (keys sealed before they touch the store), users, tokens,
 * teams, memberships and grants. The CLI and the GraphQL admin API (admin-api.service.ts, which decides
 * who may call what) both change things through here. Every change is written to the audit log with its
 * actor: the signed-in user for the API, null for the local CLI, whose operator is whoever holds the
 * database and the master key.
 *
 * A caller's mistake (a bad value, a duplicate name, a missing user, team or account) is an
 * AdminInputError whose `field` names the input it is about, with the names the GraphQL API uses; the CLI
 * prints only the message.
 */
import { createPrivateKey } from "node:crypto";
import type { AuditAction, KeyType, Role, Venue } from "../domain";
import { KEY_TYPES, ROLES, VENUES } from "../domain";
import { generateToken } from "../auth/tokens";
import { checkExchangeBaseUrl } from "../exchange/base-url";
import { accountBinding } from "../secrets/sealer";
import {
  StoreConflictError,
  StoreNotFoundError,
  type AccountRecord,
  type Store,
  type StoreSubject,
  type TokenRecord,
  type UserRecord,
} from "../store/port";

export interface Sealer {
  /** `binding`: accountBinding(accountId), so the value opens for that account only */
  seal(plaintext: string, binding: string): string;
}

export class AdminInputError extends Error {
  constructor(
    message: string,
    /** the input it is about: `name`, `apiKey`, `keyType`, `baseUrl`, `secret`, `accountId`, `userName`, `team`, `role`, `tokenId` */
    readonly field: string,
  ) {
    super(message);
    this.name = "AdminInputError";
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** sent as an HTTP header value: printable ASCII without spaces */
const API_KEY = /^[\x21-\x7e]{1,256}$/;

export interface NewAccount {
  name: string;
  apiKey: string;
  keyType: KeyType;
  /** absent: binance */
  venue?: Venue;
  baseUrl?: string | null;
  /** HMAC secret or PKCS#8 PEM private key (Deribit: the client secret) */
  secret: string;
  /** OKX: the key's passphrase (required there, refused elsewhere) */
  passphrase?: string | null;
}

export class AdminService {
  /**
   * The sealer comes through a function so that commands which never touch secrets (teams, grants,
   * users) work without GATEWAY_MASTER_KEY.
   */
  constructor(
    private readonly store: Store,
    private readonly sealer: () => Promise<Sealer>,
    private readonly actorId: string | null = null,
  ) {}

  async addAccount(a: NewAccount): Promise<AccountRecord> {
    checkName("name", "account name", a.name);
    checkApiKey(a.apiKey);
    if (!KEY_TYPES.includes(a.keyType))
      throw new AdminInputError(`key type must be one of ${KEY_TYPES.join(", ")}`, "keyType");
    const venue = a.venue ?? "binance";
    if (!VENUES.includes(venue))
      throw new AdminInputError(`venue must be one of ${VENUES.join(", ")}`, "venue");
    if (venue !== "binance" && a.keyType !== "hmac") {
      throw new AdminInputError(
        `the gateway signs ${venue} requests with HMAC keys only (key type hmac)`,
        "keyType",
      );
    }
    const baseUrl = a.baseUrl ? checkBaseUrl(a.baseUrl) : null;
    const secret = sealedText(venue, checkSecret(a.keyType, a.secret), a.passphrase);
    const sealer = await this.sealer();
    const record = await asInputError(
      this.store.addAccount({
        id: a.name,
        apiKey: a.apiKey,
        keyType: a.keyType,
        venue,
        baseUrl,
        secretSealed: sealer.seal(secret, accountBinding(a.name)),
      }),
      { account: "name" },
    );
    await this.audit("ACCOUNT_ADD", a.name, {
      name: a.name,
      venue,
      keyType: a.keyType,
      baseUrl,
      apiKeyHint: hint(a.apiKey),
    });
    return record;
  }

  async removeAccount(name: string): Promise<boolean> {
    const removed = await this.store.removeAccount(name);
    if (removed) await this.audit("ACCOUNT_REMOVE", name, { name });
    return removed;
  }

  /** The key type stays: a new key of another type is a new account. */
  async rotateAccountKey(
    name: string,
    apiKey: string,
    secret: string,
    passphrase?: string | null,
  ): Promise<AccountRecord> {
    checkApiKey(apiKey);
    const account = await this.store.getAccount(name);
    if (!account) throw new AdminInputError(`account '${name}' does not exist`, "accountId");
    const checked = sealedText(account.venue, checkSecret(account.keyType, secret), passphrase);
    const sealed = (await this.sealer()).seal(checked, accountBinding(name));
    await asInputError(this.store.rotateAccountKey(name, apiKey, sealed), { account: "accountId" });
    await this.audit("ACCOUNT_ROTATE_KEY", name, { name, apiKeyHint: hint(apiKey) });
    return { ...account, apiKey, secretSealed: sealed };
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.store.listAccounts();
  }

  async addUser(
    name: string,
    admin: boolean,
  ): Promise<{ user: UserRecord; token: string; tokenRecord: TokenRecord }> {
    checkName("name", "user name", name);
    const user = await asInputError(this.store.addUser(name, admin), { user: "name" });
    await this.audit("USER_ADD", null, { name, admin });
    const { token, tokenRecord } = await this.issueToken(user);
    return { user, token, tokenRecord };
  }

  /**
   * Disables (true) or enables a user. A disabled user's API tokens and JWTs are refused within a second
   * (authentication caches drop on the store change); their tokens are kept, so enabling restores them.
   * Repeating it changes and audits nothing. Users cannot disable themselves, so the last admin cannot
   * lock everyone out by accident.
   */
  async setUserDisabled(userName: string, disabled: boolean): Promise<UserRecord> {
    const user = await this.userNamed(userName);
    if (disabled && this.actorId !== null && user.id === this.actorId) {
      throw new AdminInputError("you cannot disable yourself; ask another admin", "userName");
    }
    const result = await this.store.setUserDisabled(userName, disabled);
    if (result === null) throw new AdminInputError(`user '${userName}' does not exist`, "userName");
    if (result.changed) {
      await this.audit(disabled ? "USER_DISABLE" : "USER_ENABLE", null, { name: userName });
    }
    return result.user;
  }

  async createToken(
    userName: string,
  ): Promise<{ user: UserRecord; token: string; tokenRecord: TokenRecord }> {
    const user = await this.userNamed(userName);
    return { user, ...(await this.issueToken(user)) };
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    const revoked = await this.store.revokeToken(tokenId);
    if (revoked) await this.audit("TOKEN_REVOKE", null, { tokenId });
    return revoked;
  }

  async addTeam(name: string): Promise<void> {
    checkName("name", "team name", name);
    await asInputError(this.store.addTeam(name), { team: "name" });
    await this.audit("TEAM_ADD", null, { team: name });
  }

  async addMember(team: string, user: string): Promise<void> {
    await asInputError(this.store.addMember(team, user), {
      team: "team",
      user: "userName",
      membership: "userName",
    });
    await this.audit("TEAM_MEMBER_ADD", null, { team, user });
  }

  async removeMember(team: string, user: string): Promise<boolean> {
    const removed = await this.store.removeMember(team, user);
    if (removed) await this.audit("TEAM_MEMBER_REMOVE", null, { team, user });
    return removed;
  }

  async grant(team: string, accountId: string, role: string): Promise<void> {
    if (!ROLES.includes(role as Role)) {
      throw new AdminInputError(`role must be one of ${ROLES.join(", ")}`, "role");
    }
    await asInputError(this.store.grant(team, accountId, role as Role), {
      team: "team",
      account: "accountId",
    });
    await this.audit("GRANT", accountId, { team, accountId, role });
  }

  async revoke(team: string, accountId: string): Promise<boolean> {
    const revoked = await this.store.revoke(team, accountId);
    if (revoked) await this.audit("REVOKE", accountId, { team, accountId });
    return revoked;
  }

  private async userNamed(userName: string): Promise<UserRecord> {
    const user = await this.store.getUserByName(userName);
    if (!user) throw new AdminInputError(`user '${userName}' does not exist`, "userName");
    return user;
  }

  private async issueToken(user: UserRecord): Promise<{ token: string; tokenRecord: TokenRecord }> {
    const { token, hash } = generateToken();
    const tokenRecord = await this.store.addToken(user.id, hash);
    await this.audit("TOKEN_CREATE", null, { user: user.name, tokenId: tokenRecord.id });
    return { token, tokenRecord };
  }

  /** Admin actions complete at once: there is no exchange call between intent and outcome. */
  private async audit(
    action: AuditAction,
    accountId: string | null,
    input: Record<string, unknown>,
  ): Promise<void> {
    const id = await this.store.auditBegin({
      actorId: this.actorId,
      accountId,
      action,
      input: JSON.stringify(input),
    });
    await this.store.auditComplete(id, { outcome: "SUCCEEDED", durationMs: 0 });
  }
}

/**
 * A store's conflict or missing row, as the caller's mistake about the input `fields` maps its subject
 * to. Anything else (a database fault) passes unchanged, to be masked as an internal error.
 */
async function asInputError<T>(
  pending: Promise<T>,
  fields: Partial<Record<StoreSubject, string>>,
): Promise<T> {
  try {
    return await pending;
  } catch (e) {
    if (e instanceof StoreConflictError || e instanceof StoreNotFoundError) {
      const field = e.subject === undefined ? undefined : fields[e.subject];
      if (field !== undefined) throw new AdminInputError(e.message, field);
    }
    throw e;
  }
}

/** Only the last four characters of an API key are ever shown. */
export function hint(apiKey: string): string {
  return apiKey.length <= 4 ? "****" : `…${apiKey.slice(-4)}`;
}

function checkName(field: string, what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new AdminInputError(
      `${what} must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
      field,
    );
  }
}

function checkApiKey(apiKey: string): void {
  if (!API_KEY.test(apiKey)) {
    throw new AdminInputError("API key must be 1-256 printable characters without spaces", "apiKey");
  }
}

function checkBaseUrl(raw: string): string {
  const checked = checkExchangeBaseUrl(raw);
  if ("problem" in checked) throw new AdminInputError(checked.problem, "baseUrl");
  return checked.url;
}

/** Messages never quote the secret: they reach the CLI's stderr and GraphQL responses. */
/**
 * What is sealed for an account: its secret, and for OKX the secret, a newline and the passphrase (one
 * sealed value, so master-key rotation and account binding cover both without a second column).
 */
function sealedText(venue: Venue, secret: string, passphrase: string | null | undefined): string {
  if (venue !== "okx") {
    if (passphrase !== undefined && passphrase !== null)
      throw new AdminInputError(`only OKX keys have a passphrase, not ${venue} keys`, "passphrase");
    return secret;
  }
  const p = (passphrase ?? "").trim();
  if (!/^[\x20-\x7e]{1,128}$/.test(p)) {
    throw new AdminInputError(
      "an OKX key needs its passphrase: 1-128 printable characters (on the CLI, the second line of standard input)",
      "passphrase",
    );
  }
  return `${secret}\n${p}`;
}

function checkSecret(keyType: KeyType, raw: string): string {
  const secret = raw.trim();
  if (keyType === "hmac") {
    if (!/^[\x21-\x7e]{8,512}$/.test(secret)) {
      throw new AdminInputError("HMAC secret must be 8-512 printable characters without spaces", "secret");
    }
    return secret;
  }
  let key;
  try {
    key = createPrivateKey({ key: secret, format: "pem" });
  } catch {
    throw new AdminInputError(
      `${keyType} private key must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")`,
      "secret",
    );
  }
  if (key.asymmetricKeyType !== keyType) {
    throw new AdminInputError(`the private key is ${key.asymmetricKeyType}, not ${keyType}`, "secret");
  }
  if (keyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new AdminInputError(`RSA key must be at least 2048 bits, got ${bits}`, "secret");
  }
  return secret;
}
