// Expected failures of backups, restores and replication, with the message a user acts on. The CLI turns
// a BackupError into exit status 2; `kind` lets callers (the agent, tests) tell the cases apart.
export type BackupErrorKind =
  | "auth" // a wrong restic password, a refused SSH key
  | "unreachable" // a host or repository that does not answer
  | "host_key" // an SSH host key that differs from the pinned one
  | "corrupt" // a snapshot whose files do not match its manifest
  | "not_found" // an unknown snapshot id or service
  | "refused" // an operation refused to protect data (a non-empty restore target)
  | "source"; // the data to back up could not be read (a missing database, a failing dump command)

export class BackupError extends Error {
  override name = "BackupError";
  constructor(readonly kind: BackupErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
