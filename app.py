"""Serve Kiosque: `python app.py` starts waitress with the KIOSK_* settings."""
from kiosk import create_app, serve

app = create_app()

if __name__ == "__main__":
    serve(app)
