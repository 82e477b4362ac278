"""What is taking off, where: the SigniTrend detector, trending charts, batch and live runs, and
Kleinberg bursts (see docs/trends.md)."""

from hashtide.trends.charts import Alerts, BucketCharts, ScopeFilter, TrendEntry
from hashtide.trends.signitrend import SigniTrend

__all__ = ["Alerts", "BucketCharts", "ScopeFilter", "SigniTrend", "TrendEntry"]
