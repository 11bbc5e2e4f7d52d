"""Running the demo in a container: the image's requirements and `make docker-check`."""
