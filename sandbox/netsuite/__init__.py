"""A local stand-in for a NetSuite account's REST web services (``python -m sandbox.netsuite``).

It behaves as API_FACTS.md describes, the unpleasant parts included: TBA and M2M auth verified for real,
SuiteQL with NetSuite's paging, shapes, 100,000-result cap, time zone and date rendering, the record API,
the account concurrency limit, latency and faults, a mutator, and messy seed data. README.md documents
the CLI, the admin API and what SuiteQL is supported.

Modules, one job each: ``settings`` (configuration), ``schema`` (fields and names), ``timefmt`` (time zone
and date formats), ``seed`` (data generator), ``store`` (SQLite), ``suiteql`` (SuiteQL -> SQLite),
``auth`` (TBA and M2M), ``governance`` (limits and faults), ``mutator``, ``stats``, ``paging``, ``errors``,
the routes (``query_api``, ``records``, ``token_api``, ``admin``), ``app`` (``create_app``) and
``__main__`` (CLI).
"""
