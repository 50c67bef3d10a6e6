"""The real Docker Engine behind the simulated Portainer: compose deploys and the API proxy.

Stacks are deployed as Portainer does it: a project folder <data>/compose/<id>/ holding
docker-compose.yml and, when the stack has variables, stack.env (passed as --env-file, so ${VAR}
interpolation and `env_file: stack.env` behave alike), and the normalised stack name as project
name. Debian's docker-compose 1.29 (compose v1) runs the deploys.
"""

import os
import shutil
import subprocess
from pathlib import Path

import docker

COMPOSE_FILE = "docker-compose.yml"
ENV_FILE = "stack.env"


class DeployError(Exception):
    """docker-compose failed; the message is its error output."""


class DockerHost:
    def __init__(self, data_dir, docker_url, compose_command=("docker-compose",), timeout=300):
        self.compose_root = Path(data_dir) / "compose"
        self.docker_url = docker_url
        self.compose_command = list(compose_command)
        self.timeout = timeout
        self.api = docker.APIClient(base_url=docker_url, version="auto", timeout=60)

    def project_dir(self, stack_id):
        return self.compose_root / str(stack_id)

    # --- compose --------------------------------------------------------------------------------
    def write_files(self, stack_id, content, env_pairs):
        folder = self.project_dir(stack_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / COMPOSE_FILE).write_text(content)
        env_file = folder / ENV_FILE
        if env_pairs:
            env_file.write_text("".join(f"{p['name']}={p['value']}\n" for p in env_pairs))
            os.chmod(env_file, 0o600)
        elif env_file.exists():
            env_file.unlink()

    def up(self, stack_id, project, pull=False):
        if pull:
            self._compose(stack_id, project, "pull")
        self._compose(stack_id, project, "up", "-d", "--remove-orphans")

    def down(self, stack_id, project):
        self._compose(stack_id, project, "down", "--remove-orphans")

    def remove_files(self, stack_id):
        shutil.rmtree(self.project_dir(stack_id), ignore_errors=True)

    def _compose(self, stack_id, project, *args):
        folder = self.project_dir(stack_id)
        command = [*self.compose_command, "-p", project, "-f", str(folder / COMPOSE_FILE)]
        if (folder / ENV_FILE).exists():
            command += ["--env-file", str(folder / ENV_FILE)]
        # A clean environment: the stack's variables must come from stack.env only, as in Portainer.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DOCKER_HOST": self.docker_url, "HOME": str(folder)}
        done = subprocess.run(
            [*command, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=self.timeout, check=False
        )
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise DeployError("\n".join(lines[-5:]) or f"docker-compose exited with {done.returncode}")

    # --- Docker Engine API ----------------------------------------------------------------------
    def project_in_use(self, project):
        """Whether any container carries com.docker.compose.project=<project> (Portainer's 409 rule)."""
        return bool(self.api.containers(all=True, filters={"label": f"com.docker.compose.project={project}"}))

    def proxy_get(self, path, query_string):
        """Forward GET /<path>?<query> to the Engine; (status, body bytes, content type)."""
        url = self.api.base_url + "/" + path.lstrip("/")
        if query_string:
            url += "?" + query_string
        response = self.api.get(url, timeout=60)
        return response.status_code, response.content, response.headers.get("Content-Type", "application/json")
