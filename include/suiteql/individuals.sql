-- Individuals: customer records that are people (isperson = 'T'), one keyset page of one id range.
-- They ride through the same steps as contacts, so this returns exactly the columns of contacts.sql:
-- the individual is its own company (company = its id, its own stage, status and sales rep), and columns a
-- customer record does not have come back empty (NULL). Placeholders as in contacts.sql.
-- Keep "ORDER BY cu.id" and the two id bounds: keyset paging depends on them. Keep the output column names.
-- Lines starting with "--" are removed before the query is sent.
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
WHERE cu.id > $after_id AND cu.id <= $upper_id
  AND cu.isperson = 'T' AND cu.email IS NOT NULL
  AND cu.lastmodifieddate >= $modified_since
ORDER BY cu.id
