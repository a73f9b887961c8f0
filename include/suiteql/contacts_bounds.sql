-- Plans the parallel extraction of contacts.sql: the id span and the row count to split into ranges.
-- Use the same filter as contacts.sql (a wider filter is safe, a narrower one loses rows).
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
SELECT MIN(c.id) AS min_id, MAX(c.id) AS max_id, COUNT(*) AS n
FROM contact c LEFT JOIN customer cu ON cu.id = c.company
WHERE c.lastmodifieddate >= $modified_since OR cu.lastmodifieddate >= $modified_since
