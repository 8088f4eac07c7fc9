// The exchange's clock (serverTime) for countdowns, ticking once a second.
import { createContext, useContext, useEffect, useState } from "react";

export const ClockOffset = createContext<{ offset: number; setOffset(o: number): void }>({
  offset: 0,
  setOffset: () => {},
});

/** now on the exchange's clock (the gateway's serverTime minus the local clock, added to it) */
export function useNow(periodMs = 1000): number {
  const { offset } = useContext(ClockOffset);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now + offset;
}
