"""HTTP plumbing every blueprint shares: the flask-smorest Api and Blueprint (``api``), who is
calling (``authentication``), the rules every request meets (``request_rules``), the
Idempotency-Key header (``idempotency_header``) and the failed sign-in budget
(``sign_in_throttle``). Blueprints use it; services never do."""
