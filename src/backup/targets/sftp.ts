// The SFTP target: a folder on another machine reached over SSH (ssh2, host key pinned), laid out as
// the local target is: <path>/<id>/data/… then <path>/<id>/manifest.json, uploaded to a temporary name,
// fsynced and renamed last. Only regular files travel as files; folders and symlinks are recreated
// from the manifest on the way back, so no server quirk (symlink argument order) matters.
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { defineTarget, infoOf, manifestBytes } from "../target.js";
import type { BackupTarget, PutOptions, SnapshotInfo, TargetContext } from "../target.js";
import { DATA_DIR, MANIFEST_FILE, parseManifest, readManifest } from "../manifest.js";
import { openManifest } from "../manifest-check.js";
import { writeFileAtomic } from "../../fs/atomic-file.js";
import type { Manifest } from "../manifest.js";
import { BackupError } from "../errors.js";
import { isSnapshotId } from "../snapshot-id.js";
import { sshEndpointShape } from "../ssh-spec.js";
import type { SshEndpoint } from "../ssh-spec.js";
import { download, listRemote, mkdirp, openSftp, posixRename, readRemote, removeRemote, unlinkRemote, uploadFile } from "../sftp-session.js";
import type { SftpSession } from "../sftp-session.js";

export const sftpTargetSchema = z
  .strictObject({ ...sshEndpointShape, path: z.string().startsWith("/").describe("The remote folder that holds the snapshots (absolute).") })
  .describe("A folder on another machine over SSH/SFTP, the host key pinned.");

type SftpSpec = z.output<typeof sftpTargetSchema>;

export class SftpTarget implements BackupTarget {
  readonly description: string;
  private session: Promise<SftpSession> | undefined;
  constructor(private readonly spec: SftpSpec, private readonly context: TargetContext) {
    this.description = `sftp ${spec.user}@${spec.host}:${spec.path}`;
  }

  private connect(): Promise<SftpSession> {
    this.session ??= openSftp(this.spec satisfies SshEndpoint, this.context.env);
    this.session.catch(() => (this.session = undefined));
    return this.session;
  }

  async put(snapshotDir: string, options: PutOptions = {}): Promise<void> {
    const manifest = await readManifest(snapshotDir);
    const { sftp } = await this.connect();
    const dest = `${this.spec.path}/${manifest.id}`;
    await mkdirp(sftp, `${dest}/${DATA_DIR}`);
    const total = manifestBytes(manifest);
    let done = 0;
    for (const entry of manifest.files) {
      const remote = `${dest}/${DATA_DIR}/${entry.path}`;
      if (entry.type === "dir") await mkdirp(sftp, remote);
      if (entry.type !== "file") continue;
      await mkdirp(sftp, dirname(remote));
      await uploadFile(sftp, join(snapshotDir, DATA_DIR, entry.path), remote, 0o600, (n) => options.onProgress?.((done += n), total));
    }
    const temp = `${dest}/.${MANIFEST_FILE}.tmp`;
    await uploadFile(sftp, join(snapshotDir, MANIFEST_FILE), temp);
    await posixRename(sftp, temp, `${dest}/${MANIFEST_FILE}`);
  }

  async list(): Promise<SnapshotInfo[]> {
    const { sftp } = await this.connect();
    let names: string[];
    try {
      names = await listRemote(sftp, this.spec.path);
    } catch {
      return []; // no folder yet: no snapshots
    }
    const infos: SnapshotInfo[] = [];
    for (const name of names.filter(isSnapshotId)) {
      const file = `${this.spec.path}/${name}/${MANIFEST_FILE}`;
      let text: string;
      try {
        text = await readRemote(sftp, file);
      } catch {
        continue; // no manifest: a snapshot that never finished
      }
      infos.push(infoOf(parseManifest(text, `${this.description}/${name}/${MANIFEST_FILE}`)));
    }
    return infos.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  async get(id: string, toDir: string): Promise<Manifest> {
    const { sftp } = await this.connect();
    const source = `${this.spec.path}/${id}`;
    let text: string;
    try {
      text = await readRemote(sftp, `${source}/${MANIFEST_FILE}`);
    } catch {
      throw new BackupError("not_found", `no complete snapshot ${id} in ${this.description}`);
    }
    // Checked (digest, every path inside the folder, nothing beneath a symlink) before anything is created from it.
    const { manifest } = openManifest(text, `${this.description}/${id}/${MANIFEST_FILE}`);
    const data = join(toDir, DATA_DIR);
    await mkdir(data, { recursive: true });
    for (const entry of manifest.files) {
      const local = join(data, entry.path);
      if (entry.type === "dir") await mkdir(local, { recursive: true });
      else if (entry.type === "symlink") await symlink(entry.target ?? "", local);
      else {
        await mkdir(dirname(local), { recursive: true });
        try {
          await download(sftp, `${source}/${DATA_DIR}/${entry.path}`, local);
        } catch (error) {
          throw new BackupError("corrupt", `${this.description}/${id}: ${entry.path} cannot be read (${(error as Error).message}); the snapshot is damaged`, { cause: error });
        }
      }
    }
    await writeFileAtomic(join(toDir, MANIFEST_FILE), text);
    return manifest;
  }

  async remove(id: string): Promise<void> {
    if (!isSnapshotId(id)) throw new BackupError("not_found", `"${id}" is not a snapshot id`);
    const { sftp } = await this.connect();
    const dir = `${this.spec.path}/${id}`;
    await unlinkRemote(sftp, `${dir}/${MANIFEST_FILE}`).catch(() => undefined);
    await removeRemote(sftp, dir);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session) (await session.catch(() => undefined))?.close();
  }
}

export const sftpTarget = defineTarget({
  kind: "sftp",
  schema: sftpTargetSchema,
  async open(spec, context) {
    return new SftpTarget(spec, context);
  },
});
