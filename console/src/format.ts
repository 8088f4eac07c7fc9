// Times, durations and ages as the console shows them: UTC, so every desk reads the same clock.
export function toMs(value: number | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "20:51:03 UTC", with the date when it is not today */
export function utcTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  const today = new Date(now).toISOString().slice(0, 10);
  const day = d.toISOString().slice(0, 10);
  return day === today ? time : `${day} ${time}`;
}

/** 75 000 → "1 min 15 s" */
export function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${pad(m % 60)} min`;
}

/** a Long as written, with thin grouping for readability of long millisecond counts */
export function ms(value: number | string): string {
  return `${String(value)} ms`;
}

export function age(observedAt: number, now: number): string {
  const a = Math.max(0, now - observedAt);
  return a < 1500 ? "just now" : `${duration(a)} ago`;
}
