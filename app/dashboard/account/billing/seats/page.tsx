import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { getSubscription } from "@/lib/subscription/queries";
import { getDb } from "@/lib/db";
import { SeatsForm } from "../_components/seats-form";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Seats" };

export default async function SeatsPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/seats");
  const subscription = await getSubscription(await getDb(), user.accountId);
  return (
    <SubPage
      title="Add or remove seats"
      intro="Every active user holds a seat. You see what a change costs before it is made; adding seats is charged for the rest of the period, removing them is credited."
    >
      {subscription ? (
        <SeatsForm current={subscription.seatsPurchased} used={subscription.seatsUsed} max={subscription.maxSeats} />
      ) : (
        <p>No plan yet.</p>
      )}
    </SubPage>
  );
}
