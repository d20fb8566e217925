"""Running Comptoir in production: the server, health, metrics, backups and housekeeping."""
