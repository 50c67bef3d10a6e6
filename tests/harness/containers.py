"""Containers a test starts itself, with the Docker SDK."""


def run_container(client, image, command=None, **options):
    """client.containers.run(image, command, detach=True, **options), except that a container whose start fails is
    removed before the error goes up: docker-py's run creates the container first, and a failed start (a missing
    network, a port taken) would leave it behind, created, where no teardown knows it."""
    options.pop("detach", None)
    container = client.containers.create(image, command, **options)
    try:
        container.start()
    except Exception:
        container.remove(force=True, v=True)
        raise
    container.reload()
    return container
