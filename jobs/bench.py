"""Jobs used only by `make bench` (queue: default): a light job and a cold-import baseline."""


def noop(n=0):
    """A light job: what a worker pays per job beyond the work itself (fork, Redis round trips)."""
    return n


def import_heavy(n=0):
    """The anti-pattern the bench compares against: importing face_recognition inside a job.

    In a forked work-horse the import is paid again for every job unless the parent did it first."""
    import face_recognition  # noqa: F401
    return n
