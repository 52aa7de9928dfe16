import { accountFormat } from "@/lib/format";
import { loadAccount, loadCredit, loadPaymentMethod, loadStatement } from "../_data";
import { BRANDS } from "./payment";

/**
 * The three figures an admin opens the page for, first on every screen: the credit
 * balance, what this period costs so far, and what pays for it. Each links to its section.
 * The sections' own loads are reused, so this costs no query of its own.
 */
export async function GlanceSection({ accountId }: { accountId: string }) {
  const [account, credit, statement, method] = await Promise.all([
    loadAccount(accountId),
    loadCredit(accountId),
    loadStatement(accountId),
    loadPaymentMethod(accountId),
  ]);
  const f = accountFormat(account);
  const paidBy = !method
    ? "None saved"
    : method.type === "card"
      ? `${BRANDS[method.cardBrand ?? ""] ?? method.cardBrand} •••• ${method.cardLast4}`
      : "PayPal";
  return (
    <nav aria-label="At a glance" className="glance">
      <a href="#credit">
        Credit balance<b className={credit.balance <= 0 ? "text-red-700" : undefined}>{f.money(credit.balance)}</b>
      </a>
      <a href="#summary">
        This period<b>{statement ? f.money(statement.summary.total) : "No plan"}</b>
      </a>
      <a href="#payment">
        Payment method<b>{paidBy}</b>
      </a>
    </nav>
  );
}
