// The NixOS side of the storage remedies, in the seed's style: soft NFS client mounts on every client
// host, and restic backups of the NAS's data paths.
import type { NixContext, NixSnippet } from "../remedy.js";
import { clientsOf, placed } from "../edit.js";
import { dataPaths, nixAttr, nixList, nixString } from "../nix.js";
import { specOf } from "../check-spec.js";

const SOFT = ["soft", "timeo=50", "retrans=3", "nofail"];

export function softMountNix(context: NixContext): NixSnippet[] {
  const nas = placed(context.after.services[context.service]!)[0];
  const server = nas === undefined ? "nas" : (context.after.hosts[nas]?.address ?? nas);
  return clientsOf(context.after, context.service).flatMap((client) => {
    const s = context.after.services[client]!;
    const mounts = s.checks.flatMap((check) => specOf(check, "mount") ?? []);
    const points = mounts.length > 0 ? mounts : [{ path: `/nfs/${(nas ?? context.service).toLowerCase()}`, fstype: "nfs4" }];
    return placed(s).map((host) => ({
      host,
      body: points.map((mount) => [
        `# ${client}: the NFS mount fails fast instead of hanging, and boot goes on without the NAS`,
        `fileSystems.${nixString(mount.path)} = {`,
        `  device = ${nixString(`${server}:/data`)};  # the export`,
        `  fsType = ${nixString(mount.fstype ?? "nfs4")};`,
        `  options = ${nixList(SOFT)};`,
        "};",
      ].join("\n")).join("\n"),
    }));
  });
}

export function backupNix(context: NixContext): NixSnippet[] {
  const paths = dataPaths(context.after, context.service);
  return placed(context.after.services[context.service]!).slice(0, 1).map((host) => ({
    host,
    body: [
      `# Offsite backups of ${context.service}'s irreplaceable data`,
      `services.restic.backups.${nixAttr(`${context.service}-offsite`)} = {`,
      `  paths = ${nixList(paths.length > 0 ? paths : ["/data"])};  # declare them under data: in the config`,
      "  repository = \"s3:https://s3.example.org/backups\";  # an offsite repository",
      "  passwordFile = config.age.secrets.restic.path;",
      "  initialize = true;",
      "  timerConfig = { OnCalendar = \"daily\"; Persistent = true; };",
      "  pruneOpts = [ \"--keep-daily 7\" \"--keep-weekly 5\" \"--keep-monthly 12\" ];",
      "};",
    ].join("\n"),
  }));
}
