// Who is logged in: a small store the app subscribes to. The session lives in an HttpOnly cookie the
// page cannot read, so "logged in" is learned from GET /api/session and kept here with its CSRF token.
import { useEffect, useState } from "preact/hooks";
import { api, setCsrf } from "./client.js";
import type { Session } from "./types.js";

/** undefined: not asked yet; null: asked, nobody logged in. */
type State = Session | null | undefined;

let current: State;
const listeners = new Set<(state: State) => void>();

function set(state: State): void {
  current = state;
  setCsrf(state ? state.csrf : null);
  for (const listener of listeners) listener(state);
}

export async function loadSession(): Promise<void> {
  try {
    set(await api<Session>("/api/session", { quiet401: true }));
  } catch {
    set(null);
  }
}

export async function login(name: string, password: string): Promise<void> {
  set(await api<Session>("/api/login", { method: "POST", body: { name, password }, quiet401: true }));
}

export async function logout(): Promise<void> {
  try {
    await api("/api/logout", { method: "POST", quiet401: true });
  } finally {
    set(null);
  }
}

/** The server said 401: forget the session so the app shows the login page. */
export function sessionExpired(): void {
  if (current !== null) set(null);
}

export function useSession(): State {
  const [state, setState] = useState<State>(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return state;
}

export const isOperator = (session: State): boolean => session?.role === "operator";
