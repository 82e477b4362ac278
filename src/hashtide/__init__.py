"""hashtide: observe hashtag movements on social media."""

__version__ = "0.1.0"
