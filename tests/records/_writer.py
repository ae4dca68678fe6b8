"""Helper process for the store tests: records N checks and prints each id once its commit returned."""

import sys
import time

from legcheck.records import open_store

db, chart, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
RESULT = {"lld_mm": 1.5, "short_leg": "left", "uncertainty_mm": 0.3, "method": "tabs",
          "left_heel_mm": [0, 1.5, 90], "right_heel_mm": [200, 0, 90], "warnings": [], "image": {}}
with open_store(db, actor=f"writer-{tag}") as st:
    for i in range(n):
        r = dict(RESULT, lld_mm=float(i % 40), note=f"{tag}-{i}")
        out = st.record_check(chart, "pre" if i % 2 else "post", "extended", r)
        print(f"{tag} {i} {out['check_id']}", flush=True)
        if pause:
            time.sleep(pause)
