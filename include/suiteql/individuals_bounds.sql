-- Plans the parallel extraction of individuals.sql: the id span and the row count to split into ranges.
-- Use the same filter as individuals.sql (a wider filter is safe, a narrower one loses rows).
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
SELECT MIN(cu.id) AS min_id, MAX(cu.id) AS max_id, COUNT(*) AS n
FROM customer cu
WHERE cu.isperson = 'T' AND cu.email IS NOT NULL AND cu.lastmodifieddate >= $modified_since
