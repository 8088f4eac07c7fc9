// What the single and the bulk edit panels share: the four MMP fields, a draft of a config,
// the input sent for a draft, and the Review / Confirm buttons.
import type { FormEvent, InputHTMLAttributes, ReactNode, Ref } from "react";
import type { MmpConfig } from "./live";
import { longInput, type MmpDraft } from "./validation";
import { configured } from "./Overview";

export const FIELDS: { key: keyof MmpDraft; label: string; help: string }[] = [
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

/** a config's values as the fields show them; empty fields when it is not configured */
export function draftOf(c: MmpConfig): MmpDraft {
  if (!configured(c))
    return { qtyLimit: "", deltaLimit: "", windowTimeInMilliseconds: "", frozenTimeInMilliseconds: "" };
  return {
    qtyLimit: c.qtyLimit,
    deltaLimit: c.deltaLimit,
    windowTimeInMilliseconds: String(c.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: String(c.frozenTimeInMilliseconds),
  };
}

/** the SetMmpConfigInput of a (valid) draft */
export function inputOf(target: { accountId: string; underlying: string }, d: MmpDraft) {
  return {
    accountId: target.accountId,
    underlying: target.underlying,
    qtyLimit: d.qtyLimit,
    deltaLimit: d.deltaLimit,
    windowTimeInMilliseconds: Number(d.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: longInput(d.frozenTimeInMilliseconds),
  };
}

/** a field of a draft: text with a decimal keyboard, marked invalid while it has an error */
export function LimitInput({
  error,
  ...rest
}: { error: string | undefined; ref?: Ref<HTMLInputElement> } & InputHTMLAttributes<HTMLInputElement>) {
  return <input type="text" inputMode="decimal" aria-invalid={error ? true : undefined} {...rest} />;
}

/** the current value in a review: "not set" when empty */
export function shown(value: string) {
  return value === "" ? "not set" : value;
}

export function ChangedNote({ when }: { when: boolean }) {
  return when ? <span className="changed-note"> (changed)</span> : null;
}

/** the edit step: the fields, then "Review" (checks them) and "Cancel" */
export function DraftForm(props: { children: ReactNode; onReview(): void; onCancel(): void }) {
  return (
    <form
      noValidate
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        props.onReview();
      }}
    >
      {props.children}
      <div className="actions">
        <button type="submit" className="primary">
          Review
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** the review step's buttons: nothing is sent until "Confirm" */
export function ReviewActions(props: { busy: boolean; onConfirm(): void; onBack(): void; onCancel(): void }) {
  return (
    <div className="actions">
      <button type="button" className="primary" disabled={props.busy} onClick={props.onConfirm}>
        Confirm
      </button>
      <button type="button" disabled={props.busy} onClick={props.onBack}>
        Back
      </button>
      <button type="button" disabled={props.busy} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
