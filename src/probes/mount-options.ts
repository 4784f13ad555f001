// Mount options a mount must have (the mount kind's `options`), judged against what the kernel reports
// in /proc/self/mountinfo and, for the options the kernel never sees, against the /etc/fstab entry.
// `nofail`, `noauto`, `_netdev`, `x-systemd.*`… are read by mount(8) and systemd only, so the kernel's
// list cannot show them; a required one is looked for in fstab, and its absence there is a failure.
// A required "name" is met by the flag or by any "name=value"; a required "name=value" needs that value.

/** Options mount(8) and systemd consume; the kernel never reports them. */
const USERSPACE_ONLY = new Set(["nofail", "noauto", "auto", "_netdev", "user", "users", "nouser", "owner", "group", "defaults"]);

export function isUserspaceOnly(option: string): boolean {
  const name = optionName(option);
  return USERSPACE_ONLY.has(name) || name.startsWith("x-") || name === "comment";
}

/** An option and the one that excludes it: a mount that is `hard` cannot be `soft`. */
const OPPOSITES: Record<string, string> = { soft: "hard", hard: "soft", ro: "rw", rw: "ro", sync: "async", async: "sync", softerr: "hard" };

const optionName = (option: string) => option.split("=", 1)[0]!;

/** The escapes of /proc/self/mountinfo and /etc/fstab ("\040" for a space). */
export const unescapeMountField = (text: string) => text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The options of the /etc/fstab entry for a mount point (the last entry wins, as mount(8) reads it), or undefined. */
export function fstabOptions(fstab: string, mountPoints: readonly string[]): string[] | undefined {
  let found: string[] | undefined;
  for (const line of fstab.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || fields[0]!.startsWith("#")) continue;
    const point = unescapeMountField(fields[1]!).replace(/(.)\/+$/, "$1");
    if (mountPoints.includes(point)) found = (fields[3] ?? "defaults").split(",");
  }
  return found;
}

function has(options: readonly string[], required: string): boolean {
  return required.includes("=") ? options.includes(required) : options.some((option) => optionName(option) === required);
}

/** Describes one required option's absence ("is hard, not soft", "timeo=600, not timeo=50"), or undefined when present. */
function problem(options: readonly string[], required: string, where: string): string | undefined {
  if (has(options, required)) return undefined;
  const name = optionName(required);
  const opposite = OPPOSITES[name];
  if (opposite !== undefined && options.includes(opposite)) return `${opposite}, not ${required}${where}`;
  const other = options.find((option) => optionName(option) === name);
  if (other !== undefined) return `${other}, not ${required}${where}`;
  return `no ${required}${where}`;
}

/**
 * What the required options miss: one phrase per missing option, [] when all are there.
 * `mounted` is the kernel's list (per-mount and super-block options); `fstab` the entry's, undefined when there is none.
 */
export function missingOptions(required: readonly string[], mounted: readonly string[], fstab: readonly string[] | undefined, fstabPath: string): string[] {
  return required.flatMap((option) => {
    if (!isUserspaceOnly(option)) return problem(mounted, option, "") ?? [];
    if (fstab === undefined) return [`no ${option} (the kernel does not report it, and ${fstabPath} has no entry for this mount)`];
    return problem(fstab, option, ` in ${fstabPath}`) ?? [];
  });
}
