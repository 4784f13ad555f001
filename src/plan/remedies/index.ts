// The explicit catalogue of remedies: role families in the order the plan applies them within a phase
// (the seed's order: public access, the control plane, the network, storage, then everything else),
// and the plan-wide practices that follow them.
import type { Remedy, RemedyFamily } from "../remedy.js";
import { reverseProxy } from "./reverse-proxy.js";
import { controlPlane } from "./control-plane.js";
import { router } from "./router.js";
import { storage } from "./storage.js";
import { generic } from "./generic.js";
import { practices } from "./practices.js";

export const families: readonly RemedyFamily[] = [reverseProxy, controlPlane, router, storage, generic];
export { practices };

/** The family that answers for a role; any role it does not know falls to the generic family. */
export function familyFor(role: string | undefined): RemedyFamily {
  return families.find((family) => family.roles !== undefined && role !== undefined && family.roles.includes(role))
    ?? families.find((family) => family.roles === undefined)!;
}

export function findRemedy(id: string): Remedy | undefined {
  return [...families.flatMap((family) => family.remedies), ...practices].find((remedy) => remedy.id === id);
}
