"""Input conventions (domains, distributions) and validation helpers."""

from ._distributions import (
    Distributions,
    check_distributions,
    distributions_from_frame,
)
from ._domain import (
    TARGET_LABEL,
    DomainSplit,
    NoTargetWarning,
    TargetMarkerWarning,
    split_domains,
)
from ._validation import check_equal_mass, check_finite_array, check_marginal

__all__ = [
    "Distributions",
    "DomainSplit",
    "NoTargetWarning",
    "TARGET_LABEL",
    "TargetMarkerWarning",
    "check_distributions",
    "check_equal_mass",
    "check_finite_array",
    "check_marginal",
    "distributions_from_frame",
    "split_domains",
]
