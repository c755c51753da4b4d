"""dbt-duckdb plugins: Python UDFs registered on dbt's DuckDB connection (see profiles.yml)."""
