-- The current values of the custom fields the reverse DAG fills with policy if_empty, for one batch of
-- records: a field that holds anything (a salesperson's own entry) is left alone.
--   $record_type           contact or customer
--   $columns               ", field_a, field_b": the custom fields, as SuiteQL columns
--   $ids                   the record ids of the batch, e.g. 12, 57, 3021
SELECT id$columns
FROM $record_type
WHERE id IN ($ids)
ORDER BY id
