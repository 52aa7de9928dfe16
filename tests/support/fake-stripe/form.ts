/** Parses Stripe's form encoding (a[b][0][c]=v) into nested objects and arrays. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const key = part === "" && Array.isArray(node) ? String(node.length) : part;
      if (last) {
        (node as Record<string, unknown>)[key] = value;
        return;
      }
      const nextIsIndex = /^\d*$/.test(parts[index + 1]!);
      const container = node as Record<string, unknown>;
      container[key] ??= nextIsIndex ? [] : {};
      node = container[key] as Record<string, unknown>;
    });
  }
  return root;
}
