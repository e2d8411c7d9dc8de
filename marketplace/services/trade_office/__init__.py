"""The district trade office's work: OCOP applications and certificates, curated collections
for national e-commerce floors, moderation of shops and products, sales reports, and the
audit trail every officer action writes."""
