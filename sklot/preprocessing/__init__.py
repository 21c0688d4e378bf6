"""Preprocessing for tabular data: multivariate quantiles, ranks and depth."""

from ._depth import OTDepthOutlierDetector
from ._ot_quantile import OTQuantileTransformer

__all__ = ["OTDepthOutlierDetector", "OTQuantileTransformer"]
