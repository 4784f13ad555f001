// The runbook's drill facts from the store: the last measured drill of each service (`understudy
// runbook --drills`). Kept out of the default runbook so committed runbooks do not change with every drill.
import type { DrillFact } from "../runbook/context.js";
import { openStore } from "../store/db.js";
import { DrillJournal } from "./journal.js";
import { drillFacts } from "./report.js";

export function storedDrillFacts(storePath: string): Map<string, DrillFact> {
  const store = openStore(storePath);
  try {
    return drillFacts(new DrillJournal(store).list());
  } finally {
    store.close();
  }
}
