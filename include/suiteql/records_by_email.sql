-- Contacts or customers holding one of these addresses (any case, spaces around ignored): the opt-out DAG sets them to Soft Opt-Out.
-- Keep the first four columns; $extra_columns adds the hard-bounce checkbox when one is configured.
--   $record_type           contact or customer
--   $emails                a comma-separated list of quoted, lower-case addresses (at most 200)
--   $extra_columns         nothing, or ", <field id>" of a checkbox custom field
SELECT id, email, globalsubscriptionstatus $extra_columns
FROM $record_type
WHERE LOWER(TRIM(email)) IN ($emails)
ORDER BY id
