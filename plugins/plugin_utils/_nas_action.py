# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the NAS's action plugins share: a POSIX shell script run on the NAS, with nothing installed there (no module,
so no Python), and the failures of the Docker ones (scripts of _nas_docker)."""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_docker

COMMON_OPTIONS = {
    "docker_cli": {"type": "str", "default": ""},
    "docker_host": {"type": "str", "default": ""},
}


class NasShellAction(ActionBase):
    """An action plugin that runs a POSIX shell script on the target (the NAS) and nothing else: no module, so no
    Python there (task become applies: DSM's Docker socket and ACL-mode shared folders are root's)."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def shell(self, script, stdin=""):
        """Runs script with /bin/sh on the target, stdin on its standard input; Ansible's answer (rc, stdout
        \r-free).

        stdin is never empty: without input Ansible's ssh connection asks for a terminal for become, which merges
        the streams and ends lines with \r.
        """
        # One compound command: Ansible may append "&& sleep 0" to what it runs.
        command = "{\n" + script.rstrip("\n") + "\n}"
        # What docker prints here carries containers' environments (the users' passwords or hashes): the connection
        # plugin logs a command's raw output at -vvv unless the play context says no_log, so it says so for this call.
        contexts = {id(context): context for context in (self._play_context, self._connection._play_context)}
        no_log = {key: context.no_log for key, context in contexts.items()}
        try:
            for context in contexts.values():
                context.no_log = True
            answer = self._low_level_execute_command(command, sudoable=True, in_data=to_bytes(stdin or "\n"))
        finally:
            for key, context in contexts.items():
                context.no_log = no_log[key]
        answer["stdout"] = to_text(answer.get("stdout", "")).replace("\r", "")
        return answer

    def shell_failure(self, answer):
        """Raises the failure of a script whose shell failed."""
        raise AnsibleActionFail(
            f"the shell on {self._task.delegate_to or 'the NAS'} failed (exit {answer.get('rc')}): "
            f"{to_text(answer.get('stderr', '')).strip() or answer['stdout'].strip()}"
        )


class NasDockerAction(NasShellAction):
    """A NasShellAction that runs the NAS's Docker CLI (scripts of _nas_docker)."""

    def nas(self, script, stdin=""):
        """Runs a script of _nas_docker on the target; its stdout."""
        answer = self.shell(script, stdin)
        if answer.get("rc") == _nas_docker.NO_DOCKER_EXIT:
            raise AnsibleActionFail(_nas_docker.no_cli_message(self._task.args.get("docker_cli", "")))
        if answer.get("rc") not in (0, 1):
            self.shell_failure(answer)
        return answer["stdout"]

    def read(self, sections, what):
        """Runs docker read commands (name, docker args...) in one script; {name: section} and the CLI's path."""
        args = self._task.args
        stdout = self.nas(_nas_docker.read_script(args.get("docker_cli", ""), args.get("docker_host", ""), sections))
        parsed, cli = _nas_docker.parse_sections(stdout)
        for name, *_rest in sections:
            if name not in parsed:
                raise AnsibleActionFail(f"{what}: the NAS's shell gave no answer for {name} ({stdout.strip()[-300:]})")
        return parsed, cli

    def engine_failure(self, section, cli, what):
        """Raises the failure of a docker read that did not reach the engine (what to do included)."""
        text = (section["err"] or section["out"]).strip()
        user = self._play_context.become_user if self._play_context.become else self._play_context.remote_user
        message = _nas_docker.engine_error(text, cli, user or "the connection's user")
        raise AnsibleActionFail(f"{what}: {message or text or 'docker exited ' + str(section['rc'])}")
