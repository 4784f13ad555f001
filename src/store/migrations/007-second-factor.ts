// Schema 7: what a second sign-in step has used up, so that neither survives a restart: the last TOTP
// step each user signed in with (a code for that step or an earlier one is refused: RFC 6238 §5.2),
// and each recovery code spent (by its hash; the enrolment file keeps the list).
import type { Migration } from "./migration.js";

export const secondFactor: Migration = {
  version: 7,
  name: "second-factor",
  up(db) {
    db.exec(`
      CREATE TABLE totp_last_step (
        user TEXT PRIMARY KEY,
        step INTEGER NOT NULL,      -- 30-second steps since the epoch
        used_at INTEGER NOT NULL    -- ms since the epoch
      ) STRICT;
      CREATE TABLE recovery_codes_used (
        user TEXT NOT NULL,
        code_hash TEXT NOT NULL,    -- sha256:<hex> of the normalised code
        used_at INTEGER NOT NULL,
        PRIMARY KEY (user, code_hash)
      ) STRICT;
    `);
  },
};
