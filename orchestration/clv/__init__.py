"""Customer lifetime value: BG/NBD purchase model, Gamma-Gamma spend model, CLV scoring.

Modules, one job each:

- ``summary``: per-customer RFM summary (frequency, recency, tenure, mean repeat spend) from a
  transaction table, as the models expect it.
- ``bgnbd``: the BG/NBD model of Fader, Hardie & Lee (2005) — maximum-likelihood fit, P(alive),
  conditional expected purchases.
- ``gamma_gamma``: the Gamma-Gamma spend model (Fader & Hardie 2013) — fit and conditional
  expected average spend.
- ``scoring``: CLV = expected purchases × expected spend (optionally discounted) per customer.
- ``orders``: ``score_orders`` — the ``marts.customer_clv`` asset's logic on an orders frame.
- ``simulate``: seeded generator of transactions from a known BG/NBD + Gamma-Gamma process.
- ``evaluation``: decile tables and accuracy summaries of predictions against what happened.

See README.md in this folder for semantics, numerics and validation.

Nothing here imports scipy at package import; import the submodule you need.
"""

from orchestration.clv.errors import ClvInputError, ClvModelError

__all__ = ["ClvInputError", "ClvModelError"]
