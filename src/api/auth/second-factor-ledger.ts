// The store's record of spent second factors (schema 7): each use is one statement that succeeds only
// when the factor was not spent yet, so two logins racing with the same code cannot both get in.
import type { Store } from "../../store/db.js";

export class SecondFactorLedger {
  constructor(private readonly store: Store) {}

  /** Records `step` as used by `user`; false when that step or a later one was used already (a replay). */
  useStep(user: string, step: number, at: number): boolean {
    const result = this.store
      .statement("INSERT INTO totp_last_step (user, step, used_at) VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET step = excluded.step, used_at = excluded.used_at WHERE totp_last_step.step < excluded.step")
      .run(user, step, at);
    return result.changes === 1;
  }

  /** Spends a recovery code; false when it was spent before. */
  useRecovery(user: string, codeHash: string, at: number): boolean {
    return this.store.statement("INSERT OR IGNORE INTO recovery_codes_used (user, code_hash, used_at) VALUES (?, ?, ?)").run(user, codeHash, at).changes === 1;
  }

  /** How many of `hashes` are not spent yet. */
  recoveryLeft(user: string, hashes: readonly string[]): number {
    const used = new Set((this.store.statement("SELECT code_hash FROM recovery_codes_used WHERE user = ?").all(user) as Array<{ code_hash: string }>).map((row) => row.code_hash));
    return hashes.filter((hash) => !used.has(hash)).length;
  }
}
