#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: anki_notes
short_description: Notes as code - add, update and remove Anki notes of a user through the sync server
version_added: 0.2.0
author:
  - ankinas.synology maintainers (@ankinas)
description:
  - Acts as one more Anki client of a user of the sync server. It syncs, ensures a deck, a note type and the listed
    notes (or the notes of an C(.apkg) file) in the user's collection, uploads the media files the notes refer to,
    and syncs again. Every device of that user gets the notes at its next normal sync.
  - B(Managed notes) carry the tag O(managed_tag). The module only updates or removes notes with that tag; a note
    without it is never changed, even when its key field matches a listed note (it is reported in RV(skipped)).
  - B(Identity.) A listed note is found again by its key field (O(key_field)) among the managed notes of the note
    type, or by its note id (O(notes[].id)) for a note the module added earlier.
  - B(Safety of the user's data.) A run begins with a normal sync. The module never uploads a whole collection over
    the server's; the first run (and any run after the cache was lost) takes the server's copy with a full download,
    which is also how a brand-new user's empty collection starts. When the server asks for a full sync, because its
    collection was replaced since the last run, the module fails before sending anything unless O(full_sync=download).
  - Changing the fields or card templates of an existing note type forces every device into a full sync; it is
    refused, before anything is sent, unless O(allow_schema_change=true). Card template texts and CSS are ordinary
    changes.
  - B(Cache.) The client collection lives under O(cache_dir) (mode 0700), one per server and user, and keeps later
    runs incremental. Losing it costs one full download, never data. A run that fails after changing it drops it.
  - Runs on the controller (with C(delegate_to) V(localhost)).
requirements:
  - anki >= 23.10 (PyPI C(anki), the official client library) in the Python that runs the module on the controller
options:
  url:
    description:
      - Base URL of the sync server as clients use it, for example V(https://anki.example.com/) (the reverse proxy)
        or V(http://127.0.0.1:27701/) (the container's port). A missing trailing slash is added.
    type: str
    required: true
  user:
    description: The sync user whose collection is changed.
    type: str
    required: true
  password:
    description: The user's password.
    type: str
    required: true
  ca_path:
    description:
      - A CA certificate (PEM) to trust for the server's certificate, for a NAS with a private CA. It is given to the
        client library through C(SSL_CERT_FILE) in the module's own process only.
    type: path
  validate_certs:
    description:
      - Must stay V(true) for an https URL; the client library always verifies certificates (use O(ca_path)).
    type: bool
    default: true
  cache_dir:
    description:
      - Where the client collections are kept. Default C($XDG_CACHE_HOME/ankinas.synology/anki_notes), or
        C(~/.cache/ankinas.synology/anki_notes).
    type: path
  state:
    description:
      - V(present) adds the missing listed notes and updates the fields and tags of changed ones.
      - V(absent) removes the listed notes (those with O(managed_tag)).
    type: str
    choices: [present, absent]
    default: present
  deck:
    description:
      - The deck new notes go to, created when missing; V(::) separates subdecks (V(Languages::French)). Cards of
        existing notes stay where they are.
      - Required with O(state=present) and O(notes).
    type: str
  note_type:
    description: The note type of O(notes).
    type: dict
    suboptions:
      name:
        description: Its name. Without O(note_type.fields) it must exist in the collection.
        type: str
        required: true
      fields:
        description:
          - Its fields, in order. The note type is created with them when missing.
          - For an existing note type another list is a schema change (see O(allow_schema_change)).
        type: list
        elements: str
      templates:
        description: Its card templates, in order (required with O(note_type.fields)).
        type: list
        elements: dict
        suboptions:
          name:
            description: Template name.
            type: str
            required: true
          front:
            description: Front (question) template, e.g. C({{Word}}).
            type: str
            required: true
          back:
            description: Back (answer) template, e.g. C({{FrontSide}}<hr id=answer>{{Translation}}).
            type: str
            required: true
      css:
        description: The note type's styling; left as it is when omitted.
        type: str
  key_field:
    description: The field that identifies a note. Default the note type's first field.
    type: str
  notes:
    description: The notes.
    type: list
    elements: dict
    default: []
    suboptions:
      fields:
        description:
          - Field name to value (HTML as Anki stores it). Fields not given are left as they are (empty on a new note).
          - Media are referred to by file name, e.g. C([sound:chat.mp3]) or C(<img src="chat.jpg">).
        type: dict
      tags:
        description: Tags the note must carry (besides O(managed_tag)). Other tags, such as C(leech), are kept.
        type: list
        elements: str
      id:
        description: The note id of a note the module added earlier, instead of its key field.
        type: int
  media:
    description:
      - Files on the controller that the notes refer to; uploaded by media sync under their file name.
      - A file name the server already holds with other content is refused (Anki would keep the server's copy).
      - Files are never removed (Anki's Check Media does that).
    type: list
    elements: path
    default: []
  apkg:
    description:
      - An C(.apkg) to import instead of O(notes) (without scheduling). Its notes are identified by their GUID and
        tagged with O(managed_tag); a package whose notes already exist without that tag is refused.
    type: path
  managed_tag:
    description: The tag that marks the notes this module manages.
    type: str
    default: ankinas::managed
  full_sync:
    description:
      - What to do when the server asks for a full sync (its collection was replaced since the last run).
      - V(fail) sends nothing and explains. V(download) takes the server's copy first (it replaces only the cache),
        then goes on.
    type: str
    choices: [fail, download]
    default: fail
  allow_schema_change:
    description:
      - Allow changing the fields or card templates of an existing note type. Every device of the user will need a
        full sync afterwards; sync them all first. The module then uploads its copy, which is the server's collection
        of a moment ago plus the change.
    type: bool
    default: false
extends_documentation_fragment:
  - ankinas.synology.attributes
attributes:
  check_mode:
    details:
      - Sends no change. When the cache is current it only asks the server's sync status; otherwise it reads the
        server's collection with a full download into a temporary copy (the server counts the download, so a device's
        next sync is a normal one that transfers nothing). Media are compared with the cache.
  diff_mode:
    details: Per note, the managed fields and tags before and after.
notes:
  - The module belongs to no action group (it does not talk to DSM or Portainer).
  - Tested with the C(anki) 26.9 client against the Anki 25.07 sync server.
seealso:
  - name: Anki sync server
    description: The self-hosted sync server manual.
    link: https://docs.ankiweb.net/sync-server.html
"""

EXAMPLES = r"""
- name: French vocabulary for alice
  ankinas.synology.anki_notes:
    url: https://anki.example.com/
    user: alice
    password: "{{ vault_anki_alice_password }}"
    deck: Languages::French
    note_type:
      name: Vocabulary (ankinas)
      fields: [Word, Translation, Example, Audio]
      templates:
        - name: French -> English
          front: "{{Word}} {{Audio}}"
          back: "{{FrontSide}}<hr id=answer>{{Translation}}<br><i>{{Example}}</i>"
    notes:
      - fields: {Word: le chat, Translation: the cat, Example: Le chat dort., Audio: "[sound:chat.mp3]"}
        tags: [animals]
    media: [files/chat.mp3]
  delegate_to: localhost

- name: Remove one card
  ankinas.synology.anki_notes:
    url: https://anki.example.com/
    user: alice
    password: "{{ vault_anki_alice_password }}"
    note_type: {name: Vocabulary (ankinas)}
    notes: [{fields: {Word: le chat}}]
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
added:
  description: Notes added (or that would be, in check mode).
  returned: always
  type: int
updated:
  description: Notes whose fields or tags changed.
  returned: always
  type: int
removed:
  description: Notes removed.
  returned: always
  type: int
unchanged:
  description: Listed notes already as wanted (with O(state=absent), listed notes that do not exist).
  returned: always
  type: int
skipped:
  description: Keys (or GUIDs) of listed notes that exist without O(managed_tag); the module left them alone.
  returned: always
  type: list
  elements: str
deck_created:
  description: Whether the deck was (or would be) created.
  returned: always
  type: bool
note_type:
  description: V(create) or V(update) when the note type was (or would be) changed, else null.
  returned: always
  type: str
media_uploaded:
  description: Names of the media files uploaded (or that would be).
  returned: always
  type: list
  elements: str
first_sync:
  description: How the run began, e.g. V(normal), V(no changes), V(full download (new cache)).
  returned: always
  type: str
cache:
  description: The cache directory of this server and user.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ankinas.synology.plugins.module_utils import _anki_notes as notes


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            user=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            ca_path=dict(type="path"),
            validate_certs=dict(type="bool", default=True),
            cache_dir=dict(type="path"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            deck=dict(type="str"),
            note_type=dict(
                type="dict",
                options=dict(
                    name=dict(type="str", required=True),
                    fields=dict(type="list", elements="str"),
                    templates=dict(
                        type="list",
                        elements="dict",
                        options=dict(
                            name=dict(type="str", required=True),
                            front=dict(type="str", required=True),
                            back=dict(type="str", required=True),
                        ),
                    ),
                    css=dict(type="str"),
                ),
            ),
            key_field=dict(type="str", no_log=False),
            notes=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(fields=dict(type="dict"), tags=dict(type="list", elements="str"), id=dict(type="int")),
            ),
            media=dict(type="list", elements="path", default=[]),
            apkg=dict(type="path"),
            managed_tag=dict(type="str", default="ankinas::managed"),
            full_sync=dict(type="str", choices=["fail", "download"], default="fail"),
            allow_schema_change=dict(type="bool", default=False),
        ),
        required_one_of=[("note_type", "apkg")],
        mutually_exclusive=[("note_type", "apkg"), ("notes", "apkg")],
        supports_check_mode=True,
    )
    notes.run_module(module)


if __name__ == "__main__":
    main()
