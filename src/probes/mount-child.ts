// The script the mount kind runs in a child process (`node -e`). It is plain CommonJS JavaScript in a
// string so that it runs the same from the sources under test and from the built package. It prints
// one JSON line: what the path is, whether it is a mount point (with its type, source and options), and
// the answer of stat/statfs on it. The mountinfo file is an argument so tests can hand it a crafted one.
// A hung NFS server blocks these calls in the kernel; only this child waits, never the agent.
export const MOUNT_CHILD_SCRIPT = String.raw`
const fs = require("node:fs");
const path = require("node:path");
const unescape = (text) => text.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
try {
  const real = fs.realpathSync(process.argv[1]);
  const own = fs.statSync(real);
  const parent = fs.statSync(path.dirname(real));
  let entry;
  for (const line of fs.readFileSync(process.argv[2] || "/proc/self/mountinfo", "utf8").split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    // The last entry for a mount point is the one on top when mounts are stacked.
    if (separator > 4 && unescape(fields[4]) === real) {
      // Per-mount options (field 6) and the file system's own (after the type and source): NFS's soft/hard and timeo are there.
      const options = (fields[5] + "," + (fields[separator + 3] || "")).split(",").filter(Boolean);
      entry = { fstype: fields[separator + 1], source: unescape(fields[separator + 2]), options: options };
    }
  }
  if (fs.statfsSync) fs.statfsSync(real);
  const mounted = entry !== undefined || own.dev !== parent.dev;
  process.stdout.write(JSON.stringify({ real, mounted, fstype: entry && entry.fstype, source: entry && entry.source, options: entry && entry.options, directory: own.isDirectory() }) + "\n");
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.code || "error", message: error.message }) + "\n");
}
`;

/** What the child prints. */
export type MountReport =
  | { real: string; mounted: boolean; fstype?: string; source?: string; options?: string[]; directory: boolean }
  | { error: string; message: string };
