"""The real Docker Engine behind the simulated Portainer: compose deploys and the API proxy.

Stacks are deployed as Portainer does it: a project folder <data>/compose/<id>/ holding
docker-compose.yml and, when the stack has variables, stack.env (passed as --env-file, so ${VAR}
interpolation and `env_file: stack.env` behave alike), and the normalised stack name as project
name (simnas.compose runs docker-compose).
"""

import os
import shutil
from pathlib import Path

import docker

from simnas.compose import DeployError, project_containers, run_compose

__all__ = ["DeployError", "DockerHost"]

COMPOSE_FILE = "docker-compose.yml"
ENV_FILE = "stack.env"


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
        env_file = folder / ENV_FILE
        run_compose(
            folder,
            project,
            folder / COMPOSE_FILE,
            self.docker_url,
            *args,
            env_file=env_file if env_file.exists() else None,
            command=self.compose_command,
            timeout=self.timeout,
        )

    # --- Docker Engine API ----------------------------------------------------------------------
    def project_in_use(self, project):
        """Whether any container carries com.docker.compose.project=<project> (Portainer's 409 rule)."""
        return bool(project_containers(self.api, project))

    def proxy_get(self, path, query_string):
        """Forward GET /<path>?<query> to the Engine; (status, body bytes, content type)."""
        url = self.api.base_url + "/" + path.lstrip("/")
        if query_string:
            url += "?" + query_string
        response = self.api.get(url, timeout=60)
        return response.status_code, response.content, response.headers.get("Content-Type", "application/json")
