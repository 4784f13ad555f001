// Sign-in. The password goes only to POST /api/login; the session comes back as an HttpOnly cookie.
// A wrong password and a rate limit (429) are both shown in words next to the form.
import { useState } from "preact/hooks";
import { ApiError } from "../api/client.js";
import { login } from "../api/session.js";

function reason(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "Wrong name or password.";
  if (error instanceof ApiError && error.status === 429) return "Too many attempts. Wait a minute and try again.";
  return error instanceof Error ? error.message : String(error);
}

export function LoginPage() {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(name, password);
    } catch (failure) {
      setError(reason(failure));
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="card" onSubmit={submit} aria-describedby={error ? "login-error" : undefined}>
        <h1>Understudy</h1>
        <p class="muted">Sign in to the dashboard.</p>
        <label for="name">Name</label>
        <input id="name" name="name" autocomplete="username" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        {error && (
          <p id="login-error" class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="muted small-print">
          <a href="/status">Public status page</a>
        </p>
      </form>
    </main>
  );
}
