// Small pieces every page draws the same way.
import type { ReactNode } from "react";

/** an error in words, announced at once; nothing when there is none */
export function ErrorAlert({ text }: { text: string | null | undefined }) {
  return text ? (
    <p role="alert" className="error">
      {text}
    </p>
  ) : null;
}

/** a table's header row, one column header a label */
export function ColumnHeads({ labels }: { labels: readonly ReactNode[] }) {
  return (
    <thead>
      <tr>
        {labels.map((label, i) => (
          <th scope="col" key={i}>
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
