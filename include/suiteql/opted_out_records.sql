-- Contacts or customers whose subscription status is Soft Opt-Out (2) or Confirmed Opt-Out (4), changed since
-- the watermark: the opt-out DAG puts their addresses on Act-On's opt-out list. Read by id (keyset).
--   $record_type           contact or customer
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
--   $after_id              the last id of the previous page (0 for the first)
SELECT id, email, globalsubscriptionstatus,
       TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate
FROM $record_type
WHERE globalsubscriptionstatus IN ('2', '4')
  AND email IS NOT NULL
  AND lastmodifieddate >= $modified_since
  AND id > $after_id
ORDER BY id
