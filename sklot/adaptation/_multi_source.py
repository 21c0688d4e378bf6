"""Several source domains, each adapted to the target on its own."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import HasMethods

from ._base import BaseAdapter
from ._ot_adapter import OTDomainAdapter

__all__ = ["MultiSourceAdapter"]


class MultiSourceAdapter(BaseAdapter):
    """Adapt each source domain to the target with its own adapter.

    With several source domains marked by ``sample_domain`` (``0, 1, ...``
    for the sources, a negative value for the target), one transport between
    the pooled sources and the target lets rows of one source fill the
    target where another source belongs, since the sources differ from each
    other too. This adapter fits a clone of ``adapter`` between each source
    domain and the target rows and maps each source's rows by its own map;
    the estimator of a domain-adaptation meta-estimator is then trained on
    every source, transported. With one source domain it is ``adapter``.

    Parameters
    ----------
    adapter : adapter or None, default=None
        The adapter fitted for each source domain (cloned);
        :class:`OTDomainAdapter` when None.

    Attributes
    ----------
    adapters_ : list of adapter
        One fitted adapter per source domain, in the order of ``domains_``.
    domains_ : ndarray of int
        The source domain labels, sorted.
    source_weight_ : ndarray of shape (n_source,) or None
        Weights of the fitted source rows given by the adapters (each
        domain's rows scaled so that every domain has the same total
        weight); ``None`` when there is one source domain and its adapter
        gives none.
    identity_ : bool
        True when ``fit`` saw no target rows.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    OTDomainAdapter : The default adapter of each source.
    DomainAdaptationClassifier : Trains on the transported sources.

    Notes
    -----
    ``transform`` maps a new row with the adapter of the source domain of
    its nearest fitted source row. Every source domain gets the same total
    weight, so a small source is not drowned by a large one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.adaptation import DomainAdaptationClassifier, MultiSourceAdapter
    >>> rng = np.random.default_rng(0)
    >>> y0 = rng.integers(0, 2, 60)
    >>> X0 = rng.normal(size=(60, 2)) + 3 * y0[:, None]
    >>> X1 = X0 + [10.0, 0.0]
    >>> X_target = X0 + [0.0, 10.0]
    >>> X = np.vstack([X0, X1, X_target])
    >>> y = np.r_[y0, y0, -np.ones(60, dtype=int)]
    >>> sample_domain = np.repeat([0, 1, -1], 60)
    >>> clf = DomainAdaptationClassifier(adapter=MultiSourceAdapter())
    >>> clf = clf.fit(X, y, sample_domain=sample_domain)
    >>> clf.adapter_.domains_
    array([0, 1])
    >>> bool(clf.score(X_target, y0) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseAdapter._parameter_constraints,
        "adapter": [HasMethods(["fit_transform", "transform"]), None],
    }

    def __init__(self, adapter: Any = None) -> None:
        self.adapter = adapter

    def _template(self):
        if getattr(self.adapter, "_maps_every_domain", False):
            raise ValueError(
                f"adapter={self.adapter!r} embeds every domain "
                "in its own feature space, so one fitted per source would "
                "give each source different features. Pass it to "
                "DomainAdaptationClassifier directly: it fits one embedding "
                "of all the sources and the target."
            )
        return OTDomainAdapter() if self.adapter is None else self.adapter

    def _fit_identity(self, X, y, split):
        self.domains_ = np.unique(split.sample_domain[split.source])
        self.adapters_ = []
        self.source_weight_ = None

    def _fit_map(self, X, y, split):
        sd = split.sample_domain
        self.domains_ = np.unique(sd[split.source])
        source_domain = sd[split.source]
        n_s = int(split.source.sum())
        images = np.empty((n_s, X.shape[1]), dtype=np.float64)
        weight = np.ones(n_s)
        weighted = False
        self.adapters_ = []
        for k in self.domains_:
            rows = (sd == k) | split.target
            adapter = clone(self._template())
            kwargs = {"sample_domain": sd[rows]}
            y_rows = None if y is None else np.asarray(y)[rows]
            mapped = np.asarray(adapter.fit_transform(X[rows], y_rows, **kwargs))
            mine = source_domain == k
            images[mine] = mapped[sd[rows] == k]
            w = getattr(adapter, "source_weight_", None)
            if w is not None:
                weight[mine] = w
                weighted = True
            if self.domains_.size > 1:
                weight[mine] *= n_s / (self.domains_.size * mine.sum())
                weighted = True
            self.adapters_.append(adapter)
        self.source_weight_ = weight if weighted else None
        self._source_images = images
        self._source_domain = source_domain
        self._index = NearestNeighbors(n_neighbors=1).fit(X[split.source])

    def _transform_fitted_source(self, X_source):
        return self._source_images.astype(X_source.dtype, copy=False)

    def _transform(self, X):
        if len(self.adapters_) == 1:
            return np.asarray(self.adapters_[0].transform(X), dtype=X.dtype)
        nearest = self._index.kneighbors(X, return_distance=False)[:, 0]
        domain = self._source_domain[nearest]
        out = np.empty_like(X)
        for k, adapter in zip(self.domains_, self.adapters_):
            rows = domain == k
            if rows.any():
                out[rows] = adapter.transform(X[rows])
        return out
