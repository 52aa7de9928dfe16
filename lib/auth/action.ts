import { z } from "zod";
import { checkAccess } from "./access";
import type { Permission } from "./permissions";
import type { Result } from "@/lib/result";
import type { AccountUser } from "./users";
import { logFor } from "@/lib/observability/log";

const log = logFor("actions");

/**
 * Whether the request an answer is about is over. A form that sends an idempotency key
 * makes a new one only after a "known" answer: the request was done, or refused for good.
 * "unknown" (and no outcome at all) means it may have been done: the form sends the same
 * key again, so a retry finds the same request instead of making a second one.
 */
export type ActionOutcome = "known" | "unknown";

/** What every server action answers, for useActionState: a result, or errors and the typed values. */
export type ActionResult =
  | { ok: true; message: string; status?: string; href?: string; values?: Record<string, string>; outcome?: ActionOutcome }
  | { ok: false; error: string; fieldErrors?: Record<string, string>; values?: Record<string, string>; outcome?: ActionOutcome };

const MAX_FIELD_LENGTH = 2_000;

/**
 * A domain answer as the form's answer. A failure's message is the form's message and its
 * fields the field messages. Whether the request is over: an invalid request was never
 * made (the form keeps its key and the typed `values`), an "unknown" one may have been
 * made, any other failure is final.
 */
export function fromResult<T>(
  result: Result<T>,
  onOk: (value: T) => ActionResult,
  values?: Record<string, string>,
): ActionResult {
  if (result.ok) return onOk(result.value);
  const { kind, message, fields } = result.failure;
  return {
    ok: false,
    error: message,
    ...(fields ? { fieldErrors: fields } : {}),
    ...(kind === "invalid" ? (values ? { values } : {}) : { outcome: kind === "unknown" ? "unknown" : "known" }),
  };
}

/**
 * The common part of every action: the signed-in user's current role (from the
 * database) must grant `permission`; the form is parsed with zod; the account always
 * comes from the session, never from the form.
 */
export function protectedAction<S extends z.ZodType>(
  permission: Permission,
  schema: S,
  handler: (input: z.output<S>, user: AccountUser) => Promise<ActionResult>,
  /** Fields never sent back in `values` (a card number stays in the browser's form). */
  options: { private?: readonly string[] } = {},
) {
  const privateFields = new Set(options.private ?? []);
  const echoed = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).filter(([key]) => !privateFields.has(key)));
  return async (_previous: ActionResult | null, formData: FormData): Promise<ActionResult> => {
    const access = await checkAccess(permission);
    if (access.status === "signed-out") return { ok: false, error: "Your session has ended. Sign in again." };
    if (access.status === "no-access") return { ok: false, error: "Your user has no access any more." };
    if (access.status === "forbidden") return { ok: false, error: "Only admins can change billing." };
    const values: Record<string, string> = {};
    for (const [key, value] of formData) {
      if (key.startsWith("$")) continue; // Next's own action fields
      if (typeof value !== "string") return { ok: false, error: "Files are not accepted here." };
      if (value.length > MAX_FIELD_LENGTH) {
        return { ok: false, error: "A field is too long.", fieldErrors: { [key]: "This is too long." } };
      }
      values[key] = value;
    }
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
      const fieldErrors: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "form");
        fieldErrors[key] ??= issue.message;
      }
      const messages = Object.values(fieldErrors);
      // One problem: say it in the form's message too (the field may be hidden).
      const error = messages.length === 1 ? messages[0]! : "Please correct the highlighted fields.";
      return { ok: false, error, fieldErrors, values: echoed(values) };
    }
    try {
      return await handler(parsed.data, access.user);
    } catch (error) {
      log.error({ userId: access.user.id, accountId: access.user.accountId, err: error }, "server action failed");
      // Whatever the handler had done before it failed is not known here.
      return {
        ok: false,
        outcome: "unknown",
        error: "Something went wrong. Reload the page to see the current state, then try again.",
        values: echoed(values),
      };
    }
  };
}
