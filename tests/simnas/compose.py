"""Compose projects on the real Docker Engine, as the simulated Portainer and Container Manager deploy them.

Debian's docker-compose 1.29 (compose v1) runs the deploys, in a clean environment: a project's
variables come from its env file only, never from the simulator's own environment.
"""

import os
import subprocess


class DeployError(Exception):
    """docker-compose failed; the message is the end of its error output."""


def run_compose(
    folder, project, compose_file, docker_url, *args, env_file=None, command=("docker-compose",), timeout=300
):
    """Run `docker-compose -p project -f compose_file [--env-file env_file] args...` in folder; its output."""
    line = [*command, "-p", project, "-f", str(compose_file)]
    if env_file is not None:
        line += ["--env-file", str(env_file)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DOCKER_HOST": docker_url, "HOME": str(folder)}
    done = subprocess.run(
        [*line, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise DeployError("\n".join(lines[-5:]) or f"docker-compose exited with {done.returncode}")
    return done.stdout + done.stderr


def project_containers(api, project):
    """The containers (all states) that carry com.docker.compose.project=<project>."""
    return api.containers(all=True, filters={"label": f"com.docker.compose.project={project}"})
