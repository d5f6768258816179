"""man_matches_help.py BINARY PAGE.scd: the options and subcommands that `BINARY --help`
lists are exactly those that the man page's OPTIONS and COMMANDS sections list. Exit 1 with
the differences otherwise."""

import re
import subprocess
import sys


def help_text(binary: str) -> tuple[set[str], set[str]]:
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10,
                         check=True).stdout
    options, commands, section = set(), set(), None
    for line in out.splitlines():
        if line.rstrip().endswith(":") and not line.startswith(" "):
            section = line.strip().rstrip(":")
            continue
        if section == "Options":
            first = line.strip().split(" ")[0]
            options.update(o for o in first.split(",") if o.startswith("-"))
        elif section == "Subcommands" and line.startswith("  ") and line.strip():
            commands.add(line.split()[0])
    return options, commands


def man_sections(page: str) -> tuple[set[str], set[str]]:
    options, commands, section = set(), set(), None
    for line in open(page, encoding="utf-8"):
        if line.startswith("# "):
            section = line[2:].strip()
            continue
        if not line.strip() or line[0] in " \t":
            continue  # only term lines, not their descriptions
        if section == "OPTIONS":
            options.update(re.findall(r"\*(-[-\w]+)\*", line))
        elif section == "COMMANDS":
            m = re.match(r"\*([\w-]+)\*", line)
            if m:
                commands.add(m.group(1))
    return options, commands


def main() -> int:
    binary, page = sys.argv[1], sys.argv[2]
    h_opts, h_cmds = help_text(binary)
    m_opts, m_cmds = man_sections(page)
    if not h_opts:
        print(f"{binary} --help listed no options: cannot compare")
        return 1
    problems = []
    for o in sorted(h_opts - m_opts):
        problems.append(f"{page}: OPTIONS lacks {o} (in --help)")
    for o in sorted(m_opts - h_opts):
        problems.append(f"{page}: OPTIONS has {o}, which --help does not list")
    for c in sorted(h_cmds - m_cmds):
        problems.append(f"{page}: COMMANDS lacks {c} (in --help)")
    for c in sorted(m_cmds - h_cmds):
        problems.append(f"{page}: COMMANDS has {c}, which --help does not list")
    print("\n".join(problems) or f"{page}: {len(h_opts)} options, {len(h_cmds)} commands, "
                                 "same as --help")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
