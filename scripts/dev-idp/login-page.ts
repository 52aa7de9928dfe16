const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The identity provider's own sign-in form (no external fonts or scripts). */
export function loginPage(options: { action: string; email?: string; error?: string; clientName: string }) {
  const error = options.error
    ? `<p role="alert" class="error">${escapeHtml(options.error)}</p>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Development identity provider</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f1f5f9; color: #0f172a; margin: 0; }
  main { max-width: 380px; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 12px;
         box-shadow: 0 1px 3px rgb(0 0 0 / 0.1); }
  h1 { font-size: 1.25rem; margin: 0 0 0.25rem; }
  p.hint { color: #475569; font-size: 0.875rem; margin: 0 0 1.5rem; }
  label { display: block; font-size: 0.875rem; font-weight: 600; margin: 1rem 0 0.25rem; }
  input { width: 100%; box-sizing: border-box; padding: 0.6rem; border: 1px solid #94a3b8; border-radius: 6px; font-size: 1rem; }
  button { margin-top: 1.5rem; width: 100%; padding: 0.7rem; border: 0; border-radius: 6px;
           background: #0f766e; color: #fff; font-size: 1rem; font-weight: 600; cursor: pointer; }
  .error { background: #fef2f2; color: #991b1b; padding: 0.75rem; border-radius: 6px; }
</style>
</head>
<body>
<main>
  <h1>Development identity provider</h1>
  <p class="hint">Sign in to continue to ${escapeHtml(options.clientName)}. For demos and tests only.</p>
  ${error}
  <form method="post" action="${escapeHtml(options.action)}" autocomplete="off">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required value="${escapeHtml(options.email ?? "")}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>`;
}
