"""kundresa: customer-data pipeline (Dagster code location)."""
