"""How generated rows are named in the files: hashtag display forms and post ids.

A post id is what the readers store as ``post_id``: the tweet id, the Mastodon status id, the
Bluesky record's ``at://`` URI.
"""

from __future__ import annotations

from hashtide.simulate import ids
from hashtide.simulate.scenarios import REPOST, Scenario
from hashtide.simulate.text import vocabulary


class Names:
    """Display forms of tag codes and post ids of rows, for one scenario and world."""

    def __init__(self, scenario: Scenario, world):
        self.world = world
        self.vocab = vocabulary(scenario.vocabulary)
        self.forms: list[tuple[str, ...]] = [(tag,) for tag in self.vocab]
        self.first_burst_id = len(self.forms)
        for burst in scenario.bursts:
            self.forms.append(tuple(f for f, _ in burst.forms) or (burst.tag,))

    def burst_tag_id(self, index: int) -> int:
        return self.first_burst_id + index

    def tag_id_of(self, tag: str, scenario: Scenario) -> int:
        return self.first_burst_id + [b.tag for b in scenario.bursts].index(tag)

    def display(self, code: int) -> str:
        forms = self.forms[code >> 2]
        return forms[min(code & 3, len(forms) - 1)]

    def post_id(self, platform: str, row) -> str:
        return self.post_id_of(platform, int(row["pid"]), int(row["author"]), int(row["kind"]))

    def post_id_of(self, platform: str, pid: int, author: int, kind: int) -> str:
        if platform == "bluesky":
            collection = "app.bsky.feed.repost" if kind == REPOST else "app.bsky.feed.post"
            return f"at://{self.world.pools['bluesky'].did(author)}/{collection}/{ids.tid_string(pid)}"
        return str(pid)
