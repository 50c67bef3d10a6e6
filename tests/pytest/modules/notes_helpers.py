"""Helpers of the notes suite (a module of its own: every suite has a conftest, so `import conftest` is ambiguous)."""

import sqlite3
import uuid


def collection_content(data, directory):
    """(usn, every row of every table, the file's bytes) of a downloaded collection, the last two with col.usn and
    col.mod set to 0: the server increments them for each download (rslib server_download), so two downloads of
    an unchanged collection differ in those two values only."""
    path = directory / f"download-{uuid.uuid4().hex[:8]}.anki2"
    path.write_bytes(data)
    db = sqlite3.connect(path)
    db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    try:
        usn = db.execute("select usn from col").fetchone()[0]
        with db:
            db.execute("update col set usn = 0, mod = 0")
        rows = list(db.iterdump())
    finally:
        db.close()
    return usn, rows, path.read_bytes()
