"""Dagster asset checks that are plain Python (dbt tests become checks in assets/dbt.py)."""
