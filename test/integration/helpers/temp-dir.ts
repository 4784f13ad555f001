// A temporary directory for one test file, removed with everything in it by its disposer.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  path: string;
  stop(): Promise<void>;
}

export async function makeTempDir(prefix = "understudy-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, stop: () => rm(path, { recursive: true, force: true }) };
}
