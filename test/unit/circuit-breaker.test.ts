import { GatewayError } from "../../src/errors";
import { CircuitBreaker } from "../../src/exchange/binance/circuit-breaker";

const HOST = "https://eapi.binance.com";

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures; a success in between resets the count", () => {
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
    b.failure(b.admit(HOST, 0), 0);
    b.failure(b.admit(HOST, 0), 0);
    b.success(b.admit(HOST, 0));
    b.failure(b.admit(HOST, 0), 0);
    b.failure(b.admit(HOST, 0), 0);
    expect(b.state(HOST, 0)).toBe("closed");
    b.failure(b.admit(HOST, 0), 10);
    expect(b.state(HOST, 10)).toBe("open");
    const err = refusal(() => b.admit(HOST, 500));
    expect(err.extensions).toEqual({ code: "EXCHANGE_UNAVAILABLE", outcome: "NOT_APPLIED" });
    expect(err.message).toMatch(/next attempt in about 1 s/);
    expect(b.snapshot(500)).toEqual([{ host: HOST, state: "open", consecutiveFailures: 3, retryAt: 1010 }]);
  });

  it("half-open lets exactly one probe through; its success closes the circuit", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 });
    b.failure(b.admit(HOST, 0), 0);
    expect(b.state(HOST, 100)).toBe("half-open");
    const probe = b.admit(HOST, 100);
    expect(probe.probe).toBe(true);
    refusal(() => b.admit(HOST, 101)); // the probe is still out
    b.success(probe);
    expect(b.state(HOST, 102)).toBe("closed");
    expect(b.admit(HOST, 102).probe).toBe(false);
  });

  it("a failed probe opens the circuit for another cool-down; an abandoned one frees the slot", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 });
    b.failure(b.admit(HOST, 0), 0);
    b.failure(b.admit(HOST, 150), 150);
    expect(b.state(HOST, 200)).toBe("open");
    expect(b.state(HOST, 250)).toBe("half-open");
    b.abandon(b.admit(HOST, 250)); // e.g. refused by the rate limiter: proves nothing
    expect(b.admit(HOST, 251).probe).toBe(true);
  });

  it("late failures of calls sent before the circuit opened do not push the probe back", () => {
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 });
    const inFlight = [b.admit(HOST, 0), b.admit(HOST, 0), b.admit(HOST, 0)];
    b.failure(inFlight[0]!, 0);
    b.failure(inFlight[1]!, 0);
    b.failure(inFlight[2]!, 90);
    expect(b.state(HOST, 100)).toBe("half-open");
  });

  it("hosts are independent; threshold 0 disables the breaker", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 });
    b.failure(b.admit(HOST, 0), 0);
    expect(b.admit("https://testnet.binancefuture.com", 1).probe).toBe(false);
    const off = new CircuitBreaker({ failureThreshold: 0 });
    for (let i = 0; i < 100; i++) off.failure(off.admit(HOST, 0), 0);
    expect(off.state(HOST, 0)).toBe("closed");
  });
});
