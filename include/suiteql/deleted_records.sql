-- Records deleted since the watermark: contacts leave the lists, contacts of deleted companies are re-read.
-- NetSuite's DeletedRecord table (needs the "Deleted Records" permission for non-admin roles). The values of
-- type/recordtypeid for contacts and customers are not documented: the source keeps rows whose type is
-- contact/customer in any case, or whose recordtypeid is -6 (contact) / -2 (customer); see docs/api-notes.md.
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
SELECT recordid, recordtypeid, type, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS deleteddate
FROM deletedrecord
WHERE deleteddate >= $modified_since
ORDER BY deleteddate, recordid
