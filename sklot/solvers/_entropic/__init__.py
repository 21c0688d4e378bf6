"""Entropic (Sinkhorn-type) optimal transport.

The public functions sit each in its own module: ``_sinkhorn`` (balanced,
with ``sinkhorn_divergence``), ``_unbalanced`` (KL-relaxed marginals: the
home of every unbalanced solver), ``_class_regularized`` and ``_map``
(potentials to plans, maps and c-transforms). They share the engines:
``_dense`` (log-domain scaling on a cost matrix), ``_matrix_free`` (the cost
recomputed from the points, for problems too large to store) and ``_newton``
(the sparse Newton stage of the dense engine), ``_batched`` (many small
problems on one ground cost, for the clusterer and the barycenters), and
``_common`` (problem checks, epsilon schedule, result assembly).
"""

from ._batched import _as_csr
from ._class_regularized import class_regularized_ot
from ._core import _gibbs, _schedule, check_cost_scale
from ._map import barycentric_map, entropic_c_transform, entropic_plan
from ._sinkhorn import sinkhorn, sinkhorn_divergence
from ._unbalanced import sinkhorn_unbalanced

# _as_csr, _gibbs, _schedule and check_cost_scale serve the barycenter family
__all__ = [
    "_as_csr",
    "_gibbs",
    "_schedule",
    "barycentric_map",
    "check_cost_scale",
    "class_regularized_ot",
    "entropic_c_transform",
    "entropic_plan",
    "sinkhorn",
    "sinkhorn_divergence",
    "sinkhorn_unbalanced",
]
