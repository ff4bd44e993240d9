"""live: a livestream lecture companion (comment wall, likes, Q&A, moderation, embeds)."""

__version__ = "0.1.0"
