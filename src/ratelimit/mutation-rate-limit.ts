/**
 * Per-user and per-account rate limits on GraphQL mutations, as an Apollo plugin.
 *
 * Why here and not in the services: the check runs once per operation, after validation and before
 * execution, so a refused operation runs no resolver, writes no audit record and sends nothing; and it
 * covers every mutation, including ones added later, without each resolver remembering to call it.
 *
 * Cost: each root mutation field costs one token per `accountId` found in its arguments (a bulk
 * mutation over ten inputs costs ten), and at least one. The user pays the total; each account pays
 * its own share. An account is charged only for a caller who may change it (trader or above): a viewer
 * or a stranger hammering someone else's account is answered FORBIDDEN and must not drain the budget
 * the account's traders rely on. Both buckets are checked before either is charged, so a refusal
 * costs nothing.
 *
 * A refused operation is answered as a whole, before execution: HTTP 429, `Retry-After`, and one
 * RATE_LIMITED error with `retryAfterSeconds`.
 */
import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import {
  getNamedType,
  GraphQLError,
  GraphQLID,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { roleAtLeast, type Principal } from "../domain";
import { rateLimited } from "../errors";
import type { GatewayContext } from "../graphql/context.type";
import { TokenBuckets, type RateSpec } from "./token-bucket";

export interface MutationRateLimitOptions {
  /** undefined: no per-user limit */
  perUser?: RateSpec;
  /** undefined: no per-account limit */
  perAccount?: RateSpec;
  now?: () => number;
}

export interface RateDecision {
  retryAfterSeconds: number;
  reason: string;
}

/** Where the budgets are kept: this process (MutationRateLimiter) or Redis (redis-mutation-budget.ts). */
export interface MutationBudget {
  readonly enabled: boolean;
  /** Charges the user `cost` and each account its share, or charges nothing and says how long to wait. */
  charge(
    userId: string,
    cost: number,
    perAccount: ReadonlyMap<string, number>,
  ): RateDecision | undefined | Promise<RateDecision | undefined>;
}

export class MutationRateLimiter implements MutationBudget {
  private readonly users: TokenBuckets | undefined;
  private readonly accounts: TokenBuckets | undefined;

  constructor(options: MutationRateLimitOptions) {
    this.users = options.perUser && new TokenBuckets(options.perUser, options.now);
    this.accounts = options.perAccount && new TokenBuckets(options.perAccount, options.now);
  }

  get enabled(): boolean {
    return this.users !== undefined || this.accounts !== undefined;
  }

  /** Charges the user `cost` and each account its share, or charges nothing and says how long to wait. */
  charge(userId: string, cost: number, perAccount: ReadonlyMap<string, number>): RateDecision | undefined {
    const userWait = this.users?.waitSeconds(userId, cost) ?? 0;
    if (userWait > 0) {
      return { retryAfterSeconds: userWait, reason: "too many changes from this user" };
    }
    if (this.accounts) {
      for (const [accountId, n] of perAccount) {
        const wait = this.accounts.waitSeconds(accountId, n);
        if (wait > 0) {
          return { retryAfterSeconds: wait, reason: `too many changes to account ${accountId}` };
        }
      }
    }
    this.users?.take(userId, cost);
    if (this.accounts) for (const [accountId, n] of perAccount) this.accounts.take(accountId, n);
    return undefined;
  }
}

export function mutationRateLimitPlugin(limiter: MutationBudget): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (!limiter.enabled) return;
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          const principal = contextValue.principal;
          if (operation?.operation !== "mutation" || !principal) return;
          const plan = planOf(operation, document, schema);
          if (plan === undefined) return;
          const { cost, perAccount } = costOf(plan, request.variables ?? {}, principal);
          const refused = await limiter.charge(principal.userId, cost, perAccount);
          if (refused) {
            const error = rateLimited(refused.retryAfterSeconds, `${refused.reason}; nothing was sent`);
            const headers = new HeaderMap([["retry-after", String(refused.retryAfterSeconds)]]);
            throw new GraphQLError(error.message, {
              originalError: error,
              extensions: { ...error.extensions, http: { status: 429, headers } },
            });
          }
        },
      };
    },
  };
}

/*
 * The cost is read from the operation's document and the request's variables as sent, without
 * coercing them: coercion (custom scalars, every input field) runs once, in execution. What depends
 * on the document alone (root fields through fragments, their field definitions, where the account
 * ids sit in the arguments' input types) is worked out once per parsed operation and kept beside it
 * (Apollo keeps parsed documents, so a client's repeated operation is planned once). Per request, only
 * @skip/@include conditions and the values of the variables are read.
 *
 * The account ids are those coercion would give: every `accountId` input field or argument, wherever
 * the argument types nest it (lists, input objects, to a depth of 8), from literals, variables, or the
 * defaults of variables, input fields and arguments; an ID given as an integer counts as its string.
 * Variables that coercion will refuse still cost what they name: the request fails in execution, before
 * any resolver, and is charged like any other (the budget limits attempts, and only of the caller's
 * own accounts: the per-account charge still needs the trader role).
 */

type Variables = Readonly<Record<string, unknown>>;

/** a @skip or @include on a selection */
interface Condition {
  skip: boolean;
  value: ValueNode;
}

type Step =
  | { kind: "field"; conditions: Condition[]; field: RootField | undefined }
  | { kind: "inline"; conditions: Condition[]; steps: Step[] }
  | { kind: "spread"; conditions: Condition[]; name: string };

interface RootField {
  def: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

interface OperationPlan {
  schema: GraphQLSchema;
  steps: Step[];
  fragments: ReadonlyMap<string, Step[]>;
  /** default values of the operation's variables */
  defaults: ReadonlyMap<string, ValueNode>;
}

const plans = new WeakMap<OperationDefinitionNode, OperationPlan>();

function planOf(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  schema: GraphQLSchema,
): OperationPlan | undefined {
  const cached = plans.get(operation);
  if (cached !== undefined && cached.schema === schema) return cached;
  const root = schema.getMutationType();
  if (!root) return undefined;
  const fragments = new Map<string, Step[]>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, stepsOf(d.selectionSet, root));
  }
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue !== undefined) defaults.set(v.variable.name.value, v.defaultValue);
  }
  const plan: OperationPlan = { schema, steps: stepsOf(operation.selectionSet, root), fragments, defaults };
  plans.set(operation, plan);
  return plan;
}

function stepsOf(selectionSet: SelectionSetNode, root: GraphQLObjectType): Step[] {
  const rootDefs = root.getFields();
  return selectionSet.selections.map((sel): Step => {
    const conditions = conditionsOf(sel.directives);
    switch (sel.kind) {
      case Kind.FIELD: {
        const def = rootDefs[sel.name.value]; // undefined: __typename
        return { kind: "field", conditions, field: def && { def, node: sel } };
      }
      case Kind.INLINE_FRAGMENT:
        return { kind: "inline", conditions, steps: stepsOf(sel.selectionSet, root) };
      default:
        return { kind: "spread", conditions, name: sel.name.value };
    }
  });
}

function conditionsOf(directives: readonly DirectiveNode[] | undefined): Condition[] {
  const out: Condition[] = [];
  for (const d of directives ?? []) {
    const name = d.name.value;
    if (name !== "skip" && name !== "include") continue;
    const value = d.arguments?.find((a) => a.name.value === "if")?.value;
    if (value !== undefined) out.push({ skip: name === "skip", value });
  }
  return out;
}

/** The root fields the operation will execute, through fragments, minus those @skip/@include drop. */
function rootFields(
  steps: readonly Step[],
  plan: OperationPlan,
  variables: Variables,
  visited: Set<string>,
  out: RootField[],
): void {
  for (const step of steps) {
    if (!included(step.conditions, plan, variables)) continue;
    if (step.kind === "field") {
      if (step.field !== undefined) out.push(step.field);
    } else if (step.kind === "inline") {
      rootFields(step.steps, plan, variables, visited, out);
    } else {
      const fragment = plan.fragments.get(step.name);
      if (fragment === undefined || visited.has(step.name)) continue;
      visited.add(step.name);
      rootFields(fragment, plan, variables, visited, out);
    }
  }
}

/** as execution decides: skipped when @skip's `if` is true, or @include's is false */
function included(conditions: readonly Condition[], plan: OperationPlan, variables: Variables): boolean {
  for (const c of conditions) {
    const value = booleanOf(c.value, plan, variables);
    if (c.skip ? value === true : value === false) return false;
  }
  return true;
}

function booleanOf(node: ValueNode, plan: OperationPlan, variables: Variables): boolean | undefined {
  if (node.kind === Kind.BOOLEAN) return node.value;
  if (node.kind !== Kind.VARIABLE) return undefined;
  const name = node.name.value;
  if (Object.hasOwn(variables, name)) {
    const v = variables[name];
    return typeof v === "boolean" ? v : undefined;
  }
  const fallback = plan.defaults.get(name);
  return fallback?.kind === Kind.BOOLEAN ? fallback.value : undefined;
}

function costOf(
  plan: OperationPlan,
  variables: Variables,
  principal: Principal,
): { cost: number; perAccount: Map<string, number> } {
  const fields: RootField[] = [];
  rootFields(plan.steps, plan, variables, new Set(), fields);
  let cost = 0;
  const perAccount = new Map<string, number>();
  for (const { def, node } of fields) {
    const ids: string[] = [];
    const reader = new AccountIdReader(plan, variables, ids);
    for (const arg of def.args) {
      const given = node.arguments?.find((a) => a.name.value === arg.name);
      const isId = arg.name === ACCOUNT_ID;
      if (given !== undefined) reader.fromAst(given.value, arg.type, isId, 0);
      else if (arg.defaultValue !== undefined) reader.fromValue(arg.defaultValue, arg.type, isId, 0);
    }
    cost += Math.max(1, ids.length);
    for (const id of ids) {
      if (roleAtLeast(principal.roles.get(id), "trader")) perAccount.set(id, (perAccount.get(id) ?? 0) + 1);
    }
  }
  return { cost, perAccount };
}

const ACCOUNT_ID = "accountId";
const MAX_DEPTH = 8;

/** Collects the account ids an argument will hold once coerced, guided by its input type. */
class AccountIdReader {
  constructor(
    private readonly plan: OperationPlan,
    private readonly variables: Variables,
    private readonly out: string[],
  ) {}

  /** a value in the document: a literal, or a variable (its value as sent, else its default) */
  fromAst(node: ValueNode, type: GraphQLInputType, isId: boolean, depth: number): void {
    if (depth > MAX_DEPTH) return;
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (Object.hasOwn(this.variables, name)) this.fromValue(this.variables[name], type, isId, depth);
      else {
        const fallback = this.plan.defaults.get(name);
        if (fallback !== undefined) this.fromAst(fallback, type, isId, depth);
      }
      return;
    }
    const t = isNonNullType(type) ? type.ofType : type;
    if (isListType(t)) {
      // a single value where a list is expected is coerced to a list of one
      if (node.kind === Kind.LIST)
        for (const item of node.values) this.fromAst(item, t.ofType, isId, depth + 1);
      else this.fromAst(node, t.ofType, isId, depth + 1);
    } else if (isInputObjectType(t)) {
      if (node.kind !== Kind.OBJECT) return;
      for (const field of Object.values(t.getFields())) {
        const given = node.fields.find((f) => f.name.value === field.name);
        const fieldIsId = field.name === ACCOUNT_ID;
        if (given !== undefined) this.fromAst(given.value, field.type, fieldIsId, depth + 1);
        else if (field.defaultValue !== undefined) {
          this.fromValue(field.defaultValue, field.type, fieldIsId, depth + 1);
        }
      }
    } else if (isId && isLeafType(t)) {
      if (node.kind === Kind.STRING) this.out.push(node.value);
      else if (node.kind === Kind.INT && getNamedType(t) === GraphQLID) this.out.push(node.value);
    }
  }

  /** a value as sent in the variables (JSON), or a default already in its internal form */
  fromValue(value: unknown, type: GraphQLInputType, isId: boolean, depth: number): void {
    if (depth > MAX_DEPTH || value === null || value === undefined) return;
    const t = isNonNullType(type) ? type.ofType : type;
    if (isListType(t)) {
      if (Array.isArray(value)) for (const item of value) this.fromValue(item, t.ofType, isId, depth + 1);
      else this.fromValue(value, t.ofType, isId, depth + 1);
    } else if (isInputObjectType(t)) {
      if (typeof value !== "object" || Array.isArray(value)) return;
      const fields = value as Record<string, unknown>;
      for (const field of Object.values(t.getFields())) {
        const fieldIsId = field.name === ACCOUNT_ID;
        if (Object.hasOwn(fields, field.name))
          this.fromValue(fields[field.name], field.type, fieldIsId, depth + 1);
        else if (field.defaultValue !== undefined) {
          this.fromValue(field.defaultValue, field.type, fieldIsId, depth + 1);
        }
      }
    } else if (isId && isLeafType(t)) {
      if (typeof value === "string") this.out.push(value);
      else if (Number.isInteger(value) && getNamedType(t) === GraphQLID) this.out.push(String(value));
    }
  }
}
