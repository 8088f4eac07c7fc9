// Admin pages (admin users): users and their tokens, teams with members and grants, exchange accounts.
// Each change goes through the existing admin GraphQL API; destructive ones ask for a confirmation.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, type AnyVariables, type TypedDocumentNode } from "urql";
import { ConfirmDialog } from "./Dialog";
import { explainCombined } from "./errors";
import { graphql } from "./graphql";

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

interface Pending {
  title: string;
  body: string;
  run(): Promise<boolean>;
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
    if (answer.error || !answer.data) {
      report({
        ok: false,
        text: answer.error ? explainCombined(answer.error) : "No answer from the gateway.",
      });
      return null;
    }
    report({ ok: true, text: success });
    reload();
    return answer.data;
  };
}

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

  const [newUser, setNewUser] = useState({ name: "", admin: false });
  const [newTeam, setNewTeam] = useState("");
  const [member, setMember] = useState({ team: "", userName: "" });
  const [grant, setGrant] = useState({
    team: "",
    accountId: "",
    role: "VIEWER" as "VIEWER" | "TRADER" | "ADMIN",
  });
  const [account, setAccount] = useState({
    name: "",
    apiKey: "",
    keyType: "HMAC" as "HMAC" | "ED25519" | "RSA",
    baseUrl: "",
    secret: "",
  });

  if (result.error && !result.data)
    return (
      <p role="alert" className="error">
        {explainCombined(result.error)}
      </p>
    );
  if (!result.data) return <p>Loading…</p>;
  const { users, teams, accounts } = result.data;
  const submit = (f: () => void) => (e: FormEvent) => {
    e.preventDefault();
    f();
  };

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
        <div className="table-wrap">
          <table>
            <caption>Every gateway user</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Teams</th>
                <th scope="col">Tokens</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
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
                              <button
                                type="button"
                                onClick={() =>
                                  setPending({
                                    title: `Revoke token #${t.id} of ${u.name}?`,
                                    body: "It is refused within a second, everywhere. This cannot be undone.",
                                    run: async () =>
                                      (await revokeToken({ tokenId: t.id }, `Token #${t.id} revoked.`)) !==
                                      null,
                                  })
                                }
                              >
                                Revoke
                              </button>
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
                          const d = await createToken(
                            { userName: u.name },
                            `New token issued for ${u.name}.`,
                          );
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
                        <button
                          type="button"
                          onClick={() =>
                            setPending({
                              title: `Disable ${u.name}?`,
                              body: "Their tokens are refused within a second; enabling them again restores them.",
                              run: async () =>
                                (await disableUser({ userName: u.name }, `${u.name} disabled.`)) !== null,
                            })
                          }
                        >
                          Disable
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form
          className="inline-form"
          onSubmit={submit(async () => {
            const d = await createUser({ input: newUser }, `User ${newUser.name} created.`);
            if (d) {
              setIssued({ user: d.createUser.user.name, token: d.createUser.token.token });
              setNewUser({ name: "", admin: false });
            }
          })}
        >
          <label htmlFor="new-user">New user</label>
          <input
            id="new-user"
            value={newUser.name}
            required
            onChange={(e) => setNewUser({ ...newUser, name: e.target.value })}
          />
          <label>
            <input
              type="checkbox"
              checked={newUser.admin}
              onChange={(e) => setNewUser({ ...newUser, admin: e.target.checked })}
            />{" "}
            Admin user
          </label>
          <button type="submit">Create user</button>
        </form>
      </section>

      <section aria-labelledby="admin-teams">
        <h2 id="admin-teams">Teams and grants</h2>
        <div className="table-wrap">
          <table>
            <caption>Roles on accounts are granted to teams</caption>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Members</th>
                <th scope="col">Grants</th>
              </tr>
            </thead>
            <tbody>
              {teams.map((t) => (
                <tr key={t.name}>
                  <th scope="row">{t.name}</th>
                  <td>
                    <ul className="plain">
                      {t.members.map((m) => (
                        <li key={m.name}>
                          {m.name}{" "}
                          <button
                            type="button"
                            aria-label={`Remove ${m.name} from ${t.name}`}
                            onClick={() =>
                              setPending({
                                title: `Remove ${m.name} from ${t.name}?`,
                                body: "They lose the team's roles within a second.",
                                run: async () =>
                                  (await removeMember(
                                    { team: t.name, userName: m.name },
                                    `${m.name} removed from ${t.name}.`,
                                  )) !== null,
                              })
                            }
                          >
                            Remove
                          </button>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ul className="plain">
                      {t.grants.map((g) => (
                        <li key={g.accountId}>
                          {g.accountId}: {g.role.toLowerCase()}{" "}
                          <button
                            type="button"
                            aria-label={`Revoke ${t.name}'s role on ${g.accountId}`}
                            onClick={() =>
                              setPending({
                                title: `Revoke ${t.name}'s role on ${g.accountId}?`,
                                body: "Its members lose the role within a second.",
                                run: async () =>
                                  (await revokeRole(
                                    { team: t.name, accountId: g.accountId },
                                    `${t.name}'s role on ${g.accountId} revoked.`,
                                  )) !== null,
                              })
                            }
                          >
                            Revoke
                          </button>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form
          className="inline-form"
          onSubmit={submit(async () => {
            if (await createTeam({ name: newTeam }, `Team ${newTeam} created.`)) setNewTeam("");
          })}
        >
          <label htmlFor="new-team">New team</label>
          <input id="new-team" value={newTeam} required onChange={(e) => setNewTeam(e.target.value)} />
          <button type="submit">Create team</button>
        </form>
        <form
          className="inline-form"
          onSubmit={submit(() => void addMember(member, `${member.userName} added to ${member.team}.`))}
        >
          <label htmlFor="member-team">Team</label>
          <select
            id="member-team"
            value={member.team}
            required
            onChange={(e) => setMember({ ...member, team: e.target.value })}
          >
            <option value="">Choose…</option>
            {teams.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
          <label htmlFor="member-user">User</label>
          <select
            id="member-user"
            value={member.userName}
            required
            onChange={(e) => setMember({ ...member, userName: e.target.value })}
          >
            <option value="">Choose…</option>
            {users.map((u) => (
              <option key={u.id}>{u.name}</option>
            ))}
          </select>
          <button type="submit">Add member</button>
        </form>
        <form
          className="inline-form"
          onSubmit={submit(
            () =>
              void grantRole(
                grant,
                `${grant.team} now holds ${grant.role.toLowerCase()} on ${grant.accountId}.`,
              ),
          )}
        >
          <label htmlFor="grant-team">Team</label>
          <select
            id="grant-team"
            value={grant.team}
            required
            onChange={(e) => setGrant({ ...grant, team: e.target.value })}
          >
            <option value="">Choose…</option>
            {teams.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
          <label htmlFor="grant-account">Account</label>
          <select
            id="grant-account"
            value={grant.accountId}
            required
            onChange={(e) => setGrant({ ...grant, accountId: e.target.value })}
          >
            <option value="">Choose…</option>
            {accounts.map((a) => (
              <option key={a.id}>{a.id}</option>
            ))}
          </select>
          <label htmlFor="grant-role">Role</label>
          <select
            id="grant-role"
            value={grant.role}
            onChange={(e) => setGrant({ ...grant, role: e.target.value as typeof grant.role })}
          >
            <option value="VIEWER">viewer</option>
            <option value="TRADER">trader</option>
            <option value="ADMIN">admin</option>
          </select>
          <button type="submit">Grant role</button>
        </form>
      </section>

      <section aria-labelledby="admin-accounts">
        <h2 id="admin-accounts">Exchange accounts</h2>
        <div className="table-wrap">
          <table>
            <caption>Keys are sealed; only the API key's last characters are shown</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Environment</th>
                <th scope="col">Key</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{a.id}</th>
                  <td>{a.environment.toLowerCase()}</td>
                  <td>
                    {a.keyType} {a.apiKeyHint}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove account ${a.id}`}
                      onClick={() =>
                        setPending({
                          title: `Remove the account ${a.id}?`,
                          body: "Its key and grants are deleted; its audit history stays.",
                          run: async () =>
                            (await removeAccount({ accountId: a.id }, `Account ${a.id} removed.`)) !== null,
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form
          className="stack-form"
          onSubmit={submit(async () => {
            const input = { ...account, baseUrl: account.baseUrl === "" ? null : account.baseUrl };
            if (await addAccount({ input }, `Account ${account.name} added; grant a team a role on it.`))
              setAccount({ name: "", apiKey: "", keyType: "HMAC", baseUrl: "", secret: "" });
          })}
        >
          <h3>Add an exchange account</h3>
          <label htmlFor="acc-name">Account name</label>
          <input
            id="acc-name"
            value={account.name}
            required
            onChange={(e) => setAccount({ ...account, name: e.target.value })}
          />
          <label htmlFor="acc-key">API key</label>
          <input
            id="acc-key"
            value={account.apiKey}
            required
            autoComplete="off"
            onChange={(e) => setAccount({ ...account, apiKey: e.target.value })}
          />
          <label htmlFor="acc-type">Key type</label>
          <select
            id="acc-type"
            value={account.keyType}
            onChange={(e) => setAccount({ ...account, keyType: e.target.value as typeof account.keyType })}
          >
            <option value="HMAC">HMAC</option>
            <option value="ED25519">Ed25519</option>
            <option value="RSA">RSA</option>
          </select>
          <label htmlFor="acc-url">Base URL (empty: the gateway's default)</label>
          <input
            id="acc-url"
            value={account.baseUrl}
            onChange={(e) => setAccount({ ...account, baseUrl: e.target.value })}
          />
          <label htmlFor="acc-secret">Secret (HMAC secret or PKCS#8 PEM private key)</label>
          <textarea
            id="acc-secret"
            value={account.secret}
            required
            rows={3}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setAccount({ ...account, secret: e.target.value })}
          />
          <div className="actions">
            <button type="submit">Add account</button>
          </div>
        </form>
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
