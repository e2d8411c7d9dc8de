"""Domain rules, one package per domain (catalog, orders, livestreams, media, trade_office) and
the few modules every domain shares (accounts, permissions, phones, places, text).

A service function owns its transaction: it commits or rolls back. Services import models,
adapters and each other (downwards only); never blueprints, schemas, the web package or the demo.
"""
