"""Analysis: rent series and indexes from the warehouse, and the interrupted-time-series engine.

Results are immutable objects holding tables and numbers, never prose.
"""
