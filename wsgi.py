"""WSGI entry point: ``gunicorn wsgi:app``."""

from dotenv import load_dotenv

from marketplace import create_app

# The flask command reads .env itself; gunicorn does not.
load_dotenv()
app = create_app()
