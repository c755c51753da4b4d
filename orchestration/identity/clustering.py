"""Clusters of the link graph: connected components, with a guard against giant clusters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Clusters:
    """``label[i]`` is the smallest record index in record i's cluster (order-independent)."""

    label: np.ndarray
    size: np.ndarray  # cluster size of every record
    reclustered: int  # oversized clusters rebuilt from deterministic links only
    oversized: int  # clusters still above the size cap after that


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of n nodes and the given edges; label = smallest member index."""
    import igraph as ig

    graph = ig.Graph(n=n, edges=np.column_stack([left, right]).astype(np.int64).tolist()
                     if len(left) else [], directed=False)
    membership = np.asarray(graph.connected_components(mode="weak").membership, dtype=np.int64)
    smallest = np.full(int(membership.max()) + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, membership, np.arange(n, dtype=np.int64))
    return smallest[membership]


def cluster(n: int, left: np.ndarray, right: np.ndarray, is_deterministic: np.ndarray,
            max_cluster_records: int) -> Clusters:
    """Cluster records; a cluster above ``max_cluster_records`` keeps only deterministic links."""
    label = components(n, left, right)
    size = _sizes(label)
    oversized_labels = np.unique(label[size > max_cluster_records])
    reclustered = len(oversized_labels)
    if reclustered:
        in_oversized = np.isin(label, oversized_labels)
        keep = is_deterministic | ~(in_oversized[left] | in_oversized[right])
        label = components(n, left[keep], right[keep])
        size = _sizes(label)
    oversized = len(np.unique(label[size > max_cluster_records]))
    return Clusters(label=label, size=size, reclustered=reclustered, oversized=oversized)


def _sizes(label: np.ndarray) -> np.ndarray:
    counts = np.bincount(label, minlength=len(label)) if len(label) else np.zeros(0, np.int64)
    return counts[label]
