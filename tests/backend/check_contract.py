#!/usr/bin/env python3
"""Checks the backend contract (src/backend/contract.hpp) against every backend.

For each backend, the files src/CMakeLists.txt gives it must define every
function the contract headers declare and every public member contract.hpp
lists. Portable code (every src/ folder but the backends') must reach a
backend only through src/backend/: it may not include a backend's own header.

A backend whose folder does not exist is reported with what it still lacks,
and not counted as a failure.
"""
import pathlib
import re
import sys

SRC = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "src")
BACKEND_DIRS = {"posix", "linux", "win32", "mach"}

# Which CMake source lists make up each backend, and the folder it needs.
BACKENDS = {
    "linux": (["xipc_posix_sources", "xipc_linux_sources"], "linux"),
    "windows": (["xipc_win32_sources"], "win32"),
    "macos": (["xipc_posix_sources", "xipc_posix_generic_sources", "xipc_posix_framed_sources", "xipc_mach_sources"],
              "mach"),
}
# The contract headers outside src/backend/.
EXTRA_CONTRACT = []


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def declared_functions(header):
    """Names of the non-inline functions a contract header declares at namespace level."""
    text = strip_comments(header.read_text())
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    names = []
    depth = 0
    statement = ""
    for char in text:
        if char == "{":
            if not statement.strip().startswith("namespace"):
                depth += 1
            statement = ""
            continue
        if char == "}":
            depth = max(depth - 1, 0) if depth else 0
            statement = ""
            continue
        if depth == 0:
            statement += char
            if char == ";":
                found = re.match(r"\s*(?!inline|constexpr|using|template|struct|class|enum|static_assert|extern|typedef)"
                                 r"[\w:<>,&*\s]*?\b(\w+)\s*\(", statement)
                if found:
                    names.append(found.group(1))
                statement = ""
    return names


def public_members(contract):
    text = contract.read_text()
    block = text[text.index("BEGIN PUBLIC MEMBERS"):text.index("END PUBLIC MEMBERS")]
    return [word for line in block.splitlines()[1:] for word in line.lstrip("/ ").split()]


def cmake_lists():
    text = strip_comments_cmake((SRC / "CMakeLists.txt").read_text())
    lists = {}
    for name, body in re.findall(r"set\((xipc_\w+_sources)\s+(.*?)\)", text, re.S):
        if "${" not in body:  # the list itself, not a re-export of it (PARENT_SCOPE)
            lists.setdefault(name, body.split())
    return lists


def strip_comments_cmake(text):
    return re.sub(r"#[^\n]*", "", text)


def defines(text, name):
    """Whether `text` holds a definition of `name` (qualified or not): name( ... ) [qualifiers] {"""
    for found in re.finditer(r"(?<![\w.>])(?:\w+::)*" + re.escape(name) + r"\s*\(", text):
        before = text[max(0, found.start() - 2):found.start()]
        if before.endswith("->") or before.endswith("."):
            continue
        depth = 0
        at = found.end() - 1
        while at < len(text):
            if text[at] == "(":
                depth += 1
            elif text[at] == ")":
                depth -= 1
                if depth == 0:
                    break
            at += 1
        rest = text[at + 1:at + 200]
        if re.match(r"\s*(?:const\s*)?(?:noexcept\s*)?(?:override\s*)?(?:->\s*[\w:<>]+\s*)?\{", rest):
            return True
    return False


def main():
    contract = SRC / "backend" / "contract.hpp"
    headers = sorted(p for p in (SRC / "backend").glob("*.hpp") if p.name != "contract.hpp")
    headers += [SRC / extra for extra in EXTRA_CONTRACT]
    included = set(re.findall(r'#include "backend/([\w.]+)"', contract.read_text()))
    problems = []
    for header in headers:
        if header.parent.name == "backend" and header.name not in included:
            problems.append(f"contract.hpp does not include backend/{header.name}")
    wanted = []
    for header in headers:
        wanted += [(name, header.relative_to(SRC)) for name in declared_functions(header)]
    wanted += [(name, "contract.hpp, public members") for name in public_members(contract)]
    if len(wanted) < 40:
        problems.append(f"only {len(wanted)} contract entries were found: the parser no longer reads the headers")

    lists = cmake_lists()
    for backend, (list_names, folder) in BACKENDS.items():
        if not (SRC / folder).is_dir():
            files = [f for name in list_names for f in lists.get(name, [])]
            text = "\n".join(strip_comments((SRC / f).read_text()) for f in files)
            lacking = sorted({name for name, _ in wanted if not defines(text, name)})
            print(f"{backend}: src/{folder} does not exist yet; the shared files leave it to define: {' '.join(lacking)}")
            continue
        missing = [name for name in list_names if name not in lists]
        if missing:
            problems.append(f"{backend}: src/CMakeLists.txt has no {' '.join(missing)}")
            continue
        files = [f for name in list_names for f in lists[name]]
        text = "\n".join(strip_comments((SRC / f).read_text()) for f in files)
        lacking = [(name, where) for name, where in wanted if not defines(text, name)]
        for name, where in lacking:
            problems.append(f"{backend}: nothing in its {len(files)} files defines {name} ({where})")
        if not lacking:
            print(f"{backend}: its {len(files)} files define all {len(wanted)} entries of the contract")

    # Portable code reaches a backend only through src/backend/.
    for path in sorted(SRC.rglob("*.[ch]pp")):
        layer = path.relative_to(SRC).parts[0]
        if layer in BACKEND_DIRS or path.parent == SRC:
            continue
        for included_header in re.findall(r'#include "(\w+)/', path.read_text()):
            if included_header in BACKEND_DIRS:
                problems.append(f"{path.relative_to(SRC)} includes a header of src/{included_header}; "
                                f"portable code goes through src/backend/")

    for problem in problems:
        print("contract:", problem)
    if problems:
        return 1
    print("contract: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
