import { useEffect, useState } from "react";
import { finishSignIn, loadSettings, startSignIn, type OidcSettings } from "./oidc";

export function SignIn(props: { notice: string | null; onSignIn(token: string): void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [oidc, setOidc] = useState<OidcSettings | null>(null);
  const [oidcError, setOidcError] = useState<string | null>(null);
  const { onSignIn } = props;
  useEffect(() => {
    let live = true;
    void loadSettings().then(async (settings) => {
      if (!live || !settings) return;
      setOidc(settings);
      try {
        const token = await finishSignIn(settings);
        if (token && live) onSignIn(token);
      } catch (e) {
        if (live) setOidcError(`Single sign-on failed: ${(e as Error).message}.`);
      }
    });
    return () => {
      live = false;
    };
  }, [onSignIn]);
  return (
    <main className="signin">
      <h1>MMP console</h1>
      {props.notice ? (
        <p role="alert" className="error">
          {props.notice}
        </p>
      ) : null}
      {oidcError ? (
        <p role="alert" className="error">
          {oidcError}
        </p>
      ) : null}
      {oidc ? (
        <p>
          <button
            type="button"
            className="primary"
            onClick={() =>
              void startSignIn(oidc).catch((e: unknown) =>
                setOidcError(`Single sign-on failed: ${(e as Error).message}.`),
              )
            }
          >
            Sign in with {oidc.providerName}
          </button>
        </p>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const token = value.trim();
          if (token === "") {
            setError("Paste your API token.");
            return;
          }
          props.onSignIn(token);
        }}
      >
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "token-error" : "token-help"}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
        />
        <p id="token-help" className="help">
          The token stays in this tab only (session storage) and is forgotten when you sign out or close the
          tab.
        </p>
        {error ? (
          <p id="token-error" className="error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
