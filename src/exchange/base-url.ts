/**
 * Which exchange base URLs an account may have.
 *
 * Credentials in a URL would be stored (and audited) in clear, and the transport refuses to send them
 * anyway; plain http would expose signed requests and API keys on the network path, so it is accepted
 * only for a host on the same machine (the simulator, a local stand-in). Problems never quote the URL:
 * it may hold a password.
 */
import { isLoopbackHost } from "../config";

export type BaseUrlCheck = { url: string } | { problem: string };

export function checkExchangeBaseUrl(raw: string): BaseUrlCheck {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { problem: "base URL is not a URL" };
  }
  if (u.username !== "" || u.password !== "") {
    return { problem: "base URL must not contain a user name or password" };
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    return { problem: "base URL must be https:// (plain http only on localhost)" };
  }
  if (u.search !== "" || u.hash !== "") {
    return { problem: "base URL must be https://host[:port][/path] without query or fragment" };
  }
  // Rebuilt from its parts, so nothing the parser dropped or normalised is kept as typed.
  return { url: `${u.origin}${u.pathname}`.replace(/\/+$/, "") };
}
