// Test-only runner for failover-crash.test.ts: runs one failover of SERVICE to HOST with the journal
// in the config's data directory, exactly as `understudy failover` does, except that it kills itself
// with SIGKILL right after the journal's "before" entry of the step named in UNDERSTUDY_TEST_CRASH_AT.
// Plain JS against dist/, so the process dies as a real one would: no finally, no flush, no goodbye.
import { openFailovers } from "../../../dist/failover/open.js";

const [config, service, to] = process.argv.slice(2);
const crashAt = process.env.UNDERSTUDY_TEST_CRASH_AT;
const opened = await openFailovers(config, process.env, {
  afterStarted: (step) => {
    if (step === crashAt) process.kill(process.pid, "SIGKILL");
  },
});
const planned = opened.failovers.plan({ service, kind: "failover", to, force: false, reason: "crash test" });
if (!planned.ok) {
  process.stderr.write(`${planned.message}\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await opened.failovers.run(planned.plan))}\n`);
}
await opened.close();
