"""Buying: checkout (stock taken by guarded updates, one order per shop), the order lifecycle
and its history, the moves people make (``actions``, with their stock and refunds), expiry of
unpaid orders, the Idempotency-Key store, card payments through the payments adapter, and the
provider's events applied once."""
