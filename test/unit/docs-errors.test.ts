/**
 * The errors table of docs/api.md against the catalogue (ERROR_CODES in src/errors.ts): every code, no
 * other, and for each the HTTP status it comes with inside GraphQL execution (200; "—" when it cannot
 * arise there; RATE_LIMITED also 429, from a mutation rate limit) and outside it (`httpStatus`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES, type ErrorCode } from "../../src/errors";

interface Row {
  code: string;
  inside: string;
  outside: string;
  meaning: string;
}

function errorsTable(markdown: string): Row[] {
  const section = markdown.split(/^## Errors$/m)[1];
  if (section === undefined) throw new Error("docs/api.md has no '## Errors' section");
  const body = section.split(/^## /m)[0];
  const lines = body.split("\n").filter((line) => line.startsWith("|"));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim());
  const [header, separator, ...rows] = lines;
  if (header === undefined || separator === undefined) throw new Error("no table under '## Errors'");
  expect(cells(header)).toEqual(["`extensions.code`", "inside execution", "outside execution", "meaning"]);
  return rows.map((line) => {
    const [code, inside, outside, meaning] = cells(line);
    return {
      code: (code ?? "").replace(/`/g, ""),
      inside: inside ?? "",
      outside: outside ?? "",
      meaning: meaning ?? "",
    };
  });
}

const statuses = (cell: string): number[] =>
  cell === "—" ? [] : cell.split(",").map((s) => Number(s.trim()));

describe("the errors table of docs/api.md", () => {
  const rows = errorsTable(readFileSync(join(__dirname, "../../docs/api.md"), "utf8"));
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];

  it("lists every code of ERROR_CODES, each once, and no other", () => {
    const listed = rows.map((row) => row.code);
    expect([...listed].sort()).toEqual([...codes].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it.each(codes)("gives %s the HTTP status of the catalogue outside execution", (code) => {
    const row = rows.find((r) => r.code === code);
    expect(row).toBeDefined();
    expect(statuses(row!.outside)).toEqual([ERROR_CODES[code].httpStatus]);
  });

  it.each(codes)("gives %s 200 inside execution where it can arise there, and '—' where not", (code) => {
    const row = rows.find((r) => r.code === code);
    expect(row).toBeDefined();
    const expected = !ERROR_CODES[code].inExecution ? [] : code === "RATE_LIMITED" ? [200, 429] : [200];
    expect(statuses(row!.inside)).toEqual(expected);
  });

  it("gives every code a meaning", () => {
    for (const row of rows) expect(row.meaning.length).toBeGreaterThan(10);
  });
});
