// Edit → Review → Confirm for one row: nothing is sent until "Confirm", and never while a field is invalid.
import { useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import { MmpConfigFields, SetMmpConfigMutation } from "./documents";
import { readFragment } from "./graphql";
import { useLive, type MmpConfig } from "./live";
import { longInput, validateDraft, type DraftErrors, type MmpDraft } from "./validation";
import { explainCombined } from "./errors";
import { configured } from "./Overview";

const FIELDS: { key: keyof MmpDraft; label: string; help: string }[] = [
  {
    key: "qtyLimit",
    label: "Quantity limit",
    help: "Traded quantity within the window that triggers MMP; > 0.",
  },
  { key: "deltaLimit", label: "Delta limit", help: "Net delta within the window that triggers MMP; > 0." },
  { key: "windowTimeInMilliseconds", label: "Window (ms)", help: "1 to 5000." },
  {
    key: "frozenTimeInMilliseconds",
    label: "Frozen time (ms)",
    help: "How long orders stay blocked after a trigger; 0 = until a manual reset.",
  },
];

function draftOf(c: MmpConfig): MmpDraft {
  if (!configured(c))
    return { qtyLimit: "", deltaLimit: "", windowTimeInMilliseconds: "", frozenTimeInMilliseconds: "" };
  return {
    qtyLimit: c.qtyLimit,
    deltaLimit: c.deltaLimit,
    windowTimeInMilliseconds: String(c.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: String(c.frozenTimeInMilliseconds),
  };
}

/** a warning when a value moves by 10× or more: the classic slipped digit */
function bigStep(before: string, after: string) {
  const a = Number(before);
  const b = Number(after);
  if (before === "" || !(a > 0) || !(b > 0)) return null;
  const ratio = b / a;
  if (ratio < 10 && ratio > 0.1) return null;
  return (
    <strong className="warning">
      {" "}
      ⚠{" "}
      {ratio >= 10
        ? `${Math.round(ratio)}× the current value`
        : `1/${Math.round(1 / ratio)} of the current value`}
    </strong>
  );
}

export function EditPanel(props: {
  accountName: string;
  current: MmpConfig;
  onClose(): void;
  onSaved(config: MmpConfig): void;
}) {
  const { current } = props;
  const live = useLive();
  const [draft, setDraft] = useState<MmpDraft>(() => draftOf(current));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [step, setStep] = useState<"edit" | "review">("edit");
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setMmp] = useMutation(SetMmpConfigMutation);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstInput = useRef<HTMLInputElement>(null);
  const old = draftOf(current);
  const idBase = `edit-${current.accountId}-${current.underlying}`;

  useEffect(() => {
    if (step === "edit") firstInput.current?.focus();
    else headingRef.current?.focus();
  }, [step]);

  function review() {
    const found = validateDraft(draft);
    setErrors(found);
    const firstBad = FIELDS.find((f) => found[f.key]);
    if (firstBad) {
      document.getElementById(`${idBase}-${firstBad.key}`)?.focus();
      return;
    }
    setFailure(null);
    setStep("review");
  }

  async function confirm() {
    setFailure(null);
    const answer = await setMmp({
      input: {
        accountId: current.accountId,
        underlying: current.underlying,
        qtyLimit: draft.qtyLimit,
        deltaLimit: draft.deltaLimit,
        windowTimeInMilliseconds: Number(draft.windowTimeInMilliseconds),
        frozenTimeInMilliseconds: longInput(draft.frozenTimeInMilliseconds),
      },
    });
    if (answer.error || !answer.data) {
      setFailure(answer.error ? explainCombined(answer.error) : "No answer from the gateway.");
      return;
    }
    const config = readFragment(MmpConfigFields, answer.data.setMmpConfig);
    live.put(config);
    props.onSaved(config);
    props.onClose();
  }

  const title = `${props.accountName} · ${current.underlying}`;
  return (
    <section className="panel" aria-labelledby={`${idBase}-title`}>
      <h3 id={`${idBase}-title`} ref={headingRef} tabIndex={-1}>
        {step === "edit" ? `Edit MMP of ${title}` : `Review the change to ${title}`}
      </h3>
      {step === "edit" ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            review();
          }}
        >
          <div className="fields">
            {FIELDS.map((f, i) => {
              const id = `${idBase}-${f.key}`;
              const error = errors[f.key];
              return (
                <div className="field" key={f.key}>
                  <label htmlFor={id}>{f.label}</label>
                  <input
                    id={id}
                    ref={i === 0 ? firstInput : undefined}
                    type="text"
                    inputMode="decimal"
                    autoComplete="off"
                    spellCheck={false}
                    value={draft[f.key]}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={`${id}-help${error ? ` ${id}-error` : ""}`}
                    onChange={(e) => {
                      setDraft({ ...draft, [f.key]: e.target.value });
                      if (error) setErrors({ ...errors, [f.key]: undefined });
                    }}
                  />
                  <span id={`${id}-help`} className="help">
                    {f.help}
                  </span>
                  {error ? (
                    <span id={`${id}-error`} className="error">
                      {error}
                    </span>
                  ) : null}
                </div>
              );
            })}
          </div>
          <div className="actions">
            <button type="submit" className="primary">
              Review
            </button>
            <button type="button" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <table className="review">
            <caption>Nothing is sent until you confirm.</caption>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Now</th>
                <th scope="col">New</th>
              </tr>
            </thead>
            <tbody>
              {FIELDS.map((f) => {
                const changed = old[f.key] !== draft[f.key];
                return (
                  <tr key={f.key} className={changed ? "changed" : undefined}>
                    <th scope="row">{f.label}</th>
                    <td>{old[f.key] === "" ? "not set" : old[f.key]}</td>
                    <td>
                      {draft[f.key]}
                      {changed ? <span className="changed-note"> (changed)</span> : null}
                      {bigStep(old[f.key], draft[f.key])}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {failure ? (
            <p role="alert" className="error">
              {failure}
            </p>
          ) : null}
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={result.fetching}
              onClick={() => void confirm()}
            >
              Confirm
            </button>
            <button type="button" disabled={result.fetching} onClick={() => setStep("edit")}>
              Back
            </button>
            <button type="button" disabled={result.fetching} onClick={props.onClose}>
              Cancel
            </button>
          </div>
          {result.fetching ? <p role="status">Sending to the exchange…</p> : null}
        </>
      )}
    </section>
  );
}
