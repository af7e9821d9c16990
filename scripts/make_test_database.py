"""Create (or recreate) an empty PostgreSQL database for the test suite.

Usage: make_test_database.py ADMIN_URL NAME [--drop]. Exits 1, quietly, when PostgreSQL does not
answer. With --drop, only drops the database.
"""

import sys

try:
    import psycopg
except ImportError:
    sys.exit(1)

admin_url, name = sys.argv[1], sys.argv[2]
try:
    connection = psycopg.connect(admin_url, connect_timeout=3, autocommit=True)
except psycopg.OperationalError:
    sys.exit(1)
with connection:
    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if "--drop" not in sys.argv:
        connection.execute(f'CREATE DATABASE "{name}"')
