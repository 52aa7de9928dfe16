-- An SMS rate names its destination (like a call rate does); the rating adds "SMS to".
UPDATE "rates" SET "description" = substr("description", 8)
WHERE "kind" = 'sms' AND "description" LIKE 'SMS to %' AND length("description") > 7;
