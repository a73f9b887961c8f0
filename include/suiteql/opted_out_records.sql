-- Contacts or customers changed since the watermark, with their subscription status: records at Soft Opt-Out
-- (2) or Confirmed Opt-Out (4) put their address on Act-On's opt-out list; a record at 1 or 3 whose address
-- is already known as opted out gets Soft Opt-Out. A first run or full resync asks for 2 and 4 only.
-- Read by id (keyset).
--   $record_type           contact or customer
--   $statuses              quoted status ids, e.g. '2', '4'
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
--   $after_id              the last id of the previous page (0 for the first)
SELECT id, email, globalsubscriptionstatus,
       TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate
FROM $record_type
WHERE globalsubscriptionstatus IN ($statuses)
  AND email IS NOT NULL
  AND lastmodifieddate >= $modified_since
  AND id > $after_id
ORDER BY id
