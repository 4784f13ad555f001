// A backup in its own process, for the kill -9 tests: opens the target described by argv[2] (JSON of a
// backup_targets entry), stores the staged snapshot argv[3] and prints "progress" at the first stored
// bytes and "complete" when the put returned.
import { openTarget } from "../../../src/backup/targets/registry.js";

const entry = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
const target = await openTarget(entry, { env: process.env });
let told = false;
process.stdout.write("started\n");
await target.put(process.argv[3] ?? "", {
  onProgress: () => {
    if (!told) process.stdout.write("progress\n");
    told = true;
  },
});
process.stdout.write("complete\n");
await target.close();
