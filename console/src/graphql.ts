// Typed GraphQL documents, checked against the committed schema.graphql (gql.tada; graphql-env.d.ts is
// generated from it by `npm run build`). A field the schema lacks fails `tsc -p console/tsconfig.json`.
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    /** a 64-bit integer: a number while safe, else a string of digits */
    Long: number | string;
    /** an exact decimal, as a string */
    Decimal: string;
    DateTimeISO: string;
    JSON: unknown;
  };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
