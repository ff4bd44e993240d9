"""The domain: plain Python, no sockets, no asyncio, no aiohttp, no redis.

Everything here is decided by calling functions, so it is tested without a
server (``tests/core/test_purity.py`` keeps it that way).
"""
