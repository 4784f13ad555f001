// `understudy failback SERVICE [--dry-run] [--force]`: moves a service back to its primary with the
// same plan, journal and guards as a failover (src/cli/failover.ts).
import type { Io } from "./io.js";
import { runMove } from "./failover.js";

export const usage = `Usage: understudy failback SERVICE [--dry-run] [--force] [--config FILE]

  Moves SERVICE from the standby serving it back to its primary: fence the standby, ship its final
  snapshot to the primary, promote, verify, switch DNS, notify; nothing the standby wrote is lost.
  The primary must have caught up first (fenced, then sent the standby's data: \`understudy status\`
  shows it warm); until then it refuses and says so. The agent does this by itself only with
  failover.failback.after set, once the primary has been ready that long.
  --dry-run   print the plan; change nothing
  --force     go ahead despite the guards`;

export function failback(argv: string[], io: Io): Promise<number> {
  return runMove("failback", argv, io, usage);
}
