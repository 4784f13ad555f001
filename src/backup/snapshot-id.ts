// Snapshot ids: "<service>-<UTC time>-<random>", so that ids sort by time within a service and a
// user can tell from the id alone what and when a snapshot is.
import { randomBytes } from "node:crypto";

const ID = /^([A-Za-z0-9][A-Za-z0-9_.-]*)-(\d{8}T\d{6}Z)-([0-9a-f]{6})$/;

export function newSnapshotId(service: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  return `${service}-${stamp}-${randomBytes(3).toString("hex")}`;
}

export function isSnapshotId(text: string): boolean {
  return ID.test(text);
}

/** The service an id belongs to, or undefined for a name that is not an id. */
export function serviceOfId(id: string): string | undefined {
  return ID.exec(id)?.[1];
}
