/**
 * `POST /graphql` with a JSON body, served without Express.
 *
 * The Express app serves every route, but this one, the one call that matters for latency, is taken
 * before Express sees it: the same steps (request id, nosniff, authentication from the headers before
 * the body is read, a JSON body reader with body-parser's rules and the same limit (json-body.ts), the
 * same error answers, Apollo) on node's own request and response. Express costs a router pass per
 * request and re-prototypes every request and response object (`Object.setPrototypeOf` to its own
 * req/res), which puts V8 on slow paths for them and keeps each request's objects alive past the
 * young-generation collections, which shows as CPU per call and as heap growth between full
 * collections (figures in docs/performance.md). Any other request (GET queries, other content types,
 * other paths) goes through Express.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/auth.types";
import type { GatewayContext } from "../graphql/context.type";
import type { GraphQLContextArgument } from "./graphql-context";
import { errorAnswer, errorBody, type ErrorAnswer } from "./http-errors";
import { bodyLimitBytes, readJsonBody } from "./json-body";
import { assignRequestId } from "./request-id";
import { authenticateBeforeBody } from "./slow-clients";

export const NOT_RUNNING: ErrorAnswer = {
  status: 503,
  body: errorBody("Server is not running", "INTERNAL_SERVER_ERROR"),
};

/** `POST /graphql` (with or without a query string) with a plain JSON body */
export function isDirectGraphqlRequest(req: IncomingMessage): boolean {
  return req.method === "POST" && isGraphqlPath(req.url) && isPlainJson(req);
}

export interface DirectGraphqlDeps {
  apollo: ApolloServer<GatewayContext>;
  context: (argument: GraphQLContextArgument) => Promise<GatewayContext>;
  authenticator: Authenticator;
  logger: Logger;
  /** in body-parser's notation, as for Express's route */
  bodyLimit: string;
  /** false until Apollo has started, and after it stopped: answered 503 */
  running: () => boolean;
}

export function createDirectGraphqlHandler(
  deps: DirectGraphqlDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = bodyLimitBytes(deps.bodyLimit);
  const errorDeps = { logger: deps.logger, bodyLimit: deps.bodyLimit };

  function failed(res: ServerResponse, error: unknown, requestId: string): void {
    if (res.headersSent) {
      deps.logger.error({ err: error, requestId }, "unhandled error in an HTTP route");
      res.destroy();
      return;
    }
    sendJson(res, errorAnswer(error, errorDeps, requestId));
  }

  return (req, res) => {
    let requestId = "unassigned";
    try {
      requestId = assignRequestId(req, res);
      res.setHeader("x-content-type-options", "nosniff");
      const serve = () => {
        if (!deps.running()) return sendJson(res, NOT_RUNNING);
        serveGraphQL(deps.apollo, deps.context, req, res).catch((e: unknown) => failed(res, e, requestId));
      };
      const readBody = () =>
        readJsonBody(req, limit, (err, body) => {
          if (err !== null) return sendJson(res, errorAnswer(err, errorDeps, requestId));
          (req as IncomingMessage & { body?: unknown }).body = body;
          serve();
        });
      authenticateBeforeBody(deps.authenticator, req, res, readBody, serve);
    } catch (e) {
      failed(res, e, requestId);
    }
  };
}

/** `/graphql`, with or without a query string (Express's route would also take `/graphql/` and any case) */
function isGraphqlPath(url: string | undefined): boolean {
  return url === "/graphql" || (url !== undefined && url.startsWith("/graphql?"));
}

/** a body the JSON parser reads as is: JSON, not compressed (anything else keeps Express's path) */
function isPlainJson(req: IncomingMessage): boolean {
  const type = req.headers["content-type"];
  const encoding = req.headers["content-encoding"];
  return (
    type !== undefined &&
    PLAIN_JSON.test(type) &&
    (encoding === undefined || encoding.toLowerCase() === "identity")
  );
}
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset=(?:"utf-8"|utf-8)\s*)?$/i;

/**
 * Runs one GraphQL-over-HTTP request through Apollo and writes the answer, on node's request and
 * response (Express's are these too). `req.body` is the parsed JSON body (undefined when none).
 */
export async function serveGraphQL(
  apollo: ApolloServer<GatewayContext>,
  context: (argument: GraphQLContextArgument) => Promise<GatewayContext>,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
): Promise<void> {
  const headers = new HeaderMap();
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const answer = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: (req.method ?? "GET").toUpperCase(),
      headers,
      search: query < 0 ? "" : url.slice(query),
      body: req.body,
    },
    context: () => context({ req, res }),
  });
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === "complete") {
    const text = answer.body.string;
    res.setHeader("content-length", Buffer.byteLength(text));
    res.end(req.method === "HEAD" ? undefined : text);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/** as Express's `res.status(…).json(…)` writes it */
export function sendJson(res: ServerResponse, answer: ErrorAnswer): void {
  const text = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}
