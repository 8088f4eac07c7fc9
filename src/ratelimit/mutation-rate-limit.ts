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
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
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

export class MutationRateLimiter {
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

export function mutationRateLimitPlugin(limiter: MutationRateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (!limiter.enabled) return;
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          const principal = contextValue.principal;
          const root = schema.getMutationType();
          if (operation?.operation !== "mutation" || !principal || !root) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          }
          const coerced = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            request.variables ?? {},
          );
          // Bad variables fail before any resolver runs: nothing will reach the exchange, nothing to charge.
          if (coerced.errors) return;
          const variables = coerced.coerced;
          const fields = rootFields(operation.selectionSet, fragments, variables, new Set());
          const { cost, perAccount } = costOf(fields, root, variables, principal);
          const refused = limiter.charge(principal.userId, cost, perAccount);
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

/** The root fields an operation will execute, through fragments, minus those @skip/@include drop. */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visited: Set<string>,
): FieldNode[] {
  const out: FieldNode[] = [];
  for (const sel of selectionSet.selections) {
    if (!included(sel, variables)) continue;
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) {
      out.push(...rootFields(sel.selectionSet, fragments, variables, visited));
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      if (fragment === undefined || visited.has(name)) continue;
      visited.add(name);
      out.push(...rootFields(fragment.selectionSet, fragments, variables, visited));
    }
  }
  return out;
}

function included(node: SelectionSetNode["selections"][number], variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function costOf(
  fields: readonly FieldNode[],
  root: GraphQLObjectType,
  variables: Record<string, unknown>,
  principal: Principal,
): { cost: number; perAccount: Map<string, number> } {
  let cost = 0;
  const perAccount = new Map<string, number>();
  const rootDefs = root.getFields();
  for (const node of fields) {
    const def = rootDefs[node.name.value];
    if (def === undefined) continue; // __typename
    let ids: string[] = [];
    try {
      collectAccountIds(getArgumentValues(def, node, variables), ids, 0);
    } catch {
      // An argument that does not coerce fails execution before any resolver runs; charge the user only.
      ids = [];
    }
    cost += Math.max(1, ids.length);
    for (const id of ids) {
      if (roleAtLeast(principal.roles.get(id), "trader")) perAccount.set(id, (perAccount.get(id) ?? 0) + 1);
    }
  }
  return { cost, perAccount };
}

/** Every string `accountId` member anywhere in the coerced arguments (inputs may nest, or be lists). */
function collectAccountIds(value: unknown, out: string[], depth: number): void {
  if (depth > 8 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) collectAccountIds(v, out, depth + 1);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === "accountId" && typeof v === "string") out.push(v);
    else collectAccountIds(v, out, depth + 1);
  }
}
