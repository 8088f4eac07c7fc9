// The audit log: who did what, when, how it ended, previous → new; the gateway's own detections marked.
import { useEffect, useState } from "react";
import { useClient, useQuery } from "urql";
import { AuditLogQuery, type AuditEntry } from "./documents";
import { failureOf } from "./errors";
import { utcTime } from "./format";
import { graphql } from "./graphql";

const PAGE_SIZE = 50;

const AccountsQuery = graphql(`
  query AuditAccounts {
    accounts {
      id
      name
    }
  }
`);

const ACTIONS = [
  "SET_MMP",
  "RESET_MMP",
  "SET_KILL_SWITCH",
  "KILL_SWITCH_HEARTBEAT",
  "MMP_TRIGGERED",
  "MMP_CHANGED_OUTSIDE_GATEWAY",
  "ACCOUNT_ADD",
  "ACCOUNT_REMOVE",
  "ACCOUNT_ROTATE_KEY",
  "USER_ADD",
  "USER_DISABLE",
  "USER_ENABLE",
  "TOKEN_CREATE",
  "TOKEN_REVOKE",
  "TEAM_ADD",
  "TEAM_MEMBER_ADD",
  "TEAM_MEMBER_REMOVE",
  "GRANT",
  "REVOKE",
] as const satisfies readonly AuditEntry["action"][];

const DETECTIONS: ReadonlySet<string> = new Set(["MMP_TRIGGERED", "MMP_CHANGED_OUTSIDE_GATEWAY"]);

const ACTION_TEXT: Partial<Record<AuditEntry["action"], string>> = {
  SET_MMP: "Set MMP",
  RESET_MMP: "Reset MMP",
  SET_KILL_SWITCH: "Set kill switch",
  KILL_SWITCH_HEARTBEAT: "Kill-switch heartbeat",
  MMP_TRIGGERED: "MMP triggered",
  MMP_CHANGED_OUTSIDE_GATEWAY: "Changed outside the gateway",
};

export function AuditPage() {
  const client = useClient();
  const [accounts] = useQuery({ query: AccountsQuery });
  const [accountId, setAccountId] = useState("");
  const [action, setAction] = useState("");
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function load(after: string | null, replace: boolean) {
    setLoading(true);
    setError(null);
    const answer = await client
      .query(AuditLogQuery, { accountId: accountId || null, first: PAGE_SIZE, after })
      .toPromise();
    setLoading(false);
    const failure = failureOf(answer);
    if (failure !== null || !answer.data) {
      setError(failure);
      return;
    }
    const page = answer.data.auditLog;
    const nodes = page.edges.map((e) => e.node);
    setEntries((old) => (replace ? nodes : [...old, ...nodes]));
    setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
  }

  useEffect(() => {
    void load(null, true);
    // reload from the top when the account filter changes
  }, [accountId]);

  const shown = action === "" ? entries : entries.filter((e) => e.action === action);
  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="audit-account">Account</label>
        <select id="audit-account" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
          <option value="">All accounts</option>
          {accounts.data?.accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">All actions</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_TEXT[a] ?? a}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load(null, true)}>
          Refresh
        </button>
      </form>
      {action !== "" ? (
        <p className="help">
          The action filter applies to the entries loaded so far; load older entries for more.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="audit">
          <caption>Newest first{accountId ? `, account ${accountId}` : ""}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Account</th>
              <th scope="col">What</th>
              <th scope="col">Outcome</th>
              <th scope="col">Previous → new</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id} className={DETECTIONS.has(e.action) ? "detection" : undefined}>
                <td>{utcTime(Date.parse(e.at))}</td>
                <td>{e.actor?.name ?? (DETECTIONS.has(e.action) ? "gateway" : "CLI")}</td>
                <td>{e.accountId ?? "–"}</td>
                <td>
                  {DETECTIONS.has(e.action) ? <span className="badge detected">Detected</span> : null}{" "}
                  {ACTION_TEXT[e.action] ?? e.action}
                  {underlyingOf(e) ? ` · ${underlyingOf(e)}` : ""}
                </td>
                <td>
                  {e.outcome}
                  {e.exchangeMessage ? <div className="help">{e.exchangeMessage}</div> : null}
                </td>
                <td className="change">{change(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && !loading ? <p>No entries.</p> : null}
      {loading ? <p role="status">Loading…</p> : null}
      {next ? (
        <button type="button" disabled={loading} onClick={() => void load(next, false)}>
          Load older entries
        </button>
      ) : null}
    </>
  );
}

type Json = Record<string, unknown> | null | undefined;

function underlyingOf(e: AuditEntry): string | null {
  const input = e.input as Json;
  const u = input?.underlying;
  return typeof u === "string" ? u : null;
}

const SHOWN = [
  "qtyLimit",
  "deltaLimit",
  "vegaLimit",
  "maxQuoteQuantity",
  "windowTimeInMilliseconds",
  "frozenTimeInMilliseconds",
  "countdownTimeInMilliseconds",
];
const SHORT: Record<string, string> = {
  qtyLimit: "qty",
  deltaLimit: "delta",
  vegaLimit: "vega",
  maxQuoteQuantity: "max quote",
  windowTimeInMilliseconds: "window",
  frozenTimeInMilliseconds: "frozen",
  countdownTimeInMilliseconds: "countdown",
};

function summary(value: Json): string | null {
  if (!value || typeof value !== "object") return null;
  const parts = SHOWN.filter((k) => k in value).map((k) => `${SHORT[k]} ${String(value[k])}`);
  return parts.length > 0 ? parts.join(", ") : null;
}

function change(e: AuditEntry): string {
  const before = summary(e.previous as Json);
  const result = summary(e.result as Json);
  const requested = summary(e.input as Json);
  if (!before && !result && !requested) return "–";
  // what the exchange then held; for an unfinished or refused change, what was asked for
  const after = result ?? (requested ? `requested ${requested}` : "–");
  return `${before ?? "unknown"} → ${after}`;
}
