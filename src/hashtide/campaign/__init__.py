"""The story of a campaign: origin, magnitude, timeline, spread, cascades, amplifiers and related
hashtags of one tag, every figure traceable to its query and its posts.

:class:`Campaign` lives in :mod:`hashtide.campaign.story`; it is imported on first use, so that
the command line and the light submodules (privacy, network formats) start without Ibis.
"""

from __future__ import annotations

__all__ = ["Campaign", "tag_key"]


def __getattr__(name: str):
    if name == "Campaign":
        from hashtide.campaign.story import Campaign

        return Campaign
    if name == "tag_key":
        from hashtide.campaign.usage import tag_key

        return tag_key
    raise AttributeError(f"module 'hashtide.campaign' has no attribute {name!r}")
