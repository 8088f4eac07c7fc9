// Several rows of one account at once: choose rows, edit, review every change, then one setMmpConfigs;
// each item's result (applied, or why not) is shown on its own. One account is one venue: the columns
// are that venue's fields, checked by its rules (a selection never mixes venues).
import { useState } from "react";
import { useMutation } from "urql";
import { MmpConfigFields, SetMmpConfigsMutation } from "./documents";
import { readFragment } from "./graphql";
import { useLive, type MmpConfig } from "./live";
import { explain, failureOf, type GatewayErrorFields } from "./errors";
import { inputOf, validateDraft, type DraftErrors, type MmpDraft } from "./validation";
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
import { fieldsOf, venueName, type Venue } from "./venues";

interface Item {
  include: boolean;
  draft: MmpDraft;
  errors: DraftErrors;
}

export function BulkEditPanel(props: {
  accountName: string;
  venue: Venue;
  rows: MmpConfig[];
  onClose(): void;
  onSaved(): void;
}) {
  const live = useLive();
  // the venue's fields as column headers and in each input's name: "quantity limit"
  const columns = fieldsOf(props.venue).map((f) => ({ key: f.key, label: f.short }));
  const heads = ["Underlying", ...columns.map((c) => c.label)];
  const [items, setItems] = useState<Record<string, Item>>(() =>
    Object.fromEntries(
      props.rows.map((r) => [r.underlying, { include: false, draft: draftOf(r), errors: {} }]),
    ),
  );
  const [step, setStep] = useState<"edit" | "review" | "done">("edit");
  const [notice, setNotice] = useState<string | null>(null);
  const [results, setResults] = useState<{ underlying: string; text: string; ok: boolean }[]>([]);
  const [state, setMany] = useMutation(SetMmpConfigsMutation);
  const chosen = props.rows.filter((r) => items[r.underlying]?.include);
  const idBase = `bulk-${props.rows[0]?.accountId ?? ""}`;

  const update = (underlying: string, change: Partial<Item>) =>
    setItems((old) => ({ ...old, [underlying]: { ...old[underlying]!, ...change } }));

  function review() {
    if (chosen.length === 0) {
      setNotice("Choose at least one underlying.");
      return;
    }
    let bad = false;
    const next = { ...items };
    for (const r of chosen) {
      const errors = validateDraft(props.venue, next[r.underlying]!.draft);
      next[r.underlying] = { ...next[r.underlying]!, errors };
      if (Object.keys(errors).length > 0) bad = true;
    }
    setItems(next);
    setNotice(bad ? "Some values are not valid: see the messages below each field." : null);
    if (!bad) setStep("review");
  }

  async function confirm() {
    setNotice(null);
    const answer = await setMany({
      inputs: chosen.map((r) => inputOf(r, items[r.underlying]!.draft)),
    });
    const failed = failureOf(answer);
    if (failed !== null || !answer.data) {
      setNotice(failed);
      return;
    }
    setResults(
      answer.data.setMmpConfigs.map((item, i) => {
        const underlying = chosen[i]!.underlying;
        if (item.__typename === "MmpConfig") {
          live.put(readFragment(MmpConfigFields, item));
          return { underlying, ok: true, text: "Applied." };
        }
        return { underlying, ok: false, text: explain(item as GatewayErrorFields) };
      }),
    );
    setStep("done");
    props.onSaved();
  }

  return (
    <section className="panel" aria-labelledby={`${idBase}-title`}>
      <h3 id={`${idBase}-title`}>
        {step === "edit"
          ? "Edit several underlyings of "
          : step === "review"
            ? "Review the changes to "
            : "Results for "}
        {props.accountName} · {venueName(props.venue)}
      </h3>
      <ErrorAlert text={notice} />
      {step === "edit" ? (
        <DraftForm onReview={review} onCancel={props.onClose}>
          <div className="table-wrap">
            <table>
              <caption>
                Tick the underlyings to change. The fields are {venueName(props.venue)}&apos;s, checked by its
                rules.
              </caption>
              <ColumnHeads labels={heads} />
              <tbody>
                {props.rows.map((r) => {
                  const item = items[r.underlying]!;
                  return (
                    <tr key={r.underlying}>
                      <th scope="row">
                        <label>
                          <input
                            type="checkbox"
                            checked={item.include}
                            onChange={(e) => update(r.underlying, { include: e.target.checked })}
                          />{" "}
                          Change {r.underlying}
                        </label>
                      </th>
                      {columns.map((c) => {
                        const id = `${idBase}-${r.underlying}-${c.key}`;
                        const error = item.include ? item.errors[c.key] : undefined;
                        return (
                          <td key={c.key}>
                            <LimitInput
                              id={id}
                              size={10}
                              aria-label={`${r.underlying} ${c.label}`}
                              disabled={!item.include}
                              value={item.draft[c.key]}
                              error={error}
                              aria-describedby={error ? `${id}-error` : undefined}
                              onChange={(e) =>
                                update(r.underlying, {
                                  draft: { ...item.draft, [c.key]: e.target.value },
                                  errors: { ...item.errors, [c.key]: undefined },
                                })
                              }
                            />
                            {error ? (
                              <div id={`${id}-error`} className="error cell-error">
                                {error}
                              </div>
                            ) : null}
                          </td>
                        );
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </DraftForm>
      ) : step === "review" ? (
        <>
          <div className="table-wrap">
            <table className="review">
              <caption>Nothing is sent until you confirm. Each line shows now → new.</caption>
              <ColumnHeads labels={heads} />
              <tbody>
                {chosen.map((r) => {
                  const old = draftOf(r);
                  const d = items[r.underlying]!.draft;
                  return (
                    <tr key={r.underlying}>
                      <th scope="row">{r.underlying}</th>
                      {columns.map((c) => (
                        <td key={c.key}>
                          {shown(old[c.key])} → <strong>{shownNew(props.venue, c.key, d[c.key])}</strong>
                          <ChangedNote when={isChanged(props.venue, c.key, old[c.key], d[c.key])} />
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <ReviewActions
            busy={state.fetching}
            onConfirm={() => void confirm()}
            onBack={() => setStep("edit")}
            onCancel={props.onClose}
          />
        </>
      ) : (
        <>
          <ul className="results">
            {results.map((r) => (
              <li key={r.underlying}>
                <strong>{r.underlying}</strong>: {r.ok ? "✓ " : "✗ "}
                {r.text}
              </li>
            ))}
          </ul>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
        </>
      )}
    </section>
  );
}
