#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_hyper_backup
short_description: Manage a Hyper Backup task on a Synology NAS, and run it
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a Hyper Backup task (C(SYNO.Backup.*), package HyperBackup) named O(name) backs up O(sources) to
    O(destination), with an optional O(schedule) and O(retention); deletes it with O(state=absent); starts a backup
    with O(run_now) and can wait for its result.
  - A new task is made with the three calls that a public client verified on Hyper Backup 4.2.2
    (C(SYNO.Backup.Target get_candidate_dir), C(SYNO.Backup.Repository create), C(SYNO.Backup.Task create)); when
    C(Task.create) answers an empty body, as DSM sometimes does, the module finds the task by listing.
  - B(UNVERIFIED on a real DSM:) no public source shows how C(SYNO.Backup.Task set) takes a schedule, a retention
    (C(rotate_params)) or new source folders. The module sends the most likely shapes (the schedule block that
    C(Task.get) returns; a C(rotate_condition) of [policy, versions] as in C(synobackup.conf)), all built in one
    place (C(plugins/module_utils/_dsm_hyper_backup.py)), and reads the task back afterwards. If DSM ignores them,
    the re-read differs and the next run reports a change again; check a task the module made in the Hyper Backup
    UI once before you rely on its schedule and retention, and report what you see.
  - If DSM rejects that C(Task.set), the task stands (it was created with the verified calls) and the module fails
    saying so and naming only that step; the next run finds the task and sends only the C(Task.set) again.
options:
  name:
    description:
      - Name of the task; it identifies the task (there must not be two tasks of this name).
    type: str
    required: true
  state:
    description:
      - V(present) ensures the task exists as described; V(absent) deletes it (see O(remove_data)).
    type: str
    choices: [present, absent]
    default: present
  sources:
    description:
      - The folders to back up. Either C(/volumeN/share/dir) (as a Docker bind mount names it) or the share-rooted
        File Station path C(/share/dir). The module converts the first into the second by listing the NAS's shared
        folders, and fails when the shared folder is not on that volume (it never guesses).
      - Required with O(state=present). Their order does not matter.
    type: list
    elements: str
  destination:
    description:
      - Where the backup goes. Required with O(state=present).
      - Hyper Backup binds a task to its destination; the module does not move an existing task to another
        destination and fails instead (delete the task and create it again).
    type: dict
    suboptions:
      type:
        description:
          - V(image_local) a shared folder on this NAS (or a USB disk's share); V(image_remote) a remote Synology NAS
            or Hyper Backup Vault.
        type: str
        choices: [image_local, image_remote]
        default: image_local
      share:
        description: The shared folder the backup goes into (on the remote for V(image_remote)); it must exist.
        type: str
        required: true
      host:
        description: The remote NAS's host name or address (V(image_remote)).
        type: str
      port:
        description: The remote's Hyper Backup Vault port (V(image_remote)).
        type: int
        default: 6281
      account:
        description: The account on the remote (V(image_remote)).
        type: str
      password:
        description:
          - The password of O(destination.account) (V(image_remote)). Used when the task is created only; DSM never
            shows it again, so a changed password does not change an existing task.
        type: str
  schedule:
    description:
      - When the task runs. Not set, the module leaves the task's schedule as it is (a new task is unscheduled).
      - B(Unverified on real DSM), see the description.
    type: dict
    suboptions:
      enabled:
        description: Whether the schedule is on. V(false) turns it off and leaves the other fields unchanged.
        type: bool
        default: true
      frequency:
        description: V(daily), or V(weekly) on O(schedule.weekdays). Weekly on all seven days is daily.
        type: str
        choices: [daily, weekly]
        default: daily
      time:
        description: Time of day, C(HH:MM), in the NAS's time zone.
        type: str
        default: "03:00"
      weekdays:
        description: The days of a weekly schedule.
        type: list
        elements: str
        choices: [sun, mon, tue, wed, thu, fri, sat]
  retention:
    description:
      - Which versions the destination keeps (Hyper Backup's rotation). Not set, the module leaves it as it is (a new
        task keeps every version).
      - B(Unverified on real DSM), see the description.
    type: dict
    suboptions:
      enabled:
        description: Whether old versions are removed at all.
        type: bool
        default: true
      policy:
        description:
          - V(versions) keeps the newest O(retention.max_versions) versions ("from the earliest versions");
            V(smart_recycle) keeps hourly versions of the last day, daily ones of the last month and weekly ones
            before that, at most O(retention.max_versions).
        type: str
        choices: [versions, smart_recycle]
        default: versions
      max_versions:
        description: The most versions kept (1 to 65535).
        type: int
        default: 30
  run_now:
    description:
      - Start a backup now (C(SYNO.Backup.Task backup)) after the task is in shape. Always reports a change. If the
        task is already backing up, no second backup is started.
    type: bool
    default: false
  wait:
    description: With O(run_now), wait until the backup has ended and fail unless it succeeded.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the backup (O(wait)).
    type: int
    default: 3600
  remove_data:
    description:
      - With O(state=absent), also delete the backup data at the destination. By default the data stays, and a new
        task can relink to it in the Hyper Backup UI.
    type: bool
    default: false
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  check_mode:
    details:
      - With O(run_now), check mode reports the change and starts nothing.
      - A shared folder that does not exist yet (because an earlier task of the same check run would create it)
        is assumed to exist, with a warning; a real run fails on it.
  idempotent:
    support: partial
    details:
      - Idempotent on O(sources), O(schedule), O(retention) and O(state).
      - O(run_now=true) starts a backup on every run.
      - The remote password is only sent when the task is created.
notes:
  - The DSM answers it reads are the DSM contracts C(share_list), C(backup_task_list), C(backup_task_get),
    C(backup_task_status), C(backup_repository_list), C(backup_candidate_dir), C(encryption_info) of the
    collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a
    NAS, and C(playbooks/site.yml) before its first change.
  - Source folders and the destination must be shared folders (or folders in them) of the NAS, as Hyper Backup
    requires; a missing destination shared folder fails before any change, naming it.
  - Over plain HTTP the remote password goes in DSM's encryption envelope (C(SYNO.API.Encryption)), as the DSM UI
    sends it; over HTTPS it is sent as it is, as other live-verified clients do.
  - A create is three calls (C(Target get_candidate_dir), C(Repository create), C(Task create)). When an answer is
    lost (timeout, proxy error, an interrupted run), the module finds what it sent by listing; a repository named
    after the task on the same destination that no task uses is its own and is reused, so reruns never pile up
    repositories. O(state=absent) also removes such repositories of the task.
  - C(Repository delete) with C(repo_id) is not shown by any public client; the module sends it only for
    repositories it made and no task uses.
seealso:
  - module: ankinas.synology.dsm_shared_folder
  - module: ankinas.synology.dsm_session
"""

EXAMPLES = r"""
- name: Back up the Anki data nightly at 03:00 to the share backups, keeping 30 versions
  ankinas.synology.dsm_hyper_backup:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    name: anki
    sources:
      - /volume1/docker/anki-server
    destination:
      type: image_local
      share: backups
    schedule:
      frequency: daily
      time: "03:00"
    retention:
      policy: versions
      max_versions: 30

- name: Back up to a Hyper Backup Vault on another NAS, Mondays and Thursdays, and run it now
  ankinas.synology.dsm_hyper_backup:
    name: anki-offsite
    sources: [/docker/anki-server]
    destination:
      type: image_remote
      host: vault.lan
      share: hb_vault
      account: hbuser
      password: "{{ vault_hb_password }}"
    schedule:
      frequency: weekly
      weekdays: [mon, thu]
      time: "04:30"
    run_now: true
    wait: true

- name: Delete the task, keeping its backup data
  ankinas.synology.dsm_hyper_backup:
    name: anki
    state: absent
"""

RETURN = r"""
backup_task:
  description: The task as DSM shows it after the module ran (empty after a deletion); secrets masked.
  returned: always
  type: dict
  contains:
    task_id:
      description: DSM's id of the task (null in check mode before creation).
      type: int
      sample: 3
    name:
      description: Name.
      type: str
      sample: anki
    sources:
      description: Source folders as share-rooted File Station paths, sorted.
      type: list
      elements: str
      sample: [/docker/anki-server]
    destination:
      description: The destination; C(share_path) is the destination shared folder on the NAS (image_local).
      type: dict
      sample: {type: image_local, share: backups, share_path: /volume1/backups}
    target_id:
      description: The task's directory in the destination shared folder.
      type: str
      sample: DiskStation_1
    schedule:
      description: The schedule in the module's terms.
      type: dict
      sample: {enabled: true, frequency: daily, time: "03:00", weekdays: [sun, mon, tue, wed, thu, fri, sat]}
    retention:
      description: The retention in the module's terms.
      type: dict
      sample: {enabled: true, policy: versions, max_versions: 30}
    last_backup:
      description: Time, end time and result of the last backup DSM reports.
      type: dict
      sample: {time: "2026/01/15 03:00:00", end_time: "2026/01/15 03:00:05", result: done}
backup_run:
  description: What O(run_now) did.
  returned: when O(run_now=true)
  type: dict
  sample: {started: true, waited: true, result: done, status: none, seconds: 4.2}
operation:
  description: What the module did to the task (create, update, delete), or would do in check mode.
  returned: changed
  type: str
  sample: update
changed_keys:
  description: The fields an update changed.
  returned: when an existing task was updated
  type: list
  elements: str
  sample: [schedule, retention]
"""

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_hyper_backup as hb
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_hyper_backup_task import HyperBackupTask
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            sources=dict(type="list", elements="str"),
            destination=dict(
                type="dict",
                options=dict(
                    type=dict(type="str", choices=["image_local", "image_remote"], default="image_local"),
                    share=dict(type="str", required=True),
                    host=dict(type="str"),
                    port=dict(type="int", default=hb.REMOTE_DEFAULT_PORT),
                    account=dict(type="str"),
                    password=dict(type="str", no_log=True),
                ),
            ),
            schedule=dict(
                type="dict",
                options=dict(
                    enabled=dict(type="bool", default=True),
                    frequency=dict(type="str", choices=["daily", "weekly"], default="daily"),
                    time=dict(type="str", default="03:00"),
                    weekdays=dict(type="list", elements="str", choices=list(hb.WEEKDAYS)),
                ),
            ),
            retention=dict(
                type="dict",
                options=dict(
                    enabled=dict(type="bool", default=True),
                    policy=dict(type="str", choices=["versions", "smart_recycle"], default="versions"),
                    max_versions=dict(type="int", default=30),
                ),
            ),
            run_now=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
            remove_data=dict(type="bool", default=False),
        )
    )
    run_resource_module(HyperBackupTask(module))


if __name__ == "__main__":
    main()
