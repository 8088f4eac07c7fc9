/**
 * Text from the database or the network made safe to print to an operator's terminal.
 *
 * Stored values come from callers (account ids, underlyings quoted in refusal messages, JSON input): a
 * raw ESC, CSI or BEL lets them clear the screen, retitle the window or forge lines, and bidirectional
 * overrides make text read other than it is. Every such character is written as a `\uXXXX` escape,
 * which JSON also reads, so a JSON column stays parseable and means the same.
 */

/**
 * C0 controls (tab, CR and LF included: they would split a line or a column), DEL, C1 controls,
 * the line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
