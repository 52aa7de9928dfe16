"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { protectedAction } from "@/lib/auth/action";
import { deactivateUser, UserChangeRefused } from "@/lib/auth/user-admin";
import { getDb } from "@/lib/db";

export const deactivate = protectedAction(
  "users.manage",
  z.object({ userId: z.uuid("This user link is not valid.") }),
  async (input, user) => {
    try {
      await deactivateUser(await getDb(), user.accountId, user.id, input.userId);
    } catch (error) {
      if (error instanceof UserChangeRefused) return { ok: false, error: error.message };
      throw error;
    }
    revalidatePath("/dashboard/account/users");
    revalidatePath("/dashboard/account/billing");
    return { ok: true, message: "User deactivated; their seat is free." };
  },
);
