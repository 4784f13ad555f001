// The roles Understudy knows. A known role carries recommendations in `understudy plan`
// (the seed's options for a reverse proxy, a control plane, a router…); any other role is allowed
// and only warned about, with a suggestion, because it is most likely a typo.

export const KNOWN_ROLES = {
  "control-plane": "mesh control plane",
  "overlay-network": "mesh connectivity",
  "reverse-proxy": "public access",
  tunnel: "public access through a tunnel",
  dns: "name resolution",
  dhcp: "address assignment",
  router: "LAN connectivity",
  nfs: "network storage",
  storage: "storage",
  database: "database",
  "password-manager": "password manager",
  identity: "single sign-on",
  media: "media streaming",
  app: "application",
  monitoring: "monitoring",
} as const;

export type KnownRole = keyof typeof KNOWN_ROLES;

export function isKnownRole(role: string): role is KnownRole {
  return Object.hasOwn(KNOWN_ROLES, role);
}
