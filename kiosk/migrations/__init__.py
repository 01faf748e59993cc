"""Schema migrations, applied in numeric order at start (see kiosk.db.migrate).

Each script declares frozen copies of the tables it creates, so that replaying history from the
first schema gives the same database as today's models, whatever the models become.
"""
