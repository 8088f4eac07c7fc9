/* eslint-disable */
// The one request every benchmark target is measured with (run.js, ab.js): setMmpConfig as a GraphQL
// JSON body, and the exact answer that counts as good from the gateway and the reference alike.
"use strict";

const QUERY =
  "mutation Set($input: SetMmpConfigInput!) { setMmpConfig(input: $input) { accountId underlyingId underlying " +
  "windowTimeInMilliseconds frozenTimeInMilliseconds qtyLimit deltaLimit lastTriggerTime } }";
const BODY = JSON.stringify({
  query: QUERY,
  operationName: "Set",
  variables: {
    input: {
      accountId: "desk-a",
      underlying: "BTCUSDT",
      windowTimeInMilliseconds: 3000,
      frozenTimeInMilliseconds: 300000,
      qtyLimit: "2",
      deltaLimit: "2.3",
    },
  },
});
// Both the gateway and the reference must answer exactly this, or the response counts as an error.
const EXPECTED =
  '{"data":{"setMmpConfig":{"accountId":"desk-a","underlyingId":2,"underlying":"BTCUSDT",' +
  '"windowTimeInMilliseconds":3000,"frozenTimeInMilliseconds":300000,"qtyLimit":"2","deltaLimit":"2.3","lastTriggerTime":0}}}';
const okBody = (b) => typeof b === "string" && b.trim() === EXPECTED;

module.exports = { QUERY, BODY, EXPECTED, okBody };
