// Admin pages (admin users): users and their tokens, teams with members and grants, exchange accounts.
// Each change goes through the existing admin GraphQL API; destructive ones ask for a confirmation.
import { useState, type InputHTMLAttributes, type ReactNode } from "react";
import { useMutation, useQuery, type AnyVariables, type TypedDocumentNode } from "urql";
import { ConfirmDialog } from "./Dialog";
import { explainCombined, failureOf } from "./errors";
import { graphql } from "./graphql";
import { ColumnHeads, ErrorAlert } from "./ui";
import { VENUE_LIST, venueName, type Venue } from "./venues";

const AdminQuery = graphql(`
  query Admin {
    users {
      id
      name
      admin
      disabled
      teams {
        name
      }
      tokens {
        id
        createdAt
        revokedAt
      }
    }
    teams {
      name
      members {
        name
      }
      grants {
        accountId
        role
      }
    }
    accounts {
      id
      venue
      environment
      keyType
      apiKeyHint
    }
  }
`);

const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        name
      }
      token {
        token
      }
    }
  }
`);
const CreateToken = graphql(`
  mutation CreateToken($userName: String!) {
    createToken(userName: $userName) {
      token
    }
  }
`);
const DisableUser = graphql(`
  mutation DisableUser($userName: String!) {
    disableUser(userName: $userName) {
      id
    }
  }
`);
const EnableUser = graphql(`
  mutation EnableUser($userName: String!) {
    enableUser(userName: $userName) {
      id
    }
  }
`);
const RevokeToken = graphql(`
  mutation RevokeToken($tokenId: ID!) {
    revokeToken(tokenId: $tokenId)
  }
`);
const CreateTeam = graphql(`
  mutation CreateTeam($name: String!) {
    createTeam(name: $name) {
      name
    }
  }
`);
const AddMember = graphql(`
  mutation AddMember($team: String!, $userName: String!) {
    addTeamMember(team: $team, userName: $userName) {
      name
    }
  }
`);
const RemoveMember = graphql(`
  mutation RemoveMember($team: String!, $userName: String!) {
    removeTeamMember(team: $team, userName: $userName) {
      name
    }
  }
`);
const GrantRole = graphql(`
  mutation GrantRole($team: String!, $accountId: ID!, $role: Role!) {
    grantRole(team: $team, accountId: $accountId, role: $role) {
      team
    }
  }
`);
const RevokeRole = graphql(`
  mutation RevokeRole($team: String!, $accountId: ID!) {
    revokeRole(team: $team, accountId: $accountId)
  }
`);
const AddAccount = graphql(`
  mutation AddAccount($input: AddExchangeAccountInput!) {
    addExchangeAccount(input: $input) {
      id
    }
  }
`);
const RemoveAccount = graphql(`
  mutation RemoveAccount($accountId: ID!) {
    removeExchangeAccount(accountId: $accountId)
  }
`);

/** a destructive change waiting for its confirmation */
interface Pending {
  title: string;
  body: string;
  run(): Promise<unknown>;
}

/** runs one admin mutation; the page shows what happened and reloads */
function useAdminAction<Data, Vars extends AnyVariables>(
  doc: TypedDocumentNode<Data, Vars>,
  report: (m: { ok: boolean; text: string }) => void,
  reload: () => void,
) {
  const [, execute] = useMutation(doc);
  return async (vars: Vars, success: string): Promise<Data | null> => {
    const answer = await execute(vars);
    const failure = failureOf(answer);
    if (failure !== null || !answer.data) {
      report({ ok: false, text: failure ?? "No answer from the gateway." });
      return null;
    }
    report({ ok: true, text: success });
    reload();
    return answer.data;
  };
}

/** a form's values, with a setter per field and a reset to the start values */
function useFields<T extends object>(initial: T) {
  const [values, setValues] = useState(initial);
  const set =
    <K extends keyof T>(key: K) =>
    (value: T[K]) =>
      setValues((old) => ({ ...old, [key]: value }));
  return { values, set, reset: () => setValues(initial) };
}

/** a button that asks for a confirmation (the page's dialog) before it runs its change */
function ConfirmButton(props: Pending & { label: string; "aria-label"?: string; ask(p: Pending): void }) {
  const { label, ask, "aria-label": ariaLabel, ...pending } = props;
  return (
    <button type="button" aria-label={ariaLabel} onClick={() => ask(pending)}>
      {label}
    </button>
  );
}

/** a form that runs its change on submit instead of navigating */
function AdminForm(props: { className?: string; children: ReactNode; onSubmit(): unknown }) {
  return (
    <form
      className={props.className ?? "inline-form"}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}

function TextField(
  props: { id: string; label: string; value: string; onChange(value: string): void } & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    "id" | "value" | "onChange"
  >,
) {
  const { id, label, onChange, ...rest } = props;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...rest} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}

/** a select; with `choose`, it starts at "Choose…" and one option is required */
function SelectField<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  options: readonly T[];
  text?: (option: T) => string;
  choose?: boolean;
  onChange(value: T): void;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        required={props.choose}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {props.choose ? <option value="">Choose…</option> : null}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.text ? props.text(o) : o}
          </option>
        ))}
      </select>
    </>
  );
}

function AdminTable(props: { caption: string; heads: readonly string[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <ColumnHeads labels={props.heads} />
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

const ROLES = ["VIEWER", "TRADER", "ADMIN"] as const;
const KEY_TYPES = ["HMAC", "ED25519", "RSA"] as const;
type KeyType = (typeof KEY_TYPES)[number];
const KEY_TYPE_TEXT: Record<KeyType, string> = {
  HMAC: "HMAC",
  ED25519: "Ed25519",
  RSA: "RSA",
};
/** Deribit, OKX and Bybit keys are HMAC only (the gateway refuses others) */
const keyTypesOf = (venue: Venue): readonly KeyType[] => (venue === "BINANCE" ? KEY_TYPES : ["HMAC"]);
/** what the secret is on each venue: Deribit's is the API client's secret, the key its client id */
const SECRET_TEXT: Record<Venue, { key: string; secret: string }> = {
  BINANCE: { key: "API key", secret: "Secret (HMAC secret or PKCS#8 PEM private key)" },
  DERIBIT: { key: "API key (Deribit: the client id)", secret: "Secret (Deribit: the client secret)" },
  OKX: { key: "API key", secret: "Secret (HMAC secret key)" },
  BYBIT: { key: "API key", secret: "Secret (HMAC secret)" },
};

export function AdminPage() {
  const [result, refetch] = useQuery({ query: AdminQuery });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [issued, setIssued] = useState<{ user: string; token: string } | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const act = <D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>) =>
    useAdminAction(doc, setMessage, reload);
  const createUser = act(CreateUser);
  const createToken = act(CreateToken);
  const disableUser = act(DisableUser);
  const enableUser = act(EnableUser);
  const revokeToken = act(RevokeToken);
  const createTeam = act(CreateTeam);
  const addMember = act(AddMember);
  const removeMember = act(RemoveMember);
  const grantRole = act(GrantRole);
  const revokeRole = act(RevokeRole);
  const addAccount = act(AddAccount);
  const removeAccount = act(RemoveAccount);

  const newUser = useFields({ name: "", admin: false });
  const [newTeam, setNewTeam] = useState("");
  const member = useFields({ team: "", userName: "" });
  const grant = useFields({ team: "", accountId: "", role: "VIEWER" as (typeof ROLES)[number] });
  const account = useFields({
    name: "",
    venue: "BINANCE" as Venue,
    apiKey: "",
    keyType: "HMAC" as KeyType,
    baseUrl: "",
    secret: "",
    passphrase: "",
  });

  if (result.error && !result.data) return <ErrorAlert text={explainCombined(result.error)} />;
  if (!result.data) return <p>Loading…</p>;
  const { users, teams, accounts } = result.data;
  const teamNames = teams.map((t) => t.name);
  /** the team select of a form (a plain call, not a component: a component made here would remount) */
  const teamSelect = (id: string, value: string, onChange: (team: string) => void) => (
    <SelectField id={id} label="Team" choose value={value} options={teamNames} onChange={onChange} />
  );

  return (
    <>
      <h1>Administration</h1>
      {message ? (
        <p role={message.ok ? "status" : "alert"} className={message.ok ? "ok" : "error"}>
          {message.text}
        </p>
      ) : null}
      {issued ? (
        <div role="status" className="panel">
          <p>
            New API token for <strong>{issued.user}</strong>, shown this once: copy it now.
          </p>
          <code className="token">{issued.token}</code>
          <div className="actions">
            <button type="button" onClick={() => setIssued(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}

      <section aria-labelledby="admin-users">
        <h2 id="admin-users">Users</h2>
        <AdminTable
          caption="Every gateway user"
          heads={["User", "Kind", "State", "Teams", "Tokens", "Actions"]}
        >
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row">{u.name}</th>
              <td>{u.admin ? "admin user" : "user"}</td>
              <td>{u.disabled ? "Disabled" : "Enabled"}</td>
              <td>{u.teams.map((t) => t.name).join(", ") || "–"}</td>
              <td>
                <ul className="plain">
                  {u.tokens.map((t) => (
                    <li key={t.id}>
                      #{t.id} from {t.createdAt.slice(0, 10)}
                      {t.revokedAt ? (
                        " (revoked)"
                      ) : (
                        <>
                          {" "}
                          <ConfirmButton
                            label="Revoke"
                            ask={setPending}
                            title={`Revoke token #${t.id} of ${u.name}?`}
                            body="It is refused within a second, everywhere. This cannot be undone."
                            run={() => revokeToken({ tokenId: t.id }, `Token #${t.id} revoked.`)}
                          />
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <div className="row-actions">
                  <button
                    type="button"
                    onClick={async () => {
                      const d = await createToken({ userName: u.name }, `New token issued for ${u.name}.`);
                      if (d) setIssued({ user: u.name, token: d.createToken.token });
                    }}
                  >
                    Issue token
                  </button>
                  {u.disabled ? (
                    <button
                      type="button"
                      onClick={() => void enableUser({ userName: u.name }, `${u.name} enabled.`)}
                    >
                      Enable
                    </button>
                  ) : (
                    <ConfirmButton
                      label="Disable"
                      ask={setPending}
                      title={`Disable ${u.name}?`}
                      body="Their tokens are refused within a second; enabling them again restores them."
                      run={() => disableUser({ userName: u.name }, `${u.name} disabled.`)}
                    />
                  )}
                </div>
              </td>
            </tr>
          ))}
        </AdminTable>
        <AdminForm
          onSubmit={async () => {
            const d = await createUser({ input: newUser.values }, `User ${newUser.values.name} created.`);
            if (d) {
              setIssued({ user: d.createUser.user.name, token: d.createUser.token.token });
              newUser.reset();
            }
          }}
        >
          <TextField
            id="new-user"
            label="New user"
            value={newUser.values.name}
            required
            onChange={newUser.set("name")}
          />
          <label>
            <input
              type="checkbox"
              checked={newUser.values.admin}
              onChange={(e) => newUser.set("admin")(e.target.checked)}
            />{" "}
            Admin user
          </label>
          <button type="submit">Create user</button>
        </AdminForm>
      </section>

      <section aria-labelledby="admin-teams">
        <h2 id="admin-teams">Teams and grants</h2>
        <AdminTable caption="Roles on accounts are granted to teams" heads={["Team", "Members", "Grants"]}>
          {teams.map((t) => (
            <tr key={t.name}>
              <th scope="row">{t.name}</th>
              <td>
                <ul className="plain">
                  {t.members.map((m) => (
                    <li key={m.name}>
                      {m.name}{" "}
                      <ConfirmButton
                        label="Remove"
                        aria-label={`Remove ${m.name} from ${t.name}`}
                        ask={setPending}
                        title={`Remove ${m.name} from ${t.name}?`}
                        body="They lose the team's roles within a second."
                        run={() =>
                          removeMember(
                            { team: t.name, userName: m.name },
                            `${m.name} removed from ${t.name}.`,
                          )
                        }
                      />
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <ul className="plain">
                  {t.grants.map((g) => (
                    <li key={g.accountId}>
                      {g.accountId}: {g.role.toLowerCase()}{" "}
                      <ConfirmButton
                        label="Revoke"
                        aria-label={`Revoke ${t.name}'s role on ${g.accountId}`}
                        ask={setPending}
                        title={`Revoke ${t.name}'s role on ${g.accountId}?`}
                        body="Its members lose the role within a second."
                        run={() =>
                          revokeRole(
                            { team: t.name, accountId: g.accountId },
                            `${t.name}'s role on ${g.accountId} revoked.`,
                          )
                        }
                      />
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </AdminTable>
        <AdminForm
          onSubmit={async () => {
            if (await createTeam({ name: newTeam }, `Team ${newTeam} created.`)) setNewTeam("");
          }}
        >
          <TextField id="new-team" label="New team" value={newTeam} required onChange={setNewTeam} />
          <button type="submit">Create team</button>
        </AdminForm>
        <AdminForm
          onSubmit={() =>
            addMember(member.values, `${member.values.userName} added to ${member.values.team}.`)
          }
        >
          {teamSelect("member-team", member.values.team, member.set("team"))}
          <SelectField
            id="member-user"
            label="User"
            choose
            value={member.values.userName}
            options={users.map((u) => u.name)}
            onChange={member.set("userName")}
          />
          <button type="submit">Add member</button>
        </AdminForm>
        <AdminForm
          onSubmit={() =>
            grantRole(
              grant.values,
              `${grant.values.team} now holds ${grant.values.role.toLowerCase()} on ${grant.values.accountId}.`,
            )
          }
        >
          {teamSelect("grant-team", grant.values.team, grant.set("team"))}
          <SelectField
            id="grant-account"
            label="Account"
            choose
            value={grant.values.accountId}
            options={accounts.map((a) => a.id)}
            onChange={grant.set("accountId")}
          />
          <SelectField
            id="grant-role"
            label="Role"
            value={grant.values.role}
            options={ROLES}
            text={(r) => r.toLowerCase()}
            onChange={grant.set("role")}
          />
          <button type="submit">Grant role</button>
        </AdminForm>
      </section>

      <section aria-labelledby="admin-accounts">
        <h2 id="admin-accounts">Exchange accounts</h2>
        <AdminTable
          caption="Keys are sealed; only the API key's last characters are shown"
          heads={["Account", "Venue", "Environment", "Key", "Actions"]}
        >
          {accounts.map((a) => (
            <tr key={a.id}>
              <th scope="row">{a.id}</th>
              <td>{venueName(a.venue)}</td>
              <td>{a.environment.toLowerCase()}</td>
              <td>
                {a.keyType} {a.apiKeyHint}
              </td>
              <td>
                <ConfirmButton
                  label="Remove"
                  aria-label={`Remove account ${a.id}`}
                  ask={setPending}
                  title={`Remove the account ${a.id}?`}
                  body="Its key and grants are deleted; its audit history stays."
                  run={() => removeAccount({ accountId: a.id }, `Account ${a.id} removed.`)}
                />
              </td>
            </tr>
          ))}
        </AdminTable>
        <AdminForm
          className="stack-form"
          onSubmit={async () => {
            const { passphrase, ...v } = account.values;
            // the passphrase is OKX's only: the gateway refuses one for any other venue
            const input = {
              ...v,
              baseUrl: v.baseUrl === "" ? null : v.baseUrl,
              ...(v.venue === "OKX" ? { passphrase } : {}),
            };
            if (await addAccount({ input }, `Account ${v.name} added; grant a team a role on it.`))
              account.reset();
          }}
        >
          <h3>Add an exchange account</h3>
          <TextField
            id="acc-name"
            label="Account name"
            value={account.values.name}
            required
            onChange={account.set("name")}
          />
          <SelectField
            id="acc-venue"
            label="Venue"
            value={account.values.venue}
            options={VENUE_LIST}
            text={venueName}
            onChange={(venue) => {
              account.set("venue")(venue);
              if (!keyTypesOf(venue).includes(account.values.keyType)) account.set("keyType")("HMAC");
            }}
          />
          <TextField
            id="acc-key"
            label={SECRET_TEXT[account.values.venue].key}
            value={account.values.apiKey}
            required
            autoComplete="off"
            onChange={account.set("apiKey")}
          />
          <SelectField
            id="acc-type"
            label="Key type"
            value={account.values.keyType}
            options={keyTypesOf(account.values.venue)}
            text={(k) => KEY_TYPE_TEXT[k]}
            onChange={account.set("keyType")}
          />
          <TextField
            id="acc-url"
            label="Base URL (empty: the gateway's default)"
            value={account.values.baseUrl}
            onChange={account.set("baseUrl")}
          />
          <label htmlFor="acc-secret">{SECRET_TEXT[account.values.venue].secret}</label>
          <textarea
            id="acc-secret"
            value={account.values.secret}
            required
            rows={3}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => account.set("secret")(e.target.value)}
          />
          {account.values.venue === "OKX" ? (
            <>
              <TextField
                id="acc-passphrase"
                label="Passphrase"
                type="password"
                value={account.values.passphrase}
                required
                autoComplete="off"
                aria-describedby="acc-passphrase-help"
                onChange={account.set("passphrase")}
              />
              <p id="acc-passphrase-help" className="help">
                The OKX API key&apos;s passphrase: sealed with the secret, never shown again.
              </p>
            </>
          ) : null}
          <div className="actions">
            <button type="submit">Add account</button>
          </div>
        </AdminForm>
      </section>

      {pending ? (
        <ConfirmDialog
          title={pending.title}
          onCancel={() => setPending(null)}
          onConfirm={async () => {
            await pending.run();
            setPending(null);
          }}
        >
          <p>{pending.body}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
