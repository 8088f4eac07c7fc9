// The account's kill-switch timers; traders arm and disarm them (with a confirmation). The console never
// sends heartbeats: a background tab is throttled and must not be what keeps orders alive. Only Binance
// accounts have one through the gateway; other venues get a note instead (KillSwitchNote).
import { useEffect, useState } from "react";
import { useMutation, useQuery } from "urql";
import { SetKillSwitchMutation, type Account } from "./documents";
import { ConfirmDialog } from "./Dialog";
import { explainCombined } from "./errors";
import { duration, utcTime } from "./format";
import { graphql, readFragment } from "./graphql";
import { MmpConfigFields } from "./documents";
import { venueSpec, type Venue } from "./venues";

/** a non-Binance account: no kill-switch controls, a line saying why */
export function KillSwitchNote(props: { venue: Venue }) {
  const why = venueSpec(props.venue).killSwitch;
  if (why === null) return null;
  return <p className="help killswitch-note">Kill switch: Binance only — {why}.</p>;
}

/** the newest entries of the account's audit log, to find the last heartbeat sent through the gateway */
const RecentAuditQuery = graphql(`
  query RecentAudit($accountId: ID!) {
    auditLog(accountId: $accountId, first: 100) {
      nodes {
        at
        action
        outcome
        actor {
          name
        }
        input
      }
    }
  }
`);

/** the last heartbeat per underlying, as the gateway's audit log holds it (sent by the trading system) */
function useLastHeartbeats(accountId: string, active: boolean, readAt: unknown) {
  const [result, refetch] = useQuery({ query: RecentAuditQuery, variables: { accountId }, pause: !active });
  // re-read whenever the overview does (`readAt` is its latest answer)
  useEffect(() => {
    if (active) refetch({ requestPolicy: "network-only" });
  }, [active, refetch, readAt]);
  const last = new Map<string, { at: string; who: string; outcome: string }>();
  for (const e of result.data?.auditLog.nodes ?? []) {
    if (e.action !== "KILL_SWITCH_HEARTBEAT") continue;
    const underlyings = (e.input as { underlyings?: unknown } | null)?.underlyings;
    if (!Array.isArray(underlyings)) continue;
    for (const u of underlyings)
      if (typeof u === "string" && !last.has(u))
        last.set(u, { at: e.at, who: e.actor?.name ?? "CLI", outcome: e.outcome });
  }
  return last;
}

export function KillSwitchPanel(props: { account: Account; trader: boolean; onChanged(): void }) {
  const { account, trader } = props;
  const [pending, setPending] = useState<{ underlying: string; countdown: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [underlying, setUnderlying] = useState("");
  const [countdown, setCountdown] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [state, setKillSwitch] = useMutation(SetKillSwitchMutation);
  const underlyings = account.mmpConfigs.map((c) => readFragment(MmpConfigFields, c).underlying);
  const idBase = `ks-${account.id}`;
  const armed = account.killSwitches.filter((k) => Number(k.countdownTimeInMilliseconds) > 0);
  const heartbeats = useLastHeartbeats(account.id, armed.length > 0, account.killSwitches);

  function arm() {
    if (!/^\d+$/.test(countdown) || Number(countdown) < 5000) {
      setFieldError("A whole number of milliseconds, at least 5000.");
      return;
    }
    if (underlying === "") {
      setFieldError("Choose an underlying.");
      return;
    }
    setPending({ underlying, countdown });
  }

  return (
    <section className="killswitch" aria-labelledby={`${idBase}-title`}>
      <h3 id={`${idBase}-title`}>Kill switch of {account.name}</h3>
      {armed.length === 0 ? (
        <p>No kill switch is armed.</p>
      ) : (
        <ul>
          {armed.map((k) => (
            <li key={k.underlying}>
              {k.underlying}: armed, countdown {String(k.countdownTimeInMilliseconds)} ms (
              {duration(Number(k.countdownTimeInMilliseconds))});{" "}
              {heartbeats.has(k.underlying)
                ? `last heartbeat through the gateway ${utcTime(Date.parse(heartbeats.get(k.underlying)!.at))} by ${heartbeats.get(k.underlying)!.who} (${heartbeats.get(k.underlying)!.outcome.toLowerCase()})`
                : "no heartbeat through the gateway recently"}
              {trader ? (
                <>
                  {" "}
                  <button
                    type="button"
                    onClick={() => setPending({ underlying: k.underlying, countdown: "0" })}
                  >
                    Disarm
                  </button>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <p className="help">
        This console shows the kill switch but never sends heartbeats: a browser tab is throttled in the
        background and must not be what keeps orders alive. Your trading system sends them.
      </p>
      {trader ? (
        <form
          className="inline-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            arm();
          }}
        >
          <label htmlFor={`${idBase}-underlying`}>Underlying</label>
          <select
            id={`${idBase}-underlying`}
            value={underlying}
            onChange={(e) => setUnderlying(e.target.value)}
          >
            <option value="">Choose…</option>
            {underlyings.map((u) => (
              <option key={u}>{u}</option>
            ))}
          </select>
          <label htmlFor={`${idBase}-countdown`}>Countdown (ms)</label>
          <input
            id={`${idBase}-countdown`}
            type="text"
            inputMode="decimal"
            value={countdown}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? `${idBase}-error` : undefined}
            onChange={(e) => {
              setCountdown(e.target.value);
              setFieldError(null);
            }}
          />
          <button type="submit">Arm kill switch</button>
          {fieldError ? (
            <span id={`${idBase}-error`} className="error">
              {fieldError}
            </span>
          ) : null}
        </form>
      ) : null}
      {pending ? (
        <ConfirmDialog
          title={
            pending.countdown === "0"
              ? `Disarm the kill switch of ${account.name} · ${pending.underlying}?`
              : `Arm the kill switch of ${account.name} · ${pending.underlying}?`
          }
          busy={state.fetching}
          error={error}
          onCancel={() => {
            setPending(null);
            setError(null);
          }}
          onConfirm={async () => {
            setError(null);
            const answer = await setKillSwitch({
              input: {
                accountId: account.id,
                underlying: pending.underlying,
                countdownTimeInMilliseconds: Number(pending.countdown),
              },
            });
            if (answer.error) {
              setError(explainCombined(answer.error));
              return;
            }
            setPending(null);
            props.onChanged();
          }}
        >
          {pending.countdown === "0" ? (
            <p>The countdown stops: open orders are no longer cancelled when heartbeats stop.</p>
          ) : (
            <p>
              Unless your trading system sends a heartbeat within {pending.countdown} ms, every open order of{" "}
              {pending.underlying} is cancelled. This console does not send heartbeats.
            </p>
          )}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
