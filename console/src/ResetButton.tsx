import { useState } from "react";
import { useMutation } from "urql";
import { MmpConfigFields, ResetMmpMutation } from "./documents";
import { readFragment } from "./graphql";
import { useLive, type MmpConfig } from "./live";
import { ConfirmDialog } from "./Dialog";
import { failureOf } from "./errors";

export function ResetButton({ accountName, config }: { accountName: string; config: MmpConfig }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [state, reset] = useMutation(ResetMmpMutation);
  const live = useLive();
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Reset MMP
      </button>
      {open ? (
        <ConfirmDialog
          title={`Reset MMP of ${accountName} · ${config.underlying}?`}
          busy={state.fetching}
          error={error}
          onCancel={() => {
            setOpen(false);
            setError(null);
          }}
          onConfirm={async () => {
            setError(null);
            const answer = await reset({
              input: { accountId: config.accountId, underlying: config.underlying },
            });
            const failure = failureOf(answer);
            if (failure !== null || !answer.data) {
              setError(failure);
              return;
            }
            live.put(readFragment(MmpConfigFields, answer.data.resetMmp));
            setOpen(false);
          }}
        >
          <p>MMP orders of this underlying are accepted again at once. The limits stay as they are.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
