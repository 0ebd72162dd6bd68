"""The operators' metrics: counters kept by a runtime, gauges read from the database."""
