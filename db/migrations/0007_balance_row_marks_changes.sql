-- Every ledger posting updates its account's credit_balances row, and so does a change of
-- the low balance threshold: the row's xmin (the transaction that last wrote it) already
-- changes with each of them, and the billing page cache reads it next to the content
-- version. The bump triggers on credit_balances made every posting pay for a second write
-- that nothing needs.
DROP TRIGGER credit_balances_content_insert ON credit_balances;
--> statement-breakpoint
DROP TRIGGER credit_balances_content_update ON credit_balances;
--> statement-breakpoint
DROP TRIGGER credit_balances_content_delete ON credit_balances;
