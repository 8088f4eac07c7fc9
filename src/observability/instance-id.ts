/**
 * This process's name among the gateway's replicas, for records that say which replica did something
 * (e.g. settled an abandoned audit record). Host and pid find the process in logs and on the machine;
 * the random part keeps two processes apart when both repeat (a container restarted with the same
 * hostname and pid 1).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

let id: string | undefined;

/** e.g. `gw-7d9f-xk2:1:3fa9c1`; fixed for the life of the process */
export function instanceId(): string {
  id ??= `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  return id;
}
