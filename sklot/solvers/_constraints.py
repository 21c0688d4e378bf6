"""Parameter constraints of the public solver functions.

The solver functions declare their scalar arguments in scikit-learn's
``validate_params`` vocabulary, so that a wrong type or range gets the same
error (``InvalidParameterError``, a ValueError and a TypeError, naming the
parameter) in every solver and estimator. Arrays are checked by
``sklot.utils._validation`` with their argument names; the constraints
here only say that they are array-like.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = [
    "ARRAY",
    "COUNT",
    "ITER",
    "TOL",
    "EPSILON_SCALING",
    "REG",
    "solver_params",
]

ARRAY = ["array-like", None]
# max_iter: a positive int (bool is rejected with a TypeError by the solvers)
ITER = [Interval(Integral, 1, None, closed="left")]
# counts of projections, quantiles, support points, features: a positive int
COUNT = Interval(Integral, 1, None, closed="left")
TOL = [Interval(Real, 0, None, closed="left")]
# reg: its value (positive, finite, resolvable) is checked by the solvers,
# which know the cost it is relative to
REG = [Real, None]
EPSILON_SCALING = [
    StrOptions({"auto"}),
    "boolean",
    Interval(Real, 0, 1, closed="neither"),
    None,
]


def solver_params(constraints):
    """``validate_params`` with nested validation skipped (solvers call solvers)."""
    return validate_params(constraints, prefer_skip_nested_validation=True)
