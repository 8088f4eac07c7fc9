import { useState } from "react";

export function SignIn(props: { notice: string | null; onSignIn(token: string): void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="signin">
      <h1>MMP console</h1>
      {props.notice ? (
        <p role="alert" className="error">
          {props.notice}
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
