"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { fromResult, protectedAction } from "@/lib/auth/action";
import { deactivateUser } from "@/lib/auth/user-admin";
import { getDb } from "@/lib/db";

export const deactivate = protectedAction(
  "users.manage",
  z.object({ userId: z.uuid("This user link is not valid.") }),
  async (input, user) => {
    const result = await deactivateUser(await getDb(), user.accountId, user.id, input.userId);
    if (result.ok) {
      revalidatePath("/dashboard/account/users");
      revalidatePath("/dashboard/account/billing");
    }
    return fromResult(result, () => ({ ok: true, message: "User deactivated; their seat is free." }));
  },
);
