// What the single and the bulk edit panels share: a draft of a config, the input sent for a draft (only
// the venue's own fields; validation.ts), and the Review / Confirm buttons.
import type { FormEvent, InputHTMLAttributes, ReactNode, Ref } from "react";
import type { MmpConfig } from "./live";
import type { MmpDraft } from "./validation";
import { configured } from "./Overview";
import { venueSpec, type FieldKey, type Venue } from "./venues";

/** a config's values as the fields show them; empty fields when it is not configured or the venue holds none */
export function draftOf(c: MmpConfig): MmpDraft {
  const isSet = configured(c);
  const text = (v: string | number | null | undefined) => (isSet && v != null ? String(v) : "");
  return {
    qtyLimit: text(c.qtyLimit),
    deltaLimit: text(c.deltaLimit),
    vegaLimit: text(c.vegaLimit),
    maxQuoteQuantity: text(c.maxQuoteQuantity),
    windowTimeInMilliseconds: text(c.windowTimeInMilliseconds),
    frozenTimeInMilliseconds: text(c.frozenTimeInMilliseconds),
  };
}

/** a new value in a review: an empty optional field says what the venue does with it */
export function shownNew(venue: Venue, key: FieldKey, value: string) {
  if (value !== "") return value;
  return `empty: ${venueSpec(venue).emptyMeans[key] ?? "none is sent"}`;
}

/** whether a review line changes anything: an empty field the venue keeps as it is changes nothing */
export function isChanged(venue: Venue, key: FieldKey, before: string, after: string): boolean {
  if (after === "" && (venueSpec(venue).keptWhenEmpty as readonly FieldKey[]).includes(key)) return false;
  return before !== after;
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
