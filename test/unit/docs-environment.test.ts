/**
 * Every environment variable the gateway reads is documented: in docs/operations.md's environment
 * table, or (the OIDC ones) in docs/oidc.md; the `*_FILE` forms are named too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENT_VARIABLES } from "../../src/config";
import { FILE_VARIABLES } from "../../src/config-files";

const docs = ["docs/operations.md", "docs/oidc.md"]
  .map((page) => readFileSync(join(__dirname, "../..", page), "utf8"))
  .join("\n");

describe("the documented environment", () => {
  it.each([...ENVIRONMENT_VARIABLES])("names %s", (name) => {
    expect(docs).toContain(`\`${name}\``);
  });

  it.each(FILE_VARIABLES.map((name) => `${name}_FILE`))("names %s", (name) => {
    expect(docs).toContain(`\`${name}\``);
  });
});
