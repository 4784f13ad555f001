// Bringing a service's data back: the newest snapshot by id (when known), `understudy restore` into a
// side folder with --verify, then each path put in place with the unit stopped, and the unit started
// and checked. A service's databases and keys go back together, from one snapshot: a SQLite file is
// one consistent state only with the files written at the same moment (Headscale's noise_private.key).
import { basename, posix } from "node:path";
import type { Step } from "./document.js";
import type { RunbookContext } from "./context.js";
import { serviceDoc } from "./context.js";
import { quote } from "./shell.js";

type DataItem = ReturnType<typeof serviceDoc>["data"][number];

/** Why particular files must travel with their database; keyed by file name. */
const KNOWN_FILES: Record<string, string> = {
  "noise_private.key": "Headscale's Noise private key: every node trusts the server by it. A lost or new key means every node has to log in again (`tailscale up --login-server …`).",
};

const pathOf = (item: DataItem): string | undefined => ("sqlite" in item ? item.sqlite : "path" in item ? item.path : undefined);

/** Why the data must be restored as a whole; empty when there is nothing to say. */
export function wholeRestoreReasons(items: readonly DataItem[]): string[] {
  const reasons: string[] = [];
  const databases = items.flatMap((item) => ("sqlite" in item ? [item.sqlite] : []));
  if (databases.length > 0) {
    reasons.push(`${databases.map((path) => `\`${basename(path)}\``).join(", ")} ${databases.length === 1 ? "is a SQLite database" : "are SQLite databases"}: put the snapshot's copy back as a whole file and delete any \`-wal\`/\`-shm\` file beside it (an old WAL replayed onto another copy corrupts it). Never copy the live file of a running service instead.`);
  }
  for (const item of items) {
    const path = pathOf(item);
    const known = path === undefined ? undefined : KNOWN_FILES[basename(path)];
    if (known) reasons.push(`\`${basename(path!)}\` is ${known}`);
  }
  if (items.length > 1) reasons.push("Restore every path from the same moment (one snapshot): the database and its keys belong together, and mixing moments leaves clients that no longer match the server.");
  return reasons;
}

function placeCommand(item: DataItem, dir: string): string | undefined {
  const path = pathOf(item);
  if (path === undefined) return undefined;
  const restored = posix.join(dir, path);
  const parent = posix.dirname(path);
  const clear = "sqlite" in item ? `rm -f ${quote(`${path}-wal`)} ${quote(`${path}-shm`)}\n` : "";
  return `${clear}rsync -a --delete ${quote(restored)} ${quote(`${parent === "/" ? "" : parent}/`)}`;
}

/** The data steps (restore, put in place) for `service` on `host`; the caller starts and checks it. */
export function restoreSteps(context: RunbookContext, service: string, host: string): Step[] {
  const doc = serviceDoc(context, service);
  const items = doc.data;
  if (items.length === 0) return [];
  const dir = `/var/tmp/understudy-restore-${service}`;
  const paths = items.map((item) => ("command" in item ? `dump: ${item.command.join(" ")}` : pathOf(item)!));
  const stop: Step = { do: `On ${host}, stop ${service} before its data is replaced.`, command: `systemctl stop ${quote(service)}`, check: `\`systemctl is-active ${service}\` says inactive.` };
  const placed = items.map((item) => placeCommand(item, dir)).filter((command) => command !== undefined);
  const dumps = items.flatMap((item) => ("command" in item ? [item.command] : []));
  const put: Step[] = [
    { do: `Put each path in place, all from the same ${doc.backup ? "snapshot" : "copy"}: ${paths.map((path) => `\`${path}\``).join(", ")}.`, command: placed.join("\n"), check: "the files are there with their owner and mode (`ls -l`)." },
    ...(dumps.length > 0 ? [{ do: `Load the dump output${dumps.length > 1 ? "s" : ""} from \`${dir}/understudy-dumps/\` with the service's own tool (the reverse of ${dumps.map((argv) => `\`${argv.join(" ")}\``).join(", ")}).` }] : []),
  ];
  if (!doc.backup) {
    return [
      { do: `**No backup is configured for ${service}** (no \`backup:\` block): Understudy holds no snapshot of it. Get these from your own copy, all from the same moment, into \`${dir}\` (same paths below it): ${paths.map((path) => `\`${path}\``).join(", ")}. To fix for next time: add \`backup: { to: TARGET }\` to ${service}.` },
      stop,
      ...put,
    ];
  }
  const latest = context.facts.latestSnapshots?.get(service);
  const id = latest?.id ?? "SNAPSHOT";
  const find: Step = latest
    ? { do: `The newest snapshot when this runbook was made is \`${latest.id}\` (taken ${latest.created_at}, on ${latest.target}). Look for a newer one:`, command: `understudy backup list ${quote(service)}`, check: `use the newest id listed for ${service} instead of \`${latest.id}\` if there is one.` }
    : { do: `Find the newest snapshot of ${service} (targets: ${doc.backup.to.join(", ")}).`, command: `understudy backup list ${quote(service)}`, check: `the last line for ${service} is the newest: use its id as SNAPSHOT below.` };
  return [
    find,
    { do: `On ${host}, restore it into a side folder, verified (nothing in place changes yet).`, command: `understudy restore ${id} --to ${dir} --verify`, check: "it prints ✓ verified: every file matches the manifest, every SQLite copy passes integrity_check." },
    stop,
    ...put,
  ];
}
