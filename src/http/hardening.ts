/**
 * Limits on what one GraphQL request may ask for, so that a single request (hostile, or a runaway
 * script) cannot cost the gateway much more than an ordinary one. graphql-armor supplies the checks;
 * the choices and how refusals look are ours.
 *
 * | limit       | default | why                                                                  |
 * |-------------|---------|----------------------------------------------------------------------|
 * | depth       | 10      | the schema is shallow; deep nesting only multiplies work              |
 * | aliases     | 15      | aliases repeat a field, mutations included (each still pays its rate) |
 * | cost        | 5000    | graphql-armor's estimate (objects 2, scalars 1, ×1.5 per level)       |
 * | tokens      | 2000    | bounds parsing work before any other check can run (graphql-js's own  |
 * |             |         | parser limit: graphql-armor's throws from a plugin hook, which Apollo  |
 * |             |         | answers with a 500)                                                   |
 * | directives  | 20      | no client needs more; each one is work in validation and execution    |
 * | batching    | off     | an HTTP body is one operation: a batch would multiply everything above |
 *
 * Introspection queries are exempt from depth and cost (graphql-armor's default): the standard
 * introspection query is deep by nature, and whether introspection is allowed at all is configured
 * separately (GRAPHQL_INTROSPECTION).
 *
 * Refusals are GRAPHQL_VALIDATION_FAILED with HTTP 400, like any other invalid document; graphql-armor
 * would call them BAD_USER_INPUT, which our clients read as "a field of your input is wrong".
 *
 * Field suggestions ("Did you mean …?") are masked: they would let a caller map the schema piecemeal
 * when introspection is off. Our BAD_USER_INPUT messages keep naming the field that was sent (the
 * masking only replaces the suggestion at the end), and `extensions.field` is unaffected.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, type ParseOptions, type ValidationRule } from "graphql";

export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  maxDirectives: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxCost: 5000,
  maxTokens: 2000,
  maxDirectives: 20,
};

export interface GraphQLHardening {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  allowBatchedHttpRequests: false;
}

type ArmorConfig = NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>;
type RejectCallback = NonNullable<NonNullable<ArmorConfig["maxDepth"]>["onReject"]>[number];

const reject: RejectCallback = (ctx, error) => {
  ctx?.reportError(new GraphQLError(error.message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
};

export function graphqlHardening(limits: Partial<GraphQLLimits> = {}): GraphQLHardening {
  const l = { ...DEFAULT_GRAPHQL_LIMITS, ...limits };
  const common = { propagateOnRejection: false, onReject: [reject], exposeLimits: true };
  const armor = new ApolloArmor({
    blockFieldSuggestion: { enabled: true },
    maxDepth: { ...common, n: l.maxDepth, ignoreIntrospection: true },
    maxAliases: { ...common, n: l.maxAliases },
    costLimit: { ...common, maxCost: l.maxCost, ignoreIntrospection: true },
    maxDirectives: { ...common, n: l.maxDirectives },
    maxTokens: { enabled: false },
  }).protect();
  return {
    plugins: armor.plugins,
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: l.maxTokens },
    allowBatchedHttpRequests: false,
  };
}
