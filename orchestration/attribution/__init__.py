"""Conversion attribution: rule-based, Markov-chain and Shapley models on channel paths.

Two entry points, both deterministic (same input → identical output):

- :func:`orchestration.attribution.engine.attribute_paths` — path level: one row per distinct
  path with conversion and non-conversion counts → channel × model credits.
- :func:`orchestration.attribution.engine.credit_touches` — touch level: one row per touch of a
  conversion → credit and revenue credit per touch and model (each conversion's credits sum to 1).
"""
