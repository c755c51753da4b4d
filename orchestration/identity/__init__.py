"""Identity resolution: which source records are the same person, under a stable customer key.

Pipeline (:func:`orchestration.identity.resolve.resolve_identities`): validate the records
(:mod:`.records`), link records that share an e-mail, a phone or an explicit cross-system key
(:mod:`.deterministic`), link the rest probabilistically with Splink (:mod:`.probabilistic`),
cluster the link graph (:mod:`.clustering`) and give every cluster a customer key that survives
across runs (:mod:`.keys`). Settings live in :mod:`.config`. For measuring: pairwise accuracy
(:mod:`.evaluation`), FEBRL files mapped to the contract (:mod:`.febrl`) and a synthetic
generator with ground truth (:mod:`.synthetic`). Heavy libraries are imported inside functions.
"""
