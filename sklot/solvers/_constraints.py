"""Parameter constraints of the public solver functions.

The solver functions declare their scalar arguments in scikit-learn's
``validate_params`` vocabulary, so that a wrong type or range gets the same
error (``InvalidParameterError``, a ValueError and a TypeError, naming the
parameter) in every solver and estimator; ``True`` and ``False`` are not
numbers here. Arrays are checked by
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



class _NumberNotBool(Interval):
    """An :class:`Interval` that refuses ``True`` and ``False``.

    ``bool`` is an ``int`` to Python, but ``max_iter=True`` is a mistake:
    every solver refuses it with the same error as any other bad value.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class _AnyNumberNotBool(_NumberNotBool):
    """Any real number but a bool (inf and NaN included: solvers check them)."""

    def __init__(self):
        super().__init__(Real, None, None, closed="neither")

    def is_satisfied_by(self, val):
        return isinstance(val, Real) and not isinstance(val, bool)

    def __str__(self):
        return "a real number"


ARRAY = ["array-like", None]
# counts of iterations, projections, quantiles, support points: a positive int
COUNT = _NumberNotBool(Integral, 1, None, closed="left")
ITER = [COUNT]
TOL = [_NumberNotBool(Real, 0, None, closed="left")]
# reg: a number; its value (positive, finite, resolvable) is checked by the
# solvers, which know the cost it is relative to
REG = [_AnyNumberNotBool(), None]
EPSILON_SCALING = [
    StrOptions({"auto"}),
    "boolean",
    Interval(Real, 0, 1, closed="neither"),
    None,
]


def solver_params(constraints):
    """``validate_params`` with nested validation skipped (solvers call solvers)."""
    return validate_params(constraints, prefer_skip_nested_validation=True)
