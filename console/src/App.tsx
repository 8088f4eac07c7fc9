import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Provider, useQuery, useSubscription } from "urql";
import { connect, type Connection, type LinkState } from "./client";
import { ClockOffset } from "./clock";
import { MeQuery, MmpEventsSubscription, type MmpEvent } from "./documents";
import { readFragment } from "./graphql";
import { MmpConfigFields } from "./documents";
import { configKey, Live, type Alert, type MmpConfig } from "./live";
import { getToken, setToken } from "./session";
import { SignIn } from "./SignIn";
import { Overview, settingsText } from "./Overview";
import { AuditPage } from "./Audit";
import { AdminPage } from "./Admin";
import { navigate, usePath, BASE } from "./router";
import { utcTime, toMs } from "./format";
import { enableNotifications, notify } from "./notify";

const GraphiQLPage = lazy(() => import("./GraphiQLPage"));

export function App() {
  const [token, setTok] = useState<string | null>(getToken);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((message: string | null) => {
    setToken(null);
    setTok(null);
    setNotice(message);
  }, []);
  const signIn = useCallback((t: string) => {
    setToken(t);
    setTok(t);
    setNotice(null);
  }, []);
  if (!token) return <SignIn notice={notice} onSignIn={signIn} />;
  return <SignedIn key={token} token={token} onSignOut={signOut} />;
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut(message: string | null): void }) {
  const [conn, setConn] = useState<Connection | null>(null);
  const verified = useRef(false);
  const signOutRef = useRef(onSignOut);
  signOutRef.current = onSignOut;
  useEffect(() => {
    const c = connect(token, () =>
      signOutRef.current(
        verified.current
          ? "Your session ended: the token expired or was revoked. Sign in again."
          : "That token was not accepted. Check it and sign in again.",
      ),
    );
    setConn(c);
    return () => c.close();
  }, [token]);
  if (!conn) return null;
  return (
    <Provider value={conn.client}>
      <Shell conn={conn} token={token} onVerified={() => (verified.current = true)} onSignOut={onSignOut} />
    </Provider>
  );
}

function Shell(props: {
  conn: Connection;
  token: string;
  onVerified(): void;
  onSignOut(m: string | null): void;
}) {
  const path = usePath();
  const [me] = useQuery({ query: MeQuery });
  const [link, setLink] = useState<LinkState>("connecting");
  const [offset, setOffset] = useState(0);
  const [configs, setConfigs] = useState<ReadonlyMap<string, MmpConfig>>(new Map());
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const seen = useRef(new Set<string>());
  const [sound, setSound] = useState(false);
  const soundRef = useRef(false);
  soundRef.current = sound;

  // every reconnect after a drop: events may have been missed, so the overview re-reads everything
  const [reconnects, setReconnects] = useState(0);
  useEffect(() => {
    let previous: LinkState = "connecting";
    return props.conn.onState((next) => {
      if (next === "live" && (previous === "reconnecting" || previous === "stale"))
        setReconnects((n) => n + 1);
      previous = next;
      setLink(next);
    });
  }, [props.conn]);
  useEffect(() => {
    if (me.data) props.onVerified();
  }, [me.data, props]);

  const put = useCallback((config: MmpConfig) => {
    setConfigs((old) => {
      const key = configKey(config.accountId, config.underlying);
      const prev = old.get(key);
      if (prev && Number(prev.observedAt) > Number(config.observedAt)) return old;
      const next = new Map(old);
      next.set(key, config);
      return next;
    });
  }, []);

  const onEvent = useCallback(
    (_: unknown, data: { mmpEvents: MmpEvent }) => {
      const event = data.mmpEvents;
      if (seen.current.has(event.id)) return data;
      seen.current.add(event.id);
      const config = event.config ? readFragment(MmpConfigFields, event.config) : null;
      if (config) put(config);
      const text = alertText(event, config);
      if (text) {
        setAlerts((old) => [{ id: event.id, kind: event.kind, text }, ...old].slice(0, 20));
        if (soundRef.current) notify(text);
      }
      return data;
    },
    [put],
  );
  useSubscription({ query: MmpEventsSubscription }, onEvent);

  const live = useMemo(() => ({ configs, put }), [configs, put]);
  const clock = useMemo(() => ({ offset, setOffset }), [offset]);
  const user = me.data?.me;

  return (
    <ClockOffset.Provider value={clock}>
      <Live.Provider value={live}>
        <header className="top">
          <strong className="brand">MMP console</strong>
          <nav aria-label="Pages">
            <NavLink href={`${BASE}/`} current={path === "/"}>
              Overview
            </NavLink>
            <NavLink href={`${BASE}/audit`} current={path === "/audit"}>
              Audit log
            </NavLink>
            {user?.admin ? (
              <NavLink href={`${BASE}/admin`} current={path === "/admin"}>
                Administration
              </NavLink>
            ) : null}
            {/* a full page load: GraphiQL's page has its own Content-Security-Policy */}
            <a href={`${BASE}/graphiql`} aria-current={path === "/graphiql" ? "page" : undefined}>
              GraphiQL
            </a>
          </nav>
          <LinkIndicator state={link} />
          <label className="notify">
            <input
              type="checkbox"
              checked={sound}
              onChange={(e) => {
                const on = e.target.checked;
                setSound(on);
                if (on) void enableNotifications().catch(() => {});
              }}
            />{" "}
            Sound and notifications
          </label>
          <span className="who">{user ? `${user.name}${user.admin ? " (admin user)" : ""}` : ""}</span>
          <button type="button" onClick={() => props.onSignOut(null)}>
            Sign out
          </button>
        </header>
        <section aria-label="Alerts" className="alerts">
          {alerts.map((a) => (
            <div role="alert" key={a.id} className={`alert alert-${a.kind}`}>
              <span>{a.text}</span>
              <button
                type="button"
                aria-label={`Dismiss: ${a.text}`}
                onClick={() => setAlerts((old) => old.filter((x) => x.id !== a.id))}
              >
                Dismiss
              </button>
            </div>
          ))}
        </section>
        <main>
          {path === "/graphiql" ? (
            <Suspense fallback={<p>Loading GraphiQL…</p>}>
              <GraphiQLPage token={props.token} ws={props.conn.ws} />
            </Suspense>
          ) : path === "/audit" ? (
            <AuditPage />
          ) : path === "/admin" ? (
            user?.admin ? (
              <AdminPage />
            ) : (
              <p>Only admin users manage users, teams and accounts.</p>
            )
          ) : path === "/" ? (
            <Overview reconnects={reconnects} onServerTime={(t) => setOffset(t - Date.now())} />
          ) : (
            <p>
              No such page. <a href={`${BASE}/`}>Go to the overview</a>.
            </p>
          )}
        </main>
      </Live.Provider>
    </ClockOffset.Provider>
  );
}

function NavLink(props: { href: string; current: boolean; children: string }) {
  return (
    <a
      href={props.href}
      aria-current={props.current ? "page" : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

const LINK_TEXT: Record<LinkState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stale: "Stale: no live updates",
};

function LinkIndicator({ state }: { state: LinkState }) {
  return (
    <span role="status" className={`link link-${state}`} title="Live updates (subscription)">
      <span aria-hidden="true" className="dot" />
      {LINK_TEXT[state]}
    </span>
  );
}

function alertText(event: MmpEvent, config: MmpConfig | null): string | null {
  const where = `${event.accountId} · ${event.underlying}`;
  const at = utcTime(toMs(event.at));
  switch (event.kind) {
    case "TRIGGERED": {
      const until =
        config?.frozenUntil != null ? `until ${utcTime(toMs(config.frozenUntil))}` : "until reset";
      return `MMP triggered on ${where} at ${at}: MMP orders are frozen ${until}.`;
    }
    case "CHANGED_OUTSIDE_GATEWAY":
      return config
        ? `MMP of ${where} was changed outside the gateway at ${at}: ${settingsText(config)}.`
        : `MMP of ${where} was changed outside the gateway at ${at}.`;
    case "UNFROZEN":
      return `MMP unfrozen on ${where} at ${at}: MMP orders are accepted again.`;
    default:
      return null;
  }
}
