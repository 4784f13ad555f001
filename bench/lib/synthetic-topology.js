// A seeded generator of large, homelab-shaped config documents for the analysis benchmark.
//
// The shape (the benchmark's numbers only mean something for this shape, so it is spelled out):
// - Hosts h000000… are grouped into sites of SITE_HOSTS consecutive hosts; every host gets exactly
//   SERVICES_PER_HOST services, created in host order.
// - The services of the first two hosts are the shared infrastructure (dns, mesh control plane, reverse
//   proxies, identity, database, storage…), each replicated or with a standby, critical or high.
// - Every other service needs 0–3 services (0: 25%, 1: 35%, 2: 25%, 3: 15%) chosen among services
//   created before it, so the graph is a DAG by construction: each pick is a shared infrastructure
//   service with probability INFRA_SHARE, otherwise a uniform pick among the earlier services of its own
//   site ("nearby hosts"). A quarter of the needs are soft (`mode: degrades, after: 1h`).
//   Keeping ordinary needs within a site bounds a failure's blast radius by the site, as in a real
//   homelab where apps lean on a local database and on a few shared services, not on a chain through
//   every other host; only the infrastructure's failures reach a share of the whole topology.
// - Placement: 15% of services are replicas on two hosts of their site, 10% primary + standby, the rest
//   on one host. Criticality: 5% critical, 15% high, 60% normal, 20% low. Half have a recovery estimate;
//   a tenth of the web-facing ones are exposed via the two shared proxies.
// The PRNG is mulberry32, so a seed gives the same document on every run and machine.

export const SERVICES_PER_HOST = 5;
export const SITE_HOSTS = 8;
export const INFRA_SHARE = 0.15;

/** mulberry32: small, fast, good enough for test data; returns floats in [0, 1). */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n) => String(n).padStart(6, "0");
const hostName = (i) => `h${pad(i)}`;

/** The ten shared services on hosts 0 and 1: each survives its host's loss through a second host. */
function infrastructure() {
  const [a, b] = [hostName(0), hostName(1)];
  const failover = (rto) => ({ recovery: { strategy: "manual-failover", rto }, target: { rto: "15m", rpo: "5m" } });
  return {
    dns: { role: "dns", criticality: "critical", runs_on: [a, b] },
    headscale: { role: "control-plane", criticality: "critical", primary: b, standby: [a], ...failover("10m") },
    mesh: { role: "overlay-network", criticality: "critical", depends_on: [{ service: "headscale", mode: "degrades", after: "1h" }] },
    "proxy-a": { role: "reverse-proxy", criticality: "high", runs_on: [a], depends_on: ["dns"], recovery: { strategy: "rebuild", rto: "1h" } },
    "proxy-b": { role: "reverse-proxy", criticality: "high", runs_on: [b], depends_on: ["dns"], recovery: { strategy: "rebuild", rto: "1h" } },
    identity: { role: "identity", criticality: "high", primary: a, standby: [b], depends_on: ["dns", "postgres"], ...failover("5m") },
    postgres: { role: "database", criticality: "critical", primary: a, standby: [b], depends_on: ["dns"], ...failover("5m") },
    nfs: { role: "nfs", criticality: "high", runs_on: [b], depends_on: ["mesh"], recovery: { strategy: "restore-from-backup", rto: "4h" } },
    metrics: { role: "monitoring", criticality: "normal", runs_on: [a, b], depends_on: [{ service: "postgres", mode: "degrades", after: "30m" }] },
    logs: { role: "monitoring", criticality: "low", runs_on: [b], depends_on: ["nfs"] },
  };
}

function pick(random, weights) {
  let roll = random();
  for (const [value, weight] of weights) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return weights[weights.length - 1][0];
}

const CRITICALITY = [["critical", 0.05], ["high", 0.15], ["normal", 0.6], ["low", 0.2]];
const NEED_COUNT = [[0, 0.25], [1, 0.35], [2, 0.25], [3, 0.15]];
const RECOVERY = [["rebuild", 0.5], ["restore-from-backup", 0.5]];

/** A config document (the input of configSchema) with `hosts` hosts and 5 services on each. */
export function syntheticConfig(hosts, seed = 1) {
  const random = prng(seed);
  const doc = { version: 1, hosts: {}, services: {}, agents: { coordination: "local", quorum: 1 } };
  for (let i = 0; i < hosts; i++) {
    doc.hosts[hostName(i)] = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, site: `site-${Math.floor(i / SITE_HOSTS)}` };
  }
  const infra = infrastructure();
  const infraNames = Object.keys(infra);
  Object.assign(doc.services, infra);

  for (let site = 0; site * SITE_HOSTS < hosts; site++) {
    const first = Math.max(site * SITE_HOSTS, 2); // hosts 0 and 1 carry the infrastructure
    const last = Math.min((site + 1) * SITE_HOSTS, hosts) - 1;
    const earlier = []; // services of this site created so far
    for (let i = first; i <= last; i++) {
      for (let j = 0; j < SERVICES_PER_HOST; j++) {
        const name = `app-${pad(i)}-${j}`;
        const service = { criticality: pick(random, CRITICALITY) };
        const shape = random();
        const other = hostName(i === last ? Math.max(first, i - 1) : i + 1);
        if (shape < 0.15 && other !== hostName(i)) service.runs_on = [hostName(i), other];
        else if (shape < 0.25 && other !== hostName(i)) {
          service.primary = hostName(i);
          service.standby = [other];
          service.recovery = { strategy: "manual-failover", rto: "10m" };
        } else service.runs_on = [hostName(i)];
        if (!service.recovery && random() < 0.5) service.recovery = { strategy: pick(random, RECOVERY), rto: random() < 0.5 ? "1h" : "4h" };
        if (random() < 0.2) service.target = { rto: "30m" };

        const chosen = new Set();
        for (let k = pick(random, NEED_COUNT); k > 0; k--) {
          const fromInfra = earlier.length === 0 || random() < INFRA_SHARE;
          chosen.add(fromInfra ? infraNames[Math.floor(random() * infraNames.length)] : earlier[Math.floor(random() * earlier.length)]);
        }
        service.depends_on = [...chosen].map((dep) => (random() < 0.25 ? { service: dep, mode: "degrades", after: "1h" } : dep));
        if (random() < 0.1) service.exposed_via = ["proxy-a", "proxy-b"];
        doc.services[name] = service;
        earlier.push(name);
      }
    }
  }
  return doc;
}
