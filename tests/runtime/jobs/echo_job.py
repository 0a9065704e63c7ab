"""A Glue-style script for the Glue service tests: prints its arguments, fails when asked to."""

import json
import sys

args = dict(zip(sys.argv[1::2], sys.argv[2::2], strict=False))
print(json.dumps(args))
if args.get("--fail") == "yes":
    from orchestration.core.errors import QualityError

    raise QualityError("5 of 10 rows rejected", where="orders")
