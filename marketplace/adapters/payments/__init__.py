"""Payment providers behind a small interface (only stripe.py imports ``stripe``)."""
