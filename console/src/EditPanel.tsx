// Edit → Review → Confirm for one row: nothing is sent until "Confirm", and never while a field is invalid.
import { useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import { MmpConfigFields, SetMmpConfigMutation } from "./documents";
import { readFragment } from "./graphql";
import { useLive, type MmpConfig } from "./live";
import { inputOf, validateDraft, type DraftErrors, type MmpDraft } from "./validation";
import { failureOf } from "./errors";
import { ColumnHeads, ErrorAlert } from "./ui";
import {
  ChangedNote,
  DraftForm,
  draftOf,
  isChanged,
  LimitInput,
  ReviewActions,
  shown,
  shownNew,
} from "./MmpFields";
import { fieldsOf, venueName } from "./venues";

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
  const fields = fieldsOf(current.venue);
  const idBase = `edit-${current.accountId}-${current.underlying}`;

  useEffect(() => {
    if (step === "edit") firstInput.current?.focus();
    else headingRef.current?.focus();
  }, [step]);

  function review() {
    const found = validateDraft(current.venue, draft);
    setErrors(found);
    const firstBad = fields.find((f) => found[f.key]);
    if (firstBad) {
      document.getElementById(`${idBase}-${firstBad.key}`)?.focus();
      return;
    }
    setFailure(null);
    setStep("review");
  }

  async function confirm() {
    setFailure(null);
    const answer = await setMmp({ input: inputOf(current, draft) });
    const failed = failureOf(answer);
    if (failed !== null || !answer.data) {
      setFailure(failed);
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
        <DraftForm onReview={review} onCancel={props.onClose}>
          <div className="fields">
            {fields.map((f, i) => {
              const id = `${idBase}-${f.key}`;
              const error = errors[f.key];
              return (
                <div className="field" key={f.key}>
                  <label htmlFor={id}>{f.label}</label>
                  <LimitInput
                    id={id}
                    ref={i === 0 ? firstInput : undefined}
                    autoComplete="off"
                    spellCheck={false}
                    value={draft[f.key]}
                    error={error}
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
        </DraftForm>
      ) : (
        <>
          <table className="review">
            <caption>
              Nothing is sent until you confirm. {venueName(current.venue)}: only its own settings are sent.
            </caption>
            <ColumnHeads labels={["Setting", "Now", "New"]} />
            <tbody>
              {fields.map((f) => {
                const changed = isChanged(current.venue, f.key, old[f.key], draft[f.key]);
                return (
                  <tr key={f.key} className={changed ? "changed" : undefined}>
                    <th scope="row">{f.label}</th>
                    <td>{shown(old[f.key])}</td>
                    <td>
                      {shownNew(current.venue, f.key, draft[f.key])}
                      <ChangedNote when={changed} />
                      {bigStep(old[f.key], draft[f.key])}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <ErrorAlert text={failure} />
          <ReviewActions
            busy={result.fetching}
            onConfirm={() => void confirm()}
            onBack={() => setStep("edit")}
            onCancel={props.onClose}
          />
          {result.fetching ? <p role="status">Sending to the exchange…</p> : null}
        </>
      )}
    </section>
  );
}
