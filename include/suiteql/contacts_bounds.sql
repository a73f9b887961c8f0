-- Plans the parallel extraction of contacts.sql: the id span and the row count to split into ranges.
-- Use the same date filter as contacts.sql (a wider filter is safe, a narrower one loses rows).
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
SELECT MIN(c.id) AS min_id, MAX(c.id) AS max_id, COUNT(*) AS n
FROM contact c
WHERE c.lastmodifieddate >= $modified_since
