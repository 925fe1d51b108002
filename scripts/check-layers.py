#!/usr/bin/env python3
"""Checks that module dependencies point one way (see src/README.md).

Every `#include "other/..."` in src/<module>/ must name a module this module may depend on, and
no file may include another module's internal/ headers. CMake tolerates cycles between static
libraries, so this script is what enforces the layering. Exit code 1 lists the violations.
"""
import pathlib
import re
import sys

# module -> modules it may include (besides itself). Keep in step with src/README.md.
ALLOWED = {
    "base": set(),
    "crypto": {"base"},
    "store": {"base"},
    "sandbox": set(),
    "exec": {"base", "sandbox"},
    "http": {"base"},
    "live": {"base"},
    "auth": {"base", "crypto", "store"},
    "events": {"base", "crypto", "store"},
    "queue": {"base", "store"},
    "runtime": {"base", "crypto", "store"},
    "workflow": {"base", "crypto", "queue", "store"},
    "scheduler": {"base", "queue", "store", "events", "workflow"},
    "worker": {"base", "events", "exec", "live", "queue", "runtime", "sandbox", "store", "crypto"},
    "api": {"base", "auth", "http", "events", "live", "queue", "runtime", "scheduler", "store",
            "worker", "workflow", "crypto", "exec", "sandbox"},
    "cli": {"base", "http"},
    "webui": {"base", "http"},
    "server": {"base", "api", "auth", "cli", "crypto", "scheduler", "events", "exec", "http", "live",
               "queue", "runtime", "sandbox", "store", "worker", "workflow", "webui"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]+)"', re.M)


def main() -> int:
    src = pathlib.Path(__file__).resolve().parent.parent / "src"
    problems = []
    modules = sorted(p.name for p in src.iterdir() if p.is_dir())
    for module in modules:
        if module not in ALLOWED:
            problems.append(f"src/{module}: module missing from scripts/check-layers.py")
            continue
        for path in sorted((src / module).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            is_test = path.name.endswith("_test.cc")
            for target, rest in INCLUDE.findall(path.read_text(encoding="utf-8")):
                rel = path.relative_to(src.parent)
                if target == "testutil" and is_test:
                    continue
                if target != module and target not in ALLOWED[module] and not is_test:
                    problems.append(f"{rel}: {module} must not include {target}/{rest}")
                if target != module and rest.startswith("internal/"):
                    problems.append(f"{rel}: includes another module's internal header "
                                    f"{target}/{rest}")
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} layering violation(s)")
        return 1
    print(f"layering ok: {len(modules)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
