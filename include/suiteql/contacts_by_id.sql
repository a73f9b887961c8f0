-- The same contacts as contacts.sql, picked by id: contacts the sync must look at again although they did
-- not change (their company was deleted, or they share an address with a contact that changed).
-- Keep the output columns identical to contacts.sql.
--   $ids                   a comma-separated list of integers (at most 500)
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
WHERE c.id IN ($ids)
ORDER BY c.id
