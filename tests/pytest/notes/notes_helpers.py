"""Helpers of the notes suite (a module of its own: every suite has a conftest, so `import conftest` is ambiguous)."""

import sqlite3
import uuid


def collection_content(data, directory):
    """(usn, every row of every table) of a downloaded collection, with col.usn/mod (which each download bumps) out."""
    path = directory / f"download-{uuid.uuid4().hex[:8]}.anki2"
    path.write_bytes(data)
    db = sqlite3.connect(path)
    db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    try:
        usn = db.execute("select usn from col").fetchone()[0]
        db.execute("update col set usn = 0, mod = 0")
        return usn, list(db.iterdump())
    finally:
        db.close()
