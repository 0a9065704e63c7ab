"""A Glue-style script that never finishes: it starts a grandchild that, like PySpark's JVM gateway,
lives until its stdin pipe from the driver closes, writes both process ids to ``--pids`` and sleeps;
or it kills itself when ``--die`` is given."""

import json
import os
import signal
import subprocess
import sys
import time

args = dict(zip(sys.argv[1::2], sys.argv[2::2], strict=False))
if args.get("--die") == "yes":
    print("about to be killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
with open(args["--pids"], "w") as f:
    json.dump([os.getpid(), child.pid], f)
time.sleep(600)
