// Password hashes for dashboard users: scrypt (node:crypto), a fresh random salt per hash, and the cost
// parameters written into the string so they can be raised later without breaking old hashes:
//   scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>
// Verification recomputes with the stored parameters and compares in constant time. A user that does
// not exist is checked against a dummy hash, so the answer takes as long as for a real one.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** N = 2^15, r = 8: 32 MiB and tens of milliseconds per login on a small VPS; stronger hashes just write a larger ln. */
const DEFAULT = { ln: 15, r: 8, p: 1 };
/** Bounds on stored parameters: a hash with absurd costs is a malformed hash, not a reason to eat memory. */
const MAX_LN = 20;

interface Params {
  ln: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, params: Params): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A new hash of `password`, for the config's password_hash. */
export async function hashPassword(password: string, params: Params = DEFAULT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

interface Parsed {
  params: Params;
  salt: Buffer;
  key: Buffer;
}

/** undefined when the text is not a hash this module wrote. */
export function parseHash(text: string): Parsed | undefined {
  const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!match) return undefined;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (params.ln < 10 || params.ln > MAX_LN || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  const salt = Buffer.from(match[4]!, "base64");
  const key = Buffer.from(match[5]!, "base64");
  if (salt.length < 8 || key.length < 16) return undefined;
  return { params, salt, key };
}

let dummy: Promise<string> | undefined;

/** True when `password` matches `hash`; false for a wrong password, a malformed hash, or no hash (unknown user). */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const parsed = hash === undefined ? undefined : parseHash(hash);
  if (!parsed) {
    // Same work as a real check, so an unknown name cannot be told from a wrong password by timing.
    dummy ??= hashPassword("understudy-dummy");
    const fake = parseHash(await dummy)!;
    await derive(password, fake.salt, fake.params);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
