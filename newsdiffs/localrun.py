"""`make run`: the Procfile's web, worker and beat under honcho, in the foreground; Ctrl-C stops all three.

On Ctrl-C honcho sends SIGTERM and, after KILL_WAIT seconds, SIGKILL. A Celery worker's warm shutdown
lets a check under way finish (bounded by FETCH_TOTAL_TIMEOUT) and, on the filesystem broker, takes up to
two 2-second polls even when idle; honcho's 5 seconds would kill it mid-check, so wait longer.
"""

import sys

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = 90

if __name__ == "__main__":
    sys.exit(main(["start", "--procfile", "Procfile", *sys.argv[1:]]))
