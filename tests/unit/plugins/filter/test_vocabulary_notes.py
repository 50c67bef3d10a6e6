"""Filter vocabulary_notes: the rows of a vocabulary file as anki_notes' notes and media."""

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.vocabulary_notes import vocabulary_notes

TEXT = """
- word: le chat
  translation: the cat
  example: Le chat dort.
  audio: chat.mp3
  tags: [animals]
- word: le chien
"""


def test_rows_from_yaml_text_become_notes_and_media():
    result = vocabulary_notes(TEXT, "/srv/vocab/")
    assert result["notes"] == [
        {
            "fields": {
                "Word": "le chat",
                "Translation": "the cat",
                "Example": "Le chat dort.",
                "Audio": "[sound:chat.mp3]",
            },
            "tags": ["animals"],
        },
        {"fields": {"Word": "le chien", "Translation": "", "Example": "", "Audio": ""}, "tags": []},
    ]
    assert result["media"] == ["/srv/vocab/chat.mp3"]


def test_parsed_rows_give_the_same_result_as_their_text():
    assert vocabulary_notes(yaml.safe_load(TEXT), "/srv/vocab") == vocabulary_notes(TEXT, "/srv/vocab")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("word: not a list", "expected a list of rows, got dict"),
        ("- [a, b]", "row 1 must be a mapping"),
        ("- word: ok\n- translation: no word", "row 2 must be a mapping with a non-empty 'word'"),
        ("- word: [unclosed", "not valid YAML"),
    ],
)
def test_bad_vocabulary_names_the_problem(rows, message):
    with pytest.raises(AnsibleFilterError, match=message):
        vocabulary_notes(rows)
