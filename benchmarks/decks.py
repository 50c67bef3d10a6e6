"""Generated Anki collections of a target size, with random (incompressible) text in the notes."""

import base64
import os
import random
from pathlib import Path

from anki.collection import Collection

NOTE_TEXT_BYTES = 64 * 1024
COLLECTION_FILE = "collection.anki2"


def random_text(rng, size):
    """size characters of random base85 text: about 6.4 bits per character, which zstd cannot shrink much."""
    raw = rng.randbytes(size * 4 // 5 + 4)
    return base64.b85encode(raw).decode("ascii")[:size]


def make_sized_collection(directory, target_bytes, seed=9):
    """A collection in directory whose collection.anki2 is about target_bytes; (path, notes, actual bytes)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / COLLECTION_FILE
    rng = random.Random(seed)
    col = Collection(str(path))
    try:
        basic = col.models.by_name("Basic")
        deck_id = col.decks.id("Default")
        count = max(1, target_bytes // NOTE_TEXT_BYTES)
        for number in range(count):
            note = col.new_note(basic)
            note["Front"] = f"bench {seed} {number}"
            note["Back"] = random_text(rng, NOTE_TEXT_BYTES)
            col.add_note(note, deck_id)
    finally:
        col.close()
    return path, count, os.path.getsize(path)
