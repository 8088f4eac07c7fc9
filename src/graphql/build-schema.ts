import { GraphQLSchema, printSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { AccountResolver } from "./account/account.resolver";
import { AuditResolver } from "./audit/audit.resolver";
import { gatewayAuthChecker } from "./auth-checker";
import { KillSwitchResolver } from "./killswitch/kill-switch.resolver";
import { LiveResolver } from "./live/live.resolver";
import { MmpResolver } from "./mmp/mmp.resolver";
import { UserResolver } from "./user/user.resolver";
// After the MMP features: type-graphql lists root fields in the order their modules load, and the schema
// reads best with the trading operations first.
import { AdminResolver } from "./admin/admin.resolver";
import { TeamAdminResolver } from "./admin/team-admin.resolver";
import { UserAdminResolver } from "./admin/user-admin.resolver";

/** First lines of the emitted SDL; `schema.graphql` is checked in and a test keeps it current. */
export const SCHEMA_HEADER = [
  "# mmp-gateway GraphQL schema: generated from the type-graphql classes in src/graphql. Do not edit.",
  "# Regenerate with: npm run build && npm run schema",
  "",
  "",
].join("\n");

export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      MmpResolver,
      KillSwitchResolver,
      LiveResolver,
      UserResolver,
      AccountResolver,
      AuditResolver,
      AdminResolver,
      TeamAdminResolver,
      UserAdminResolver,
    ],
    authChecker: gatewayAuthChecker,
    authMode: "error",
    // Inputs are validated in the services, which know the ranges and name the field in BAD_USER_INPUT.
    validate: false,
    emitSchemaFile: false,
    pubSub: NO_TOPICS,
  });
}

/**
 * type-graphql insists on a PubSub once a schema has a subscription, for `@Subscription({ topics })`.
 * Ours use `subscribe` instead (src/live delivers events, authorised per subscriber and per event), so
 * topics are never used: this one refuses loudly should a resolver ever declare them.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error("topic-based subscriptions are not used: subscribe through src/live");
  },
  subscribe() {
    throw new Error("topic-based subscriptions are not used: subscribe through src/live");
  },
};

/**
 * The schema as SDL text, for `mmp-gateway schema` and the checked-in `schema.graphql`.
 *
 * Types are printed in name order, so the text does not depend on the order in which modules registered
 * their classes with type-graphql; fields keep their declaration order, which follows the domain (as
 * docs/api.md presents it) rather than the alphabet.
 */
export async function printGatewaySchema(): Promise<string> {
  const config = (await buildGatewaySchema()).toConfig();
  // graphql-js orders its type map by the `types` list first, then whatever the roots reference.
  const types = [...config.types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${SCHEMA_HEADER}${printSchema(new GraphQLSchema({ ...config, types }))}\n`;
}
