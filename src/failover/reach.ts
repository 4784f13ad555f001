// Can a host's SSH port be reached at all? Asked before an SSH action with a short connect timeout, so
// that a fence on a cut-off host fails in seconds ("unreachable", retried later by the pending-fence
// retrier) instead of waiting out the step's whole timeout, twice, while the service is down.
import { connect } from "node:net";

/** `hosts.X.ssh.connect_timeout` by default: one lost SYN is resent after 1 s, and still counted. */
export const CONNECT_TIMEOUT_MS = 1_500;

/** undefined when a TCP connection opened within `timeoutMs`; otherwise why not. */
export function unreachable(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  if (signal.aborted) return Promise.resolve(`${host}:${port}: aborted`);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      socket.destroy();
      resolve(why);
    };
    const aborted = () => done(`${host}:${port}: aborted`);
    const timer = setTimeout(() => done(`${host}:${port}: no connection within ${timeoutMs / 1000} s`), timeoutMs);
    signal.addEventListener("abort", aborted, { once: true });
    socket.once("connect", () => done(undefined));
    socket.once("error", (error) => done(`${host}:${port}: ${error.message}`));
  });
}
