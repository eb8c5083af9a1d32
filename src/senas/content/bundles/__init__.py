"""Content bundles: a folder with ``bundle.yaml`` (or ``bundle.json``) and the media files it names.

``senas content import PATH`` validates the whole bundle first and lists every problem with its location, then
applies it in one transaction (upsert by code/slug, so re-importing is idempotent); ``senas content export PATH``
writes the same format, so export → import round-trips. The demo course ships as such a bundle.
"""
