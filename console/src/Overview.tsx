import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery } from "urql";
import {
  AccountStateQuery,
  OverviewQuery,
  MmpConfigFields,
  type AccountState,
  type AccountSummary,
} from "./documents";
import { readFragment } from "./graphql";
import { configKey, newer, useLive, type MmpConfig } from "./live";
import { useNow } from "./clock";
import { age, duration, toMs, utcTime } from "./format";
import { EditPanel } from "./EditPanel";
import { BulkEditPanel } from "./BulkEditPanel";
import { ResetButton } from "./ResetButton";
import { KillSwitchNote, KillSwitchPanel } from "./KillSwitch";
import { explainCombined } from "./errors";
import { fieldsOf, venueName, type LimitKey, type Venue } from "./venues";

/** how often the overview re-reads everything (events update rows in between) */
const REFRESH_MS = 15_000;
/** data older than this (two missed refreshes) is flagged as not fresh */
export const FRESH_MS = 2 * REFRESH_MS;

/**
 * The account list comes from one query (the gateway's own data: no exchange read); each account's
 * MMP state from its section's own `account(id:)` query, so a venue that cannot be read (down, rate
 * limited with nothing cached) fails its own section only and the other venues stay usable.
 */
export function Overview({
  onServerTime,
  reconnects,
}: {
  onServerTime(ms: number): void;
  reconnects: number;
}) {
  const [result, refetch] = useQuery({ query: OverviewQuery });
  // one refresh round for the list and every section: each period, and each reconnect (events may have been missed)
  const [round, setRound] = useState(0);
  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (reconnects === seenReconnects.current) return;
    seenReconnects.current = reconnects;
    setRound((r) => r + 1);
  }, [reconnects]);
  useEffect(() => {
    const id = setInterval(() => setRound((r) => r + 1), REFRESH_MS);
    return () => clearInterval(id);
  }, []);
  useRefetchOn(round, refetch, true);
  const serverTime = result.data?.serverTime;
  useEffect(() => {
    if (serverTime !== undefined) onServerTime(toMs(serverTime));
  }, [serverTime, onServerTime]);

  // each section reports the configs it last read, for the frozen count in the tab's title
  const [reads, setReads] = useState<ReadonlyMap<string, readonly MmpConfig[]>>(new Map());
  const onRead = useCallback((accountId: string, configs: readonly MmpConfig[] | null) => {
    setReads((prev) => {
      const next = new Map(prev);
      if (configs === null) next.delete(accountId);
      else next.set(accountId, configs);
      return next;
    });
  }, []);
  const live = useLive();
  const frozenCount = countFrozen(reads, live.configs);
  useEffect(() => {
    document.title = frozenCount > 0 ? `(${frozenCount} frozen) MMP console` : "MMP console";
  }, [frozenCount]);

  if (result.error && !result.data)
    return (
      <p role="alert" className="error">
        Could not load the accounts: {explainCombined(result.error)}
      </p>
    );
  if (!result.data) return <p>Loading accounts…</p>;
  const accounts = result.data.accounts;
  return (
    <>
      <h1>Overview</h1>
      {accounts.length === 0 ? <p>You hold no role on any exchange account yet.</p> : null}
      {accounts.map((a) => (
        <AccountSection key={a.id} account={a} round={round} onRead={onRead} />
      ))}
    </>
  );
}

/** refetch (network-only) each time `signal` changes after the first render */
function useRefetchOn(
  signal: number,
  refetch: (opts: { requestPolicy: "network-only" }) => void,
  enabled: boolean,
) {
  const seen = useRef(signal);
  useEffect(() => {
    if (signal === seen.current) return;
    seen.current = signal;
    if (enabled) refetch({ requestPolicy: "network-only" });
  }, [signal, refetch, enabled]);
}

const ENV_TEXT: Record<AccountSummary["environment"], string> = {
  PRODUCTION: "Production",
  TESTNET: "Testnet",
  CUSTOM: "Custom exchange",
};

/** frozen rows, for the tab's title (seen from another tab when a trigger arrives) */
function countFrozen(
  reads: ReadonlyMap<string, readonly MmpConfig[]>,
  live: ReadonlyMap<string, MmpConfig>,
): number {
  let n = 0;
  for (const configs of reads.values())
    for (const c of configs) if (newer(c, live.get(configKey(c.accountId, c.underlying))).frozen) n++;
  return n;
}

export const canTrade = (role: AccountSummary["role"]) => role === "TRADER" || role === "ADMIN";

function AccountSection({
  account,
  round,
  onRead,
}: {
  account: AccountSummary;
  round: number;
  onRead(accountId: string, configs: readonly MmpConfig[] | null): void;
}) {
  const live = useLive();
  const [editing, setEditing] = useState<MmpConfig | null>(null);
  const [bulk, setBulk] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const trader = canTrade(account.role);
  // no role: nothing to read (the gateway answers empty lists)
  const hasRole = account.role !== null;
  const [result, refetch] = useQuery({
    query: AccountStateQuery,
    variables: { id: account.id },
    pause: !hasRole,
  });
  useRefetchOn(round, refetch, hasRole);
  const onChanged = () => refetch({ requestPolicy: "network-only" });
  // the last good read stays on screen when a later one fails (its rows then age into "not fresh")
  const fetched = result.data?.account ?? null;
  const [kept, setKept] = useState<AccountState | null>(null);
  if (fetched !== null && fetched !== kept) setKept(fetched);
  const state = fetched ?? kept;
  const reads = state?.mmpConfigs;
  useEffect(() => {
    if (reads === undefined) return;
    onRead(
      account.id,
      reads.map((c) => readFragment(MmpConfigFields, c)),
    );
  }, [account.id, reads, onRead]);
  useEffect(() => () => onRead(account.id, null), [account.id, onRead]);

  const rows = (reads ?? []).map((c) => {
    const read = readFragment(MmpConfigFields, c);
    return newer(read, live.configs.get(configKey(read.accountId, read.underlying)));
  });
  const headingId = `account-${account.id}`;
  const limits = limitColumns(account.venue);
  return (
    <section className="account" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {account.name} · <span className="venue">{venueName(account.venue)}</span>{" "}
        <span className={`badge env-${account.environment}`}>{ENV_TEXT[account.environment]}</span>{" "}
        <span className="badge role">
          {account.role ? `Your role: ${account.role.toLowerCase()}` : "No role"}
        </span>
      </h2>
      {hasRole && result.error ? (
        <p role="alert" className="error">
          Could not read {account.name} ({venueName(account.venue)}): {explainCombined(result.error, "read")}
        </p>
      ) : null}
      {!hasRole ? (
        <p>You manage this account as an admin user but hold no role on it: its MMP is not shown.</p>
      ) : state === null ? (
        result.error ? null : (
          <p>Reading the MMP of {account.name}…</p>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <caption>MMP of {account.name}, per underlying</caption>
            <thead>
              <tr>
                <th scope="col">Underlying</th>
                <th scope="col">Status</th>
                <th scope="col">Window</th>
                <th scope="col">Frozen time</th>
                {limits.map((f) => (
                  <th scope="col" key={f.key}>
                    {f.label}
                  </th>
                ))}
                <th scope="col">Last trigger</th>
                <th scope="col">Data age</th>
                {trader ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <MmpRow
                  key={c.underlying}
                  config={c}
                  trader={trader}
                  limits={limits}
                  onEdit={() => setEditing(c)}
                  accountName={account.name}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {saved ? (
        <p role="status" className="ok">
          {saved}
        </p>
      ) : null}
      {trader && !bulk && rows.length > 1 ? (
        <button type="button" onClick={() => setBulk(true)}>
          Edit several
        </button>
      ) : null}
      {bulk ? (
        <BulkEditPanel
          accountName={account.name}
          venue={account.venue}
          rows={rows}
          onClose={() => setBulk(false)}
          onSaved={onChanged}
        />
      ) : null}
      {editing ? (
        <EditPanel
          accountName={account.name}
          current={rows.find((r) => r.underlying === editing.underlying) ?? editing}
          onClose={() => setEditing(null)}
          onSaved={(c) => {
            setSaved(`Saved ${account.name} · ${c.underlying}: the exchange now holds ${settingsText(c)}.`);
            onChanged();
          }}
        />
      ) : null}
      {!hasRole ? null : account.venue !== "BINANCE" ? (
        <KillSwitchNote venue={account.venue} />
      ) : state ? (
        <KillSwitchPanel account={{ ...account, ...state }} trader={trader} onChanged={onChanged} />
      ) : null}
    </section>
  );
}

/** the limit columns of a venue: only the limits it has */
function limitColumns(venue: Venue): { key: LimitKey; label: string; short: string }[] {
  return fieldsOf(venue).flatMap((f) =>
    f.key === "windowTimeInMilliseconds" || f.key === "frozenTimeInMilliseconds"
      ? []
      : [{ key: f.key, label: f.label, short: f.short }],
  );
}

/** "quantity limit 1.5, delta limit 2.3, window 3000 ms, frozen time 300000 ms": the venue's settings in words */
export function settingsText(c: MmpConfig): string {
  const limits = limitColumns(c.venue).map((f) => `${f.short} ${c[f.key] ?? "none"}`);
  return [
    ...limits,
    `window ${c.windowTimeInMilliseconds} ms`,
    `frozen time ${String(c.frozenTimeInMilliseconds)} ms`,
  ].join(", ");
}

export function configured(c: MmpConfig): boolean {
  return c.windowTimeInMilliseconds > 0;
}

function MmpRow(props: {
  config: MmpConfig;
  trader: boolean;
  limits: { key: LimitKey }[];
  accountName: string;
  onEdit(): void;
}) {
  const now = useNow();
  const c = props.config;
  const observed = toMs(c.observedAt);
  // `frozen` was derived when read; a countdown that ran out since then shows as active at once
  const until = c.frozenUntil != null ? toMs(c.frozenUntil) : null;
  const frozen = c.frozen && (until === null || until > now);
  const isSet = configured(c);
  const fresh = now - observed <= FRESH_MS;
  return (
    <tr className={frozen ? "row-frozen" : undefined}>
      <th scope="row">{c.underlying}</th>
      <td>
        {frozen ? (
          <span className="status frozen">
            <span aria-hidden="true">■ </span>Frozen{" "}
            {until !== null ? `(unfreezes in ${duration(until - now)})` : "(until reset)"}
          </span>
        ) : isSet ? (
          <span className="status active">
            <span aria-hidden="true">● </span>Active
          </span>
        ) : (
          <span className="status none">
            <span aria-hidden="true">○ </span>Not configured
          </span>
        )}
      </td>
      <td className="num">{isSet ? `${c.windowTimeInMilliseconds} ms` : "–"}</td>
      <td className="num">{isSet ? `${String(c.frozenTimeInMilliseconds)} ms` : "–"}</td>
      {props.limits.map((f) => (
        <td className="num" key={f.key}>
          {isSet ? (c[f.key] ?? "–") : "–"}
        </td>
      ))}
      <td>{toMs(c.lastTriggerTime) > 0 ? utcTime(toMs(c.lastTriggerTime), now) : "Never"}</td>
      <td>
        <time dateTime={new Date(observed).toISOString()} title={utcTime(observed, now)}>
          {age(observed, now)}
        </time>
        {fresh ? null : <span className="stale-note"> (not fresh)</span>}
      </td>
      {props.trader ? (
        <td>
          <div className="row-actions">
            <button type="button" onClick={props.onEdit}>
              Edit
            </button>
            {frozen ? <ResetButton accountName={props.accountName} config={c} /> : null}
          </div>
        </td>
      ) : null}
    </tr>
  );
}
