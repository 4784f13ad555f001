// Turns the errors Node raises for network and TLS failures into a probe reason and a readable phrase,
// so that every kind says "connection refused" the same way instead of leaking "ECONNREFUSED".
const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

const ROUTE_REFUSED = new Set(["EINVAL", "EACCES", "EPERM"]);

export interface NetFailure {
  /** Machine reason: refused, dns, unreachable, reset, tls, timeout or error. */
  reason: string;
  /** A phrase that completes "… failed: <phrase>". */
  text: string;
}

export function describeNetError(error: unknown): NetFailure {
  const err = error as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : undefined;
  switch (code) {
    case "ECONNREFUSED":
      return { reason: "refused", text: "connection refused" };
    case "ENOTFOUND":
    case "EAI_NONAME":
      return { reason: "dns", text: `the name does not resolve (${code})` };
    case "EAI_AGAIN":
      return { reason: "dns", text: `no DNS server answered for the name (${code})` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENETDOWN":
      return { reason: "unreachable", text: `no route to the host (${code})` };
    case "ECONNRESET":
    case "EPIPE":
      return { reason: "reset", text: "the connection was reset by the peer" };
    case "ETIMEDOUT":
      return { reason: "timeout", text: "the connection timed out" };
  }
  // The kernel refuses a connect or send along a "blackhole" route with EINVAL, along a "prohibit" one
  // with EACCES, and when a firewall rule rejects it with EPERM: the route exists but leads nowhere.
  if (code !== undefined && ROUTE_REFUSED.has(code) && (err.syscall === "connect" || err.syscall === "send")) {
    return { reason: "unreachable", text: `the route to the host discards the traffic (${code}: a blackhole, prohibit or firewall rule)` };
  }
  if (code !== undefined && (TLS_CODES.has(code) || code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS"))) {
    return { reason: "tls", text: `TLS failed: ${err.message} (${code})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: "error", text: code === undefined ? message : `${message} (${code})` };
}
