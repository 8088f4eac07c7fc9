import { createUnionType } from "type-graphql";
import { MmpConfigError } from "./mmp-config-error.type";
import { MmpConfig } from "./mmp-config.type";

export const MmpConfigResult = createUnionType({
  name: "MmpConfigResult",
  description: "One setMmpConfigs item's result: what the exchange then holds, or why it did not apply.",
  types: () => [MmpConfig, MmpConfigError] as const,
  // Results are plain objects from the service; only an error carries `code`.
  resolveType: (value) => ("code" in value ? MmpConfigError : MmpConfig),
});
