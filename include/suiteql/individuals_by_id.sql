-- The same individuals as individuals.sql, picked by customer id: individuals the sync must look at again
-- although they did not change (they share an address with a person that changed). A customer that is no
-- longer an individual is absent, like a deleted contact.
-- Keep the output columns identical to contacts.sql.
--   $ids                   a comma-separated list of integers (at most 500)
SELECT cu.id, cu.entityid, cu.firstname, NULL AS middlename, cu.lastname, cu.email, cu.phone,
       NULL AS mobilephone, NULL AS officephone, NULL AS title, cu.id AS company, cu.isinactive,
       cu.globalsubscriptionstatus,
       TO_CHAR(cu.datecreated, 'YYYY-MM-DD HH24:MI:SS') AS datecreated,
       TO_CHAR(cu.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate,
       TO_CHAR(cu.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS companymodified,
       cu.companyname AS companyname, cu.searchstage AS searchstage,
       a.addr1 AS addr1, a.addr2 AS addr2, a.city AS city, a.state AS state, a.zip AS zip,
       BUILTIN.DF(a.country) AS country,
       TRIM(e.firstname || ' ' || e.lastname) AS salesrep_name, e.email AS salesrep_email,
       cs.name AS customer_status
FROM customer cu
  LEFT JOIN customeraddressbook ab ON ab.entity = cu.id AND ab.defaultbilling = 'T'
  LEFT JOIN customeraddressbookentityaddress a ON a.nkey = ab.addressbookaddress
  LEFT JOIN employee e ON e.id = cu.salesrep
  LEFT JOIN customerstatus cs ON cs.id = cu.entitystatus
WHERE cu.id IN ($ids) AND cu.isperson = 'T'
ORDER BY cu.id
