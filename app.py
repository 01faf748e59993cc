"""Serve Kiosque: `python app.py` starts waitress with the KIOSK_* settings (`flask --app app` too)."""
import os
import sys

# peewee imports psycopg whenever it is installed: 22 MB of resident memory (its libpq and SSL
# libraries) that a site on SQLite never uses. Only a PostgreSQL database URL loads it.
if not os.environ.get("KIOSK_DATABASE_URL", "").startswith("postgres"):
    sys.modules.setdefault("psycopg", None)

from kiosk import create_app, serve

app = create_app()

if __name__ == "__main__":
    serve(app)
