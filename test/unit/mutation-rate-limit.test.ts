/**
 * The mutation rate-limit plugin reads each operation's cost from the document and the variables as
 * sent, without coercing them. Checked here against what coercion gives (graphql's own
 * getVariableValues/getArgumentValues, as the plugin used before), over documents that place account
 * ids every way the language allows.
 */
import type { GraphQLRequestListener } from "@apollo/server";
import {
  buildSchema,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  parse,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Principal, Role } from "../../src/domain";
import type { GatewayContext } from "../../src/graphql/context.type";
import { MutationRateLimiter, mutationRateLimitPlugin } from "../../src/ratelimit/mutation-rate-limit";

const schema = buildSchema(`
  input Inner { accountId: ID, note: String }
  input Item { accountId: ID!, n: Int, inner: Inner, inners: [Inner!] }
  input WithDefault { accountId: ID = "from-field-default", n: Int }
  type Query { q: Int }
  type Mutation {
    one(input: Item!): Int
    many(inputs: [Item!]!): Int
    direct(accountId: ID!): Int
    defaulted(accountId: ID = "from-arg-default"): Int
    withDefault(input: WithDefault!): Int
    plain(name: String): Int
  }
`);

interface Charge {
  cost: number;
  perAccount: Record<string, number>;
}

class RecordingLimiter extends MutationRateLimiter {
  readonly charges: Charge[] = [];
  constructor() {
    super({ perUser: { capacity: 1e9, periodMs: 1000 } });
  }
  override charge(_userId: string, cost: number, perAccount: ReadonlyMap<string, number>) {
    this.charges.push({ cost, perAccount: Object.fromEntries(perAccount) });
    return undefined;
  }
}

const roles = new Map<string, Role>([
  ["a", "trader"],
  ["b", "trader"],
  ["c", "admin"],
  ["v", "viewer"],
  ["7", "trader"],
  ["from-field-default", "trader"],
  ["from-arg-default", "trader"],
  ["from-var-default", "trader"],
]);
const principal: Principal = { userId: "u1", userName: "alice", admin: false, roles, tokenId: "t1" };

async function planned(query: string, variables: Record<string, unknown> = {}): Promise<Charge | undefined> {
  const limiter = new RecordingLimiter();
  const plugin = mutationRateLimitPlugin(limiter);
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const listener = (await plugin.requestDidStart!({} as never)) as GraphQLRequestListener<GatewayContext>;
  // twice: the second run uses the plan kept for the operation
  for (let i = 0; i < 2; i++) {
    await listener.didResolveOperation!({
      operation,
      document,
      schema,
      request: { query, variables },
      contextValue: { principal, requestId: "r", services: {} },
    } as never);
  }
  expect(limiter.charges[1]).toEqual(limiter.charges[0]);
  return limiter.charges[0];
}

/** The cost as computed from coerced values (the plugin's former way), for variables that coerce. */
function coerced(query: string, variables: Record<string, unknown> = {}): Charge {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join("; "));
  const vars = result.coerced;
  const fields: FieldNode[] = [];
  const visit = (set: SelectionSetNode, visited: Set<string>) => {
    for (const sel of set.selections) {
      if (getDirectiveValues(GraphQLSkipDirective, sel, vars)?.if === true) continue;
      if (getDirectiveValues(GraphQLIncludeDirective, sel, vars)?.if === false) continue;
      if (sel.kind === Kind.FIELD) fields.push(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet, visited);
      else {
        const f = fragments.get(sel.name.value);
        if (!f || visited.has(sel.name.value)) continue;
        visited.add(sel.name.value);
        visit(f.selectionSet, visited);
      }
    }
  };
  visit(operation.selectionSet, new Set());
  const defs = schema.getMutationType()!.getFields();
  const collect = (v: unknown, out: string[]): void => {
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) return v.forEach((x) => collect(x, out));
    for (const [k, x] of Object.entries(v)) {
      if (k === "accountId" && typeof x === "string") out.push(x);
      else collect(x, out);
    }
  };
  let cost = 0;
  const perAccount: Record<string, number> = {};
  for (const node of fields) {
    const def = defs[node.name.value];
    if (!def) continue;
    const ids: string[] = [];
    collect(getArgumentValues(def, node, vars), ids);
    cost += Math.max(1, ids.length);
    for (const id of ids) {
      const role = roles.get(id);
      if (role === "trader" || role === "admin") perAccount[id] = (perAccount[id] ?? 0) + 1;
    }
  }
  return { cost, perAccount };
}

const cases: Array<[string, string, Record<string, unknown>?]> = [
  ["a variable input", "mutation($i: Item!) { one(input: $i) }", { i: { accountId: "a", n: 1 } }],
  ["a literal input", 'mutation { one(input: { accountId: "b" }) }'],
  ["an integer ID literal", "mutation { one(input: { accountId: 7 }) }"],
  ["an integer ID variable", "mutation($i: Item!) { one(input: $i) }", { i: { accountId: 7 } }],
  [
    "a variable inside a literal",
    'mutation($x: ID!) { one(input: { accountId: $x, inner: { accountId: "c" } }) }',
    { x: "a" },
  ],
  [
    "a list variable with nested ids",
    "mutation($l: [Item!]!) { many(inputs: $l) }",
    { l: [{ accountId: "a", inners: [{ accountId: "b" }, { accountId: "v" }] }, { accountId: "zz" }] },
  ],
  ["a single value where a list goes", "mutation($i: Item!) { many(inputs: $i) }", { i: { accountId: "b" } }],
  [
    "a list literal of variables",
    "mutation($x: Item!, $y: Item!) { many(inputs: [$x, $y]) }",
    { x: { accountId: "a" }, y: { accountId: "a" } },
  ],
  ["a direct argument", 'mutation { direct(accountId: "c") }'],
  ["an argument default", "mutation { defaulted }"],
  ["an input field default", "mutation { withDefault(input: { n: 1 }) }"],
  ["a variable default", 'mutation($x: ID = "from-var-default") { direct(accountId: $x) }'],
  [
    "a variable given over its default",
    'mutation($x: ID = "from-var-default") { direct(accountId: $x) }',
    { x: "b" },
  ],
  ["no account at all", 'mutation { plain(name: "x") }'],
  ["__typename only", "mutation { __typename }"],
  [
    "aliases, fragments and a repeated spread",
    'mutation { x: one(input: { accountId: "a" }) ...F ...F ... { y: direct(accountId: "b") } } fragment F on Mutation { z: direct(accountId: "c") }',
  ],
  [
    "skip and include, literal and by variable",
    'mutation($s: Boolean!, $n: Boolean = false) { one(input: { accountId: "a" }) @skip(if: $s) d: direct(accountId: "b") @include(if: $n) e: direct(accountId: "c") @skip(if: false) ... @include(if: true) { f: direct(accountId: "a") } }',
    { s: true },
  ],
  [
    "a skipped spread, then the same fragment included",
    'mutation { ...F @skip(if: true) ...F } fragment F on Mutation { direct(accountId: "a") }',
  ],
  [
    "a viewer's and a stranger's accounts",
    'mutation { a: direct(accountId: "v") b: direct(accountId: "nobody") }',
  ],
];

describe("mutation rate limit: cost from the document and raw variables", () => {
  it.each(cases)("%s: as coercion would count it", async (_name, query, variables = {}) => {
    expect(await planned(query, variables)).toEqual(coerced(query, variables));
  });

  it("counts what is sent even when the variables will not coerce (refused in execution)", async () => {
    expect(
      await planned("mutation($i: Item!) { one(input: $i) }", { i: { accountId: "a", n: "not a number" } }),
    ).toEqual({ cost: 1, perAccount: { a: 1 } });
  });

  it("charges nothing for queries", async () => {
    expect(await planned("{ q }")).toBeUndefined();
  });
});
