"""What the sync reads and writes, in its own terms, built on the hooks' API primitives.

``netsuite_contacts`` owns the contact contract's extraction (the SuiteQL templates in
``include/suiteql``, keyset pages → typed frames), ``netsuite_preflight`` what the role must be able to
do, ``suiteql_templates`` where the templates live. Operators call these; hooks never import them.
"""
