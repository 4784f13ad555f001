// The restic target: a restic repository (a folder, sftp:, s3:, rest: …) through Debian's `restic`
// CLI, for encryption, deduplication and cloud backends. The password is read from its secret
// reference and handed over in the environment, never on the command line (where `ps` shows it).
// A restic snapshot is written whole or not at all (restic stores the snapshot file last), and our
// manifest travels inside it; understudy's id is a tag.
import { execFile } from "node:child_process";
import { z } from "zod";
import { readSecret, secretRef } from "../../config/secret.js";
import { defineTarget, manifestBytes } from "../target.js";
import type { BackupTarget, SnapshotInfo, TargetContext } from "../target.js";
import { readManifest } from "../manifest.js";
import { readCheckedManifest } from "../manifest-check.js";
import type { Manifest } from "../manifest.js";
import { BackupError } from "../errors.js";

export const resticTargetSchema = z
  .strictObject({
    repository: z.string().min(1).describe('The repository as restic names it: "/srv/restic", "sftp:user@host:/srv/restic", "s3:…".'),
    password: secretRef.describe('The repository password: "env:NAME" or "file:/path".'),
    binary: z.string().default("restic").describe("The restic executable."),
  })
  .describe("A restic repository (create it once with `restic init`).");

type ResticSpec = z.output<typeof resticTargetSchema>;

interface ResticSnapshot {
  id: string;
  time: string;
  hostname: string;
  paths: string[];
  tags?: string[];
}

const tag = (snapshot: ResticSnapshot, key: string) => snapshot.tags?.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);

export class ResticTarget implements BackupTarget {
  readonly description: string;
  constructor(private readonly spec: ResticSpec, private readonly context: TargetContext) {
    this.description = `restic ${spec.repository}`;
  }

  private async restic(args: string[], cwd?: string): Promise<string> {
    const password = await readSecret(this.spec.password, this.context.env);
    const env = { PATH: this.context.env.PATH ?? "/usr/bin:/bin", HOME: this.context.env.HOME ?? "/", RESTIC_REPOSITORY: this.spec.repository, RESTIC_PASSWORD: password };
    return new Promise((resolve, reject) => {
      execFile(this.spec.binary, args, { env, cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        reject(this.explain(error, stderr));
      });
    });
  }

  private explain(error: Error & { code?: unknown }, stderr: string): BackupError {
    const said = stderr.trim().split("\n").filter(Boolean).slice(-3).join(" ");
    if (error.code === "ENOENT") return new BackupError("unreachable", `${this.spec.binary} is not installed: apt-get install -y restic`);
    if (/wrong password|no key found/.test(stderr)) return new BackupError("auth", `${this.description}: wrong password (restic found no key for it); nothing was touched`);
    if (/Is there a repository|unable to open (config|repository)|unable to start the sftp|connection refused|no such host/i.test(stderr)) {
      return new BackupError("unreachable", `${this.description} is unreachable or not a repository (${said}); create it with \`restic init\` or check the address; nothing was touched`);
    }
    return new BackupError("corrupt", `${this.description}: restic failed: ${said || error.message}`, { cause: error });
  }

  async put(snapshotDir: string): Promise<void> {
    const manifest = await readManifest(snapshotDir);
    const tags = ["understudy", `id=${manifest.id}`, `service=${manifest.service}`, `bytes=${manifestBytes(manifest)}`];
    await this.restic(["backup", "--quiet", "--host", manifest.host, ...tags.flatMap((t) => ["--tag", t]), "."], snapshotDir);
  }

  private async snapshots(): Promise<ResticSnapshot[]> {
    return JSON.parse(await this.restic(["snapshots", "--json", "--tag", "understudy"])) as ResticSnapshot[];
  }

  async list(): Promise<SnapshotInfo[]> {
    return (await this.snapshots())
      .flatMap((s) => {
        const id = tag(s, "id");
        return id === undefined ? [] : [{ id, service: tag(s, "service") ?? "", host: s.hostname, created_at: new Date(s.time).toISOString(), bytes: Number(tag(s, "bytes") ?? 0) }];
      })
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  private async find(id: string): Promise<ResticSnapshot> {
    const found = (await this.snapshots()).find((s) => tag(s, "id") === id);
    if (!found) throw new BackupError("not_found", `no snapshot ${id} in ${this.description}`);
    return found;
  }

  async get(id: string, toDir: string): Promise<Manifest> {
    const snapshot = await this.find(id);
    // The backup was taken of "." inside the snapshot folder, so restic restores its contents as they are.
    await this.restic(["restore", snapshot.id, "--target", toDir]);
    return (await readCheckedManifest(toDir, `${this.description} snapshot ${id}'s manifest`)).manifest;
  }

  async remove(id: string): Promise<void> {
    const snapshot = await this.find(id);
    await this.restic(["forget", "--prune", "--quiet", snapshot.id]);
  }

  async close(): Promise<void> {}
}

export const resticTarget = defineTarget({
  kind: "restic",
  schema: resticTargetSchema,
  async open(spec, context) {
    return new ResticTarget(spec, context);
  },
});
