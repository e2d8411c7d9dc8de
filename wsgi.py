"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from dotenv import load_dotenv

from marketplace import create_app

# The flask command reads .env itself; gunicorn does not.
load_dotenv()
app = create_app()
# What start-up made (modules, mappers, schemas, the app: ~160,000 objects) lives as long as the
# worker. Frozen out of the collector's sight, it is no longer walked by every full collection
# (about 0.1 s of CPU each, a pause in whichever request triggers it).
gc.freeze()
