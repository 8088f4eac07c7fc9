/**
 * The README and docs/ stand on their own: every relative link reaches a file of the repository (and,
 * with `#anchor`, a heading of that file), and no page sends the reader to a document that is not in
 * the repository or to an issue tracker.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(__dirname, "../..");
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  const slugs = [...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    (m[1] ?? "")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-"),
  );
  return new Set(slugs);
}

function links(markdown: string): string[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

describe.each(pages)("%s", (page) => {
  const text = readFileSync(join(root, page), "utf8");

  it("links only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const link of links(text)) {
      if (/^(https?|mailto):/.test(link)) continue;
      const [path = "", anchor] = link.split("#");
      const target = path === "" ? join(root, page) : join(root, dirname(page), path);
      if (!existsSync(target) || relative(root, target).startsWith("..")) {
        broken.push(link);
        continue;
      }
      if (
        anchor !== undefined &&
        target.endsWith(".md") &&
        !anchors(readFileSync(target, "utf8")).has(anchor)
      )
        broken.push(link);
    }
    expect(broken).toEqual([]);
  });

  it("names no document outside the repository and no issue tracker", () => {
    expect(text).not.toMatch(/DESIGN\.md/);
    expect(text).not.toMatch(/\bissues? #?\d+/i);
  });
});
