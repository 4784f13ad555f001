// The receiving side of push checks: which tokens the current config's push checks use (secret
// references resolved once per config, so the URL's token is compared with the value, never logged) and
// the heartbeats recorded for them. Beats live in memory across reloads; a restart forgets them, which
// the push check's grace absorbs.
import type { Topology } from "../model/topology.js";
import { InMemoryPushRegistry, type PushSpec } from "../probes/push.js";
import type { HeartbeatSource } from "../probes/probe.js";

export class PushReceiver implements HeartbeatSource {
  private readonly registry = new InMemoryPushRegistry();
  private tokens = new Set<string>();

  /** Takes the push tokens of a (new) topology; returns the checks whose secret token could not be read. */
  async useTopology(topology: Topology, secret: (ref: string) => Promise<string>): Promise<Array<{ check: string; error: string }>> {
    const tokens = new Set<string>();
    const problems: Array<{ check: string; error: string }> = [];
    for (const service of topology.services.values()) {
      for (const check of service.checks) {
        if (check.kind !== "push") continue;
        const token = (check.spec as PushSpec).token;
        if (!token.includes(":")) {
          tokens.add(token);
          continue;
        }
        try {
          tokens.add(await secret(token));
        } catch (error) {
          problems.push({ check: check.name, error: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    this.tokens = tokens;
    return problems;
  }

  /** Records a beat; false (and nothing recorded) for a token no push check uses. */
  beat(token: string, at: number): boolean {
    if (!this.tokens.has(token)) return false;
    this.registry.beat(token, at);
    return true;
  }

  lastSeen(token: string): number | undefined {
    return this.registry.lastSeen(token);
  }
}
