"""The "NetSuite ↔ Act-On" page of the Airflow UI: run history, a run's detail, the state at a glance.

``plugin`` registers it with Airflow (entry point ``airflow.plugins``); ``app`` is the FastAPI app the API
server mounts; ``service`` reads the run history and a run's files; ``pages`` turns them into what a page
or a JSON response shows; ``masking`` keeps addresses out of both; ``charts`` draws the SVG; ``auth`` asks
the API server's auth manager who may see what. Nothing else in the package imports this one.
"""

#: Where the API server mounts the page's app (relative to its base URL), and its title in the UI's nav.
URL_PREFIX = "/netsuite-acton"
NAV_TITLE = "NetSuite ↔ Act-On"
