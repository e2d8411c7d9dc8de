"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from dotenv import load_dotenv
from sqlalchemy.orm import configure_mappers

from marketplace import create_app
from marketplace.services import places

# The flask command reads .env itself; gunicorn does not.
load_dotenv()
app = create_app()
# Made now rather than by a buyer's first request to this worker (0.2 s, again every ~2,000
# requests as workers are replaced): the mappers' configuration and the directory of places.
configure_mappers()
places.provinces()
# What start-up made (modules, mappers, schemas, the app: ~160,000 objects) lives as long as the
# worker. Frozen out of the collector's sight, it is no longer walked by every full collection
# (about 0.1 s of CPU each, a pause in whichever request triggers it).
gc.freeze()
