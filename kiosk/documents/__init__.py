"""Documents a resident takes home: built on request from the kiosk session, never stored."""
