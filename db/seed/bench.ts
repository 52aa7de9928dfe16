import { eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import { accounts, plans, rateCards } from "../schema";
import { BENCH_ADMIN } from "./people";

export interface BenchShape {
  movements: number;
  numbers: number;
  users: number;
}

export const BENCH_DEFAULTS: BenchShape = { movements: 1_000_000, numbers: 2_000, users: 300 };

/**
 * One large tenant ("bench") for benchmarks, generated inside the database with
 * generate_series so a million movements take seconds, not minutes. Needs the demo
 * catalogue. Running it again changes nothing.
 */
export async function seedBenchAccount(db: Database, shape: BenchShape = BENCH_DEFAULTS) {
  const found = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, "bench"));
  if (found.length > 0) return { seeded: false as const };
  const [plan] = await db
    .select()
    .from(plans)
    .where(sql`${plans.code} = 'expert' and ${plans.currency} = 'EUR' and ${plans.interval} = 'month'`);
  const [rateCard] = await db.select().from(rateCards).where(eq(rateCards.currency, "EUR"));
  if (!plan || !rateCard) throw new Error("seed the demo catalogue before the bench account");

  return db.transaction(async (tx) => {
    const [account] = await tx
      .insert(accounts)
      .values({ slug: "bench", name: "Bench Industries", country: "DE", currency: "EUR", timeZone: "Europe/Berlin" })
      .returning();
    if (!account) throw new Error("bench account insert returned nothing");
    const id = account.id;
    await tx.execute(sql`
      insert into users (account_id, email, name, role)
      values (${id}, ${BENCH_ADMIN.email}, ${BENCH_ADMIN.name}, 'admin')`);
    await tx.execute(sql`
      insert into users (account_id, email, name, role)
      select ${id}, 'user' || g || '@bench.test', 'Bench User ' || g,
             (case when g % 20 = 0 then 'supervisor' else 'agent' end)::user_role
      from generate_series(1, ${shape.users - 1}) g`);
    await tx.execute(sql`
      insert into subscriptions (account_id, plan_id, interval, seats_purchased,
        current_period_start, current_period_end, rate_card_id)
      values (${id}, ${plan.id}, 'month', ${shape.users + 20},
        date_trunc('month', now()), date_trunc('month', now()) + interval '1 month', ${rateCard.id})`);
    await tx.execute(sql`
      insert into phone_numbers (account_id, e164, country, type, monthly_price, acquired_at, released_at)
      select ${id}, '+4940' || lpad(g::text, 8, '0'), 'DE',
             (case when g % 10 = 0 then 'toll_free' when g % 4 = 0 then 'mobile' else 'local' end)::number_type,
             (case when g % 10 = 0 then 1500 when g % 4 = 0 then 900 else 300 end),
             now() - interval '300 days' + (g || ' minutes')::interval,
             case when g % 97 = 0 then now() - interval '2 days' else null end
      from generate_series(1, ${shape.numbers}) g`);
    await tx.execute(sql`
      insert into payment_methods (account_id, provider, type, provider_payment_method_id,
        card_brand, card_last4, card_exp_month, card_exp_year)
      values (${id}, 'sandbox', 'card', 'pm_demo_bench', 'mastercard', '4444', 6, 2029)`);
    await tx.execute(sql`
      insert into billing_details (account_id, company_name, vat_number, invoice_email, street, city, postal_code, country)
      values (${id}, 'Bench Industries GmbH', null, 'invoices@bench.test', 'Speicherstadt 1', 'Hamburg', '20457', 'DE')`);
    // Every 40th movement is a top-up of 59.00; the others are calls of 0.01 to 3.00.
    await tx.execute(sql`
      insert into credit_movements (account_id, occurred_at, type, interaction_id, description,
        destination, units, unit_type, rate_micros, amount, balance_after, actor)
      select ${id},
             now() - interval '400 days' + (g * (400 * 86400.0 / ${shape.movements}) || ' seconds')::interval,
             (case when g % 40 = 1 then 'top_up_manual' else 'call' end)::movement_type,
             (case when g % 40 = 1 then 'pi_bench_' else 'call-bench-' end) || g,
             case when g % 40 = 1 then 'Credit added' else 'Call to US' end,
             case when g % 40 = 1 then null else '+1212555' || lpad((g % 10000)::text, 4, '0') end,
             case when g % 40 = 1 then null else (g * 7919) % 900 + 10 end,
             (case when g % 40 = 1 then null else 'seconds' end)::unit_type,
             case when g % 40 = 1 then null else 10000 end,
             amount,
             sum(amount) over (order by g),
             case when g % 40 = 1 then 'admin' else 'platform' end
      from (select g, case when g % 40 = 1 then 5900 else -((g * 7919) % 300 + 1) end as amount
            from generate_series(1::bigint, ${shape.movements}) g) s
      order by g`);
    await tx.execute(sql`
      insert into credit_balances (account_id, balance)
      select ${id}, coalesce(sum(amount), 0) from credit_movements where account_id = ${id}`);
    return { seeded: true as const, accountId: id };
  }).then(async (result) => {
    // Fresh statistics, or the planner takes a million-row account for a small one.
    await db.execute(sql`analyze credit_movements`);
    await db.execute(sql`analyze users`);
    await db.execute(sql`analyze phone_numbers`);
    return result;
  });
}

export const BENCH_USAGE_RECORDS = 300_000;

/**
 * Rated usage for the large tenant (the spend breakdown's benchmark): calls and SMS over
 * the last 60 days, by its 300 users from 1,000 of its numbers to eight countries, inserted
 * in one statement so the rollup triggers run as they do for a batch. Running it again
 * changes nothing.
 */
export async function seedBenchUsage(db: Database, records = BENCH_USAGE_RECORDS) {
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.slug, "bench"));
  if (!account) throw new Error("seed the bench account before its usage");
  const id = account.id;
  const existing = await db.execute(sql`select 1 from usage_records where account_id = ${id} limit 1`);
  if ((existing as unknown as { rows: unknown[] }).rows.length > 0) return { seeded: false as const };
  await db.execute(sql`
    with people as (select array_agg(id order by email) as ids from users where account_id = ${id}),
    places as (select array['US', 'FR', 'GB', 'ES', 'IT', 'JP', 'AT', 'PL'] as countries,
                      array['+1212555', '+33145', '+44207', '+34915', '+39064', '+81355', '+43150', '+48223'] as prefixes),
    g as (select g, 1 + g % 8 as place, (g % 20) as kind_roll, (g * 31) % 900 + 10 as seconds
          from generate_series(1::bigint, ${records}) g)
    insert into usage_records (account_id, external_id, kind, direction, from_number, to_number, started_at,
      duration_seconds, fragments, forwarded, user_id, destination_country, destination_type, category,
      billable_units, rate_micros, amount, rating_reason, rating_reason_params)
    select ${id}, 'bench-usage-' || g.g,
           (case when kind_roll = 0 then 'sms' else 'call' end)::usage_kind,
           'outbound',
           '+4940' || lpad(((g.g % 1000) * 2 + 1)::text, 8, '0'),
           places.prefixes[place] || lpad((g.g % 10000)::text, 4, '0'),
           now() - interval '60 days' + (g.g * (60 * 86400.0 / ${records}) || ' seconds')::interval,
           case when kind_roll = 0 then null else seconds end,
           case when kind_roll = 0 then 1 + g.g % 3 else null end,
           kind_roll = 1,
           people.ids[1 + (g.g * 7) % array_length(people.ids, 1)],
           places.countries[place],
           (case when kind_roll = 2 then 'premium' else 'fixed' end)::destination_type,
           (case kind_roll when 0 then 'sms' when 1 then 'forwarded' when 2 then 'premium' else 'outside_packages' end)::usage_category,
           case when kind_roll = 0 then 1 + g.g % 3 else seconds end,
           10000,
           (g.g * 7919) % 300 + 1,
           case when kind_roll = 0 then 'sms_charged' else 'not_in_package' end,
           case when kind_roll = 0 then jsonb_build_object('destination', places.countries[place], 'fragments', 1 + g.g % 3)
                else jsonb_build_object('destination', places.countries[place] || ' fixed', 'creditSeconds', seconds) end
    from g, people, places`);
  await db.execute(sql`analyze usage_records`);
  await db.execute(sql`analyze usage_spend_daily`);
  return { seeded: true as const };
}
