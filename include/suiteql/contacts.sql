-- Contacts with their company and its stage, one keyset page of one id range.
-- The data team may edit this file. Placeholders are filled by the NetSuite hook with validated values only:
--   $after_id, $upper_id   integers: the page reads ids in (after_id, upper_id], in id order
--   $modified_since        a TO_TIMESTAMP(...) literal in the account time zone
-- Keep "ORDER BY c.id" and the two id bounds: keyset paging depends on them. Keep the output column names.
-- A contact is read when it changed OR its company did: NetSuite does not touch a contact's
-- lastmodifieddate when its company's stage changes, and the stage decides the contact's Act-On list.
-- The contact's default billing address, its company's sales rep and customer status come from LEFT JOINs:
-- a contact without them gets empty cells, never a dropped row.
-- Lines starting with "--" are removed before the query is sent.
SELECT c.id, c.entityid, c.firstname, c.middlename, c.lastname, c.email, c.phone, c.mobilephone,
       c.officephone, c.title, c.company, c.isinactive, c.globalsubscriptionstatus,
       TO_CHAR(c.datecreated, 'YYYY-MM-DD HH24:MI:SS') AS datecreated,
       TO_CHAR(c.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate,
       TO_CHAR(cu.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS companymodified,
       cu.companyname AS companyname, cu.searchstage AS searchstage,
       a.addr1 AS addr1, a.addr2 AS addr2, a.city AS city, a.state AS state, a.zip AS zip,
       BUILTIN.DF(a.country) AS country,
       TRIM(e.firstname || ' ' || e.lastname) AS salesrep_name, e.email AS salesrep_email,
       cs.name AS customer_status
FROM contact c
  LEFT JOIN customer cu ON cu.id = c.company
  LEFT JOIN contactaddressbook ab ON ab.entity = c.id AND ab.defaultbilling = 'T'
  LEFT JOIN contactaddressbookentityaddress a ON a.nkey = ab.addressbookaddress
  LEFT JOIN employee e ON e.id = cu.salesrep
  LEFT JOIN customerstatus cs ON cs.id = cu.entitystatus
WHERE c.id > $after_id AND c.id <= $upper_id
  AND (c.lastmodifieddate >= $modified_since OR cu.lastmodifieddate >= $modified_since)
ORDER BY c.id
