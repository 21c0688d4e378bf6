"""Model selection that declines to adapt unless adapting clearly pays."""

from __future__ import annotations

import numbers

import numpy as np

from ..metrics import (
    circular_validation_scorer,
    prediction_entropy_scorer,
    transport_consistency_scorer,
)
from ._reweight import ImportanceReweighter

__all__ = ["NegativeTransferGuard"]


def _moves_rows(params):
    """Whether a candidate's adapter moves rows (False: passthrough, reweighting)."""
    adapters = [v for k, v in params.items() if k.split("__")[-1] == "adapter"]
    if not adapters:
        return True
    adapter = adapters[-1]
    if isinstance(adapter, str) and adapter == "passthrough":
        return False
    return not isinstance(adapter, ImportanceReweighter)


class NegativeTransferGuard:
    """Refit rule for ``GridSearchCV`` that never prefers a doubtful adaptation.

    Unsupervised scorers rank adapted models among themselves well enough;
    comparing them with the model that is not adapted is where they fail,
    because a transport that moves rows to the wrong class still produces a
    confident, self-consistent model. The guard ranks every candidate by
    one score whose values are comparable between the source-only model,
    reweighting and transport,

    ``transport_consistency + circular_weight * circular_validation
    + entropy_weight * prediction_entropy``

    (:func:`~sklot.metrics.transport_consistency_scorer`,
    :func:`~sklot.metrics.circular_validation_scorer` and
    :func:`~sklot.metrics.prediction_entropy_scorer`, averaged over the
    folds), and splits the candidates in two:

    - *safe* candidates keep the rows where they are: the source-only model
      (``adapter="passthrough"``) and :class:`ImportanceReweighter`; the
      best of them is the fallback;
    - *adapting* candidates (every other adapter) move rows.

    The best adapting candidate is chosen only when its score exceeds the
    fallback's by ``margin`` on average over the folds; otherwise the
    fallback is chosen. Use it as the ``refit`` of a
    :class:`~sklearn.model_selection.GridSearchCV` whose ``scoring`` is
    :attr:`scoring`; the grid must name the adapter of each candidate (a
    parameter whose name ends in ``adapter``), with ``"passthrough"`` among
    them.

    Parameters
    ----------
    margin : float, default=0.05
        Score gain an adapting candidate needs over the fallback.
    circular_weight : float, default=0.25
        Weight of the circular-validation accuracy added to the transport
        consistency score. Circular validation sees what the transport
        score cannot: a candidate whose predictions collapse onto one class
        does not survive the round trip.
    entropy_weight : float, default=0.0
        Weight of the prediction entropy (nats per target row) added to the
        score.

    Attributes
    ----------
    scoring : dict
        The scorers the guard reads, to pass as ``GridSearchCV(scoring=...)``.

    See Also
    --------
    sklot.metrics.transport_consistency_scorer : The comparable score.
    sklot.metrics.circular_validation_scorer : The round trip.
    sklot.metrics.prediction_entropy_scorer : Confidence on the target.

    Notes
    -----
    ``best_score_`` is not defined for a callable ``refit``; the chosen
    candidate is ``best_index_`` (and ``best_params_``), and
    ``cv_results_`` holds the scores of every candidate. The defaults were
    chosen on the runs of ``benchmarks/bench_skada.py`` reported in the user
    guide, among the weights 0, 0.25, 0.5, 1 (and 2 for circular
    validation) and the margins 0, 0.02, 0.05, as the rule whose worst
    shift lost least against the source-only model; they are fitted to
    those data, and neighbouring settings did worse on some shift.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV, StratifiedKFold
    >>> from sklot.adaptation import (DomainAdaptationClassifier,
    ...     ImportanceReweighter, NegativeTransferGuard, OTDomainAdapter)
    >>> from sklot.datasets import make_domain_shift
    >>> X, y = make_domain_shift("conditional", n_samples_source=100,
    ...                          n_samples_target=100, random_state=0)
    >>> guard = NegativeTransferGuard()
    >>> search = GridSearchCV(
    ...     DomainAdaptationClassifier(LogisticRegression()),
    ...     {"adapter": ["passthrough", ImportanceReweighter(),
    ...                  OTDomainAdapter(reg=0.1)]},
    ...     scoring=guard.scoring, refit=guard, cv=StratifiedKFold(3),
    ... ).fit(X, y)
    >>> search.best_params_["adapter"]
    OTDomainAdapter(reg=0.1)
    """

    def __init__(
        self,
        margin: float = 0.05,
        circular_weight: float = 0.25,
        entropy_weight: float = 0.0,
    ) -> None:
        self.margin = margin
        self.circular_weight = circular_weight
        self.entropy_weight = entropy_weight

    @property
    def scoring(self) -> dict:
        """The scorers to pass as ``GridSearchCV(scoring=...)``."""
        scoring = {"transport": transport_consistency_scorer}
        if self.circular_weight:
            scoring["circular"] = circular_validation_scorer
        if self.entropy_weight:
            scoring["entropy"] = prediction_entropy_scorer
        return scoring

    @staticmethod
    def _mean(cv_results, key):
        name = f"mean_test_{key}"
        if name not in cv_results:
            raise ValueError(
                f"cv_results_ has no '{key}' score: pass scoring=guard.scoring "
                "to GridSearchCV."
            )
        return np.nan_to_num(np.asarray(cv_results[name], float), nan=-np.inf)

    def __call__(self, cv_results: dict) -> int:
        """Index of the chosen candidate in ``cv_results``.

        Parameters
        ----------
        cv_results : dict
            The ``cv_results_`` of a search scored with :attr:`scoring`.

        Returns
        -------
        index : int
            The candidate to refit.
        """
        for name in ("margin", "circular_weight", "entropy_weight"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(
                    f"{name} must be a non-negative float, got {value!r}."
                )
        moves = np.array([_moves_rows(p) for p in cv_results["params"]])
        if moves.all():
            raise ValueError(
                "The grid has no safe candidate: add adapter='passthrough' "
                "(and ImportanceReweighter) to it, so that the guard can "
                "decline to adapt."
            )
        score = self._mean(cv_results, "transport")
        if self.circular_weight:
            score = score + self.circular_weight * self._mean(
                cv_results, "circular"
            )
        if self.entropy_weight:
            score = score + self.entropy_weight * self._mean(cv_results, "entropy")
        safe = int(np.argmax(np.where(moves, -np.inf, score)))
        if not moves.any():
            return safe
        best = int(np.argmax(np.where(moves, score, -np.inf)))
        if score[best] - score[safe] >= self.margin:
            return best
        return safe
