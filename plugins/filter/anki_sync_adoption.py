# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter anki_sync_adoption: the sync server deployment already on the NAS, and what a run does with it.

Every deploy method asks the same question before its first change (which container already holds the
configured name, host port or data directory, who made it, can it be taken over), so the answer lives
here once. The input is the Docker Engine's container list (ankinas.synology.nas_container_info with containers=true,
in the shape community.docker.docker_host_info gives with verbose_output, or the same shape read through the DSM Web
API by ankinas.synology.dsm_container_info), which shows the containers of every method alike.

The filter anki_sync_data_dir_change decides what a run does when the found server keeps its data elsewhere than
the configured data directory (the user moved data_folder_path): refuse, move the collections, or start
empty, from the users whose collections the two directories hold.
"""

import posixpath
import re

from ansible.errors import AnsibleFilterError

COMPOSE_PROJECT = "com.docker.compose.project"
MANAGED_BY = "org.ankinas.managed-by"
DATA_MOUNT = "/anki_data"
SERVER_PORT = 8080
USER_VARIABLE = re.compile(r"^SYNC_USER[0-9]+$")
#: the deploy methods; each names the kind of deployment it makes
METHODS = ("docker", "portainer", "container_manager")
KIND_NAMES = {
    "docker": "a container run with Docker",
    "portainer": "the Portainer stack '{project}'",
    "container_manager": "the Container Manager project '{project}'",
    "compose": "the compose project '{project}' (not a Portainer stack)",
}


def normalized_project(name):
    """A compose project name as Portainer and compose derive it from a stack name (lowercase, [-_a-z0-9])."""
    return re.sub(r"[^-_a-z0-9]", "", str(name).lower())


def _clean(path):
    return posixpath.normpath(str(path)) if path else ""


def _name(container):
    names = container.get("Names") or []
    return (names[0] if names else container.get("Name") or "").lstrip("/")


def _host_ports(container):
    return sorted(
        {
            int(port["PublicPort"])
            for port in container.get("Ports") or []
            if isinstance(port, dict) and port.get("PublicPort")
        }
    )


def _data_dir(container):
    for mount in container.get("Mounts") or []:
        if isinstance(mount, dict) and _clean(mount.get("Destination")) == DATA_MOUNT:
            return _clean(mount.get("Source"))
    return ""


def _describe(container):
    return {
        "id": container.get("Id", "")[:12],
        "name": _name(container),
        "image": container.get("Image", ""),
        "state": container.get("State", ""),
        "host_ports": _host_ports(container),
        "data_dir": _data_dir(container),
        "project": (container.get("Labels") or {}).get(COMPOSE_PROJECT, ""),
        "managed": MANAGED_BY in (container.get("Labels") or {}),
    }


def _plain_text_users(env):
    """Names of the users whose password the found server keeps in plain text (never the passwords)."""
    pairs = dict(item.split("=", 1) for item in env or [] if "=" in item)
    if pairs.get("PASSWORDS_HASHED") == "1":
        return []
    return [value.split(":", 1)[0] for key, value in sorted(pairs.items()) if USER_VARIABLE.match(key) and ":" in value]


def anki_sync_adoption(
    containers,
    name,
    port,
    data_dir,
    method,
    stack="",
    portainer_projects=None,
    container_manager_projects=None,
    env=None,
    hashed=True,
    volume_root="",
    engine=True,
):
    """The plan for the deployment found on the NAS: found, kind, own, switch, refuse, summary, plain_text_users,
    data_dir_from (the found server's own data directory when it is not data_dir).

    engine: whether the NAS's Docker Engine can be reached (SSH, or a tcp:// host). Without it a container made by
    docker run or a compose project outside Portainer cannot be removed, nor put back after a failure."""
    if method not in METHODS:
        raise AnsibleFilterError(f"anki_sync_server_deploy_method must be one of {list(METHODS)}, not {method!r}")
    found = []
    for container in containers or []:
        described = _describe(container)
        if volume_root and described["data_dir"].startswith(_clean(volume_root) + "/"):
            # The simulated NAS maps /volumeN to a folder; show the path as the NAS has it.
            described["data_dir"] = described["data_dir"][len(_clean(volume_root)) :]
        holds = []
        if described["name"] == name:
            holds.append(f"the container name {name}")
        if int(port) in described["host_ports"]:
            holds.append(f"the host port {int(port)}")
        if described["data_dir"] and described["data_dir"] == _clean(data_dir):
            holds.append(f"the data directory {data_dir}")
        if holds:
            described["holds"] = holds
            found.append(described)
    plan = {
        "found": None,
        "kind": "",
        "own": False,
        "switch": False,
        "refuse": "",
        "summary": "",
        "plain_text_users": [],
        "data_dir_from": "",
        "made_by": "",
        # every compose project that has a container on the NAS (a project or stack without one is left over)
        "projects": sorted({(c.get("Labels") or {}).get(COMPOSE_PROJECT) for c in containers or []} - {None, ""}),
    }
    if not found:
        return plan
    if len(found) > 1:
        listed = "; ".join(f"'{c['name']}' ({c['image']}) holds {' and '.join(c['holds'])}" for c in found)
        plan["refuse"] = (
            f"found {len(found)} containers where one Anki sync server belongs: {listed}. Nothing was changed. Remove "
            "the ones that are not the sync server (or choose another anki_sync_server_container_name / "
            "anki_sync_server_host_port), then run again."
        )
        return plan

    container = plan["found"] = found[0]
    project = container["project"]
    if project and project in (portainer_projects or []):
        kind = "portainer"
    elif project and project in (container_manager_projects or []):
        kind = "container_manager"
    elif project:
        kind = "compose"
    else:
        kind = "docker"
    plan["kind"] = kind
    made_by = plan["made_by"] = KIND_NAMES[kind].format(project=project)
    holds = " and ".join(container["holds"])
    # One this collection made (its label) is the user's own server moving to the configured directory; one made by
    # hand that keeps its data elsewhere may be anything, and taking it over could bury its data.
    if container["data_dir"] != _clean(data_dir) and not container["managed"]:
        plan["refuse"] = (
            f"the container '{container['name']}' ({container['image']}, {made_by}) holds {holds}, "
            f"but keeps its data in {container['data_dir'] or 'no directory mounted on ' + DATA_MOUNT}, not in "
            f"data_folder_path ({data_dir}). Nothing was changed. If it is your sync server, set "
            "data_folder_path to its data directory so it can be taken over; "
            "otherwise stop it, or choose another anki_sync_server_container_name / anki_sync_server_host_port."
        )
        return plan

    if method == "docker":
        plan["own"] = kind == "docker" and container["name"] == name
    else:
        # A Portainer stack is named by anki_sync_server_portainer_stack_name, a Container Manager project by the
        # container name.
        own_project = normalized_project(stack if method == "portainer" else name)
        plan["own"] = kind == method and project == own_project
    plan["switch"] = not plan["own"]
    if plan["switch"] and not engine and kind in ("docker", "compose"):
        plan["refuse"] = (
            f"the container '{container['name']}' ({container['image']}, {made_by}) holds {holds}; taking it over "
            "means removing it and, should the new server fail, putting it back, which only the NAS's Docker Engine "
            "can do, and there is no SSH host to reach it. Nothing was changed. Give the inventory the NAS's SSH "
            "connection (ansible_host, ansible_user, become) for this run, or remove the container in Container "
            "Manager yourself (its data directory stays), then run again."
        )
        return plan
    if container["data_dir"] and container["data_dir"] != _clean(data_dir):
        plan["data_dir_from"] = container["data_dir"]
    plan["plain_text_users"] = _plain_text_users(env) if hashed else []
    if plan["switch"]:
        plan["summary"] = (
            f"taking over the container '{container['name']}' ({made_by}), which holds {holds}: "
            f"it is stopped and removed, then the {method} method starts the server on the same data directory "
            "(restored as it was if the new server fails its login check)"
        )
    elif not container["managed"] or plan["plain_text_users"]:
        plan["summary"] = f"taking over {made_by} in place (container '{container['name']}')"
    if plan["plain_text_users"]:
        plan["summary"] += (
            "; the passwords of {} are stored in plain text and are replaced by hashes, so those devices log in once "
            "more with the same password (the server derives its session keys from the stored value)".format(
                ", ".join(plan["plain_text_users"])
            )
        )
    return plan


CHOICES = ("refuse", "move", "start_empty")


def anki_sync_data_dir_change(plan, old_users, new_users, choice="refuse", data_dir=""):
    """What becomes of the collections when the found server keeps them elsewhere than data_dir.

    plan: anki_sync_adoption's answer; old_users / new_users: the users whose collection (<user>/collection.anki2)
    the found server's directory and data_dir hold; choice: anki_sync_server_data_dir_change. Returns {action
    ("" nothing to do, "move" or "start_empty"), refuse (a message, or ""), summary, users}.
    """
    if choice not in CHOICES:
        raise AnsibleFilterError(
            f"anki_sync_server_data_dir_change must be one of {', '.join(CHOICES)} (got {choice!r})"
        )
    answer = {"action": "", "refuse": "", "summary": "", "users": sorted(old_users or [])}
    old = (plan or {}).get("data_dir_from") or ""
    if not old or not old_users:
        return answer
    count, users = len(old_users), ", ".join(sorted(old_users))
    collections = f"{count} collection{'s' if count != 1 else ''}"
    if new_users:
        if choice == "move":
            answer["refuse"] = (
                f"anki_sync_server_data_dir_change is move, but {data_dir} already holds the collections of "
                f"{', '.join(sorted(new_users))} and {old} those of {users}: a move would mix or overwrite them. "
                "Nothing was changed. Merge the two folders yourself, or set data_folder_path back to "
                f"{old}."
            )
        return answer
    if choice == "refuse":
        answer["refuse"] = (
            f"data_folder_path changes from {old} to {data_dir}, but the {collections} of the running "
            f"server ({users}) are in {old} and {data_dir} has none: the server would start empty there, and a "
            "device that answers the full-sync prompt with download would lose its notes. Nothing was changed. "
            "Set anki_sync_server_data_dir_change: move to move them there (the server stops while they are "
            f"copied; {old} is removed once every user logs in on the new one), or start_empty to start an empty "
            f"server there ({old} stays as it is); or set data_folder_path back to {old}."
        )
    elif choice == "move":
        answer["action"] = "move"
        answer["summary"] = f"Moved {collections} ({users}) from {old} to {data_dir}"
    else:
        answer["action"] = "start_empty"
        answer["summary"] = (
            f"The server starts empty in {data_dir} (anki_sync_server_data_dir_change: start_empty); the {collections} "
            f"of {users} stay in {old}."
        )
    return answer


class FilterModule:
    def filters(self):
        return {
            "anki_sync_adoption": anki_sync_adoption,
            "anki_sync_data_dir_change": anki_sync_data_dir_change,
            "anki_sync_project_name": normalized_project,
        }
