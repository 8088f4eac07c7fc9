// GraphiQL, self-hosted and lazily loaded (its own chunk, Monaco workers bundled by Vite): queries and
// mutations over POST /graphql, subscriptions over the console's own graphql-ws socket; the signed-in
// token is added to every request and never stored by GraphiQL.
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { GraphiQL } from "graphiql";
import { getOperationAST, parse } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { useMemo } from "react";
import { graphqlUrl } from "./client";

type Params = { query: string; operationName?: string | null; variables?: Record<string, unknown> | null };

export default function GraphiQLPage({ token, ws }: { token: string; ws: WsClient }) {
  const fetcher = useMemo(
    () => async (params: Params, opts?: { headers?: Record<string, unknown> }) => {
      if (isSubscription(params)) {
        return ws.iterate({
          query: params.query,
          operationName: params.operationName ?? undefined,
          variables: params.variables ?? undefined,
        });
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts?.headers ?? {})) headers[k.toLowerCase()] = String(v);
      const res = await fetch(graphqlUrl(), {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(params),
      });
      return res.json();
    },
    [token, ws],
  );
  return (
    <div className="graphiql-wrap">
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} />
    </div>
  );
}

function isSubscription(params: Params): boolean {
  try {
    const op = getOperationAST(parse(params.query), params.operationName ?? undefined);
    return op?.operation === "subscription";
  } catch {
    return false;
  }
}

const DEFAULT_QUERY = `# The signed-in token is sent with every request.
{
  serverTime
  accounts {
    id
    environment
    role
  }
}
`;
