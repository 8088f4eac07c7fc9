import { graphql, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import type { Principal } from "../../src/domain";
import { exchangeRejected } from "../../src/errors";
import { gatewayAuthChecker } from "../../src/graphql/auth-checker";
import { buildGatewaySchema } from "../../src/graphql/build-schema";
import type { GatewayContext } from "../../src/graphql/context.type";
import type { AccountMmpConfig, MmpServiceApi, SetMmpConfigRequest } from "../../src/mmp/mmp.types";
import { NOT_WIRED_BEYOND_SET, SetOnlyMmpService } from "../helpers/fake-mmp";

const trader: Principal = {
  userId: "u-1",
  userName: "alice",
  admin: false,
  roles: new Map([["desk-a", "trader"]]),
  tokenId: "t-1",
};

class RecordingMmpService extends SetOnlyMmpService {
  readonly calls: { principal: Principal; request: SetMmpConfigRequest }[] = [];
  async setMmpConfig(principal: Principal, request: SetMmpConfigRequest): Promise<AccountMmpConfig> {
    this.calls.push({ principal, request });
    return {
      accountId: request.accountId,
      observedAt: 1_700_000_000_000,
      underlyingId: 2,
      underlying: request.underlying,
      windowTimeInMilliseconds: request.windowTimeInMilliseconds,
      frozenTimeInMilliseconds: request.frozenTimeInMilliseconds,
      qtyLimit: request.qtyLimit,
      deltaLimit: request.deltaLimit ?? null,
      lastTriggerTime: 1700000000123n,
    };
  }
}

const SET = `mutation Set($input: SetMmpConfigInput!) {
  setMmpConfig(input: $input) {
    accountId underlyingId underlying windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime
  }
}`;

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGatewaySchema();
});

function context(service: MmpServiceApi, principal: Principal | null = trader): GatewayContext {
  return { principal, requestId: "req-1", services: { mmp: service } };
}

describe("setMmpConfig resolver", () => {
  it("passes literal decimals to the service as their exact text and frozen time as bigint", async () => {
    const service = new RecordingMmpService();
    const result = await graphql({
      schema,
      contextValue: context(service),
      source: `mutation { setMmpConfig(input: {
        accountId: "desk-a", underlying: "BTCUSDT", windowTimeInMilliseconds: 3000,
        frozenTimeInMilliseconds: "300000", qtyLimit: 2.30, deltaLimit: "12345678.123456789"
      }) { qtyLimit deltaLimit frozenTimeInMilliseconds lastTriggerTime } }`,
    });
    expect(result.errors).toBeUndefined();
    expect(service.calls).toHaveLength(1);
    expect(service.calls[0]?.principal).toBe(trader);
    // a plain object with exactly the request's fields, not type-graphql's input class instance
    expect(Object.getPrototypeOf(service.calls[0]?.request)).toBe(Object.prototype);
    expect(service.calls[0]?.request).toStrictEqual({
      accountId: "desk-a",
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000n,
      qtyLimit: "2.30",
      deltaLimit: "12345678.123456789",
    });
    expect(JSON.stringify(result.data)).toBe(
      '{"setMmpConfig":{"qtyLimit":"2.30","deltaLimit":"12345678.123456789","frozenTimeInMilliseconds":300000,"lastTriggerTime":1700000000123}}',
    );
  });

  it("accepts variables given as JSON numbers", async () => {
    const service = new RecordingMmpService();
    const result = await graphql({
      schema,
      contextValue: context(service),
      source: SET,
      variableValues: {
        input: {
          accountId: "desk-a",
          underlying: "ETHUSDT",
          windowTimeInMilliseconds: 5000,
          frozenTimeInMilliseconds: 0,
          qtyLimit: 2.3,
          deltaLimit: 0.000001,
        },
      },
    });
    expect(result.errors).toBeUndefined();
    expect(service.calls[0]?.request).toMatchObject({
      frozenTimeInMilliseconds: 0n,
      qtyLimit: "2.3",
      deltaLimit: "0.000001",
    });
  });

  it("lets the service's GatewayError through unchanged", async () => {
    const service: MmpServiceApi = {
      ...NOT_WIRED_BEYOND_SET,
      setMmpConfig: async () => {
        throw exchangeRejected(-1130, "Invalid parameter");
      },
    };
    const result = await graphql({
      schema,
      contextValue: context(service),
      source: SET,
      variableValues: {
        input: {
          accountId: "a",
          underlying: "BTCUSDT",
          windowTimeInMilliseconds: 1,
          frozenTimeInMilliseconds: 1,
          qtyLimit: "1",
          deltaLimit: "1",
        },
      },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "EXCHANGE_REJECTED", exchangeCode: -1130 });
  });
});

describe("authentication in the schema", () => {
  it("answers UNAUTHENTICATED, not type-graphql's own error, when there is no principal", async () => {
    const service = new RecordingMmpService();
    const result = await graphql({ schema, contextValue: context(service, null), source: "{ me { id } }" });
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const mutation = await graphql({
      schema,
      contextValue: context(service, null),
      source: SET,
      variableValues: {
        input: {
          accountId: "a",
          underlying: "BTCUSDT",
          windowTimeInMilliseconds: 1,
          frozenTimeInMilliseconds: 1,
          qtyLimit: "1",
          deltaLimit: "1",
        },
      },
    });
    expect(mutation.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(service.calls).toHaveLength(0);
  });

  it("refuses @Authorized roles: they belong in the services", () => {
    // the checker never looks at info
    const data = {
      context: context(new RecordingMmpService()),
      root: {},
      args: {},
      info: {} as GraphQLResolveInfo,
    };
    expect(() => gatewayAuthChecker(data, ["trader"])).toThrow(/checked in the services/);
    expect(gatewayAuthChecker(data, [])).toBe(true);
  });
});

describe("me", () => {
  it("describes the principal without a service call", async () => {
    const result = await graphql({
      schema,
      contextValue: context(new RecordingMmpService()),
      source: "{ me { id name admin } }",
    });
    expect(result).toEqual({ data: { me: { id: "u-1", name: "alice", admin: false } } });
  });
});
