"""Run localstripe on 127.0.0.1:PORT, its state in memory only: python launch_localstripe.py PORT

The stock ``localstripe`` command binds every interface and shares one pickle file in /tmp
between instances; this launcher does neither.
"""

import sys

from aiohttp import web
from localstripe.resources import store
from localstripe.server import app

store.dump_to_disk = lambda: None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
