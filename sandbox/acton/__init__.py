"""Act-On stand-in: OAuth token endpoint, contact lists API, bulk merge jobs, limits and an admin API.

Run it with ``python -m sandbox.acton --port 0``; see README.md in this folder for flags and behaviours.
"""
